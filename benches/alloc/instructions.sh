#!/usr/bin/env bash
# Instructions the heap hook adds, counted by callgrind: exact and independent of code layout and
# of the machine's load, where CPU time on these loops moves by several percent with either.
# Runs each workload of the comparison's binaries (see run.sh) under valgrind's callgrind for
# System, ferroprof::Allocator<System> at the default rate and with sampling off, and prints
# the instructions of the whole process (start, workers, REPS repetitions) and the increase over
# System. Needs valgrind (apt-get install -y valgrind).
#
# usage: benches/alloc/instructions.sh
# env: REPS (repetitions per workload, default 20)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
reps=${REPS:-20}
if ! command -v valgrind >/dev/null; then
  echo "instructions.sh: valgrind is not installed (apt-get install -y valgrind)" >&2
  exit 1
fi
cargo build --quiet --release --manifest-path "$here/Cargo.toml" --target-dir "$root/target"
bin=$root/target/release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Instructions of one run: valgrind's "Collected" figure.
count() {
  local name=$1
  shift
  "$@" 2>"$tmp/$name.err" >/dev/null
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/$name.err"
}
echo "commit: $(cd "$root" && git rev-parse --short HEAD)$(cd "$root" && git diff --quiet || echo ' (modified)'), repetitions: $reps"
echo
echo "| workload | System | ferroprof | vs System | sampling off | vs System |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for workload in churn_64b vec_push strings_btree mixed_sizes; do
  cg=(valgrind --tool=callgrind --callgrind-out-file=/dev/null)
  system=$(count system "${cg[@]}" "$bin/alloc_bench_system" "$reps" "$workload")
  ferroprof=$(count ferroprof "${cg[@]}" "$bin/alloc_bench_ferroprof" "$reps" "$workload")
  rate0=$(ALLOC_BENCH_RATE=0 count rate0 "${cg[@]}" "$bin/alloc_bench_ferroprof" "$reps" "$workload")
  awk -v w="$workload" -v s="$system" -v f="$ferroprof" -v z="$rate0" 'BEGIN {
    printf "| %s | %.1fM | %.1fM | %+.1f%% | %.1fM | %+.1f%% |\n", w, s / 1e6, f / 1e6, (f / s - 1) * 100, z / 1e6, (z / s - 1) * 100
  }'
done
