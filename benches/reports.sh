#!/usr/bin/env bash
# Side-by-side wall time and peak RSS of `ferroprof` against `go tool pprof` for the reports
# people run: -top, -traces, -tree, -dot, -proto -output F, and -top over a merge of 10 sources.
# Each pair runs back to back in the same loop, so ratios are taken under the same load; the
# outputs are compared (byte for byte; -proto after decoding both files with -raw).
# Prints a Markdown table for benches/RESULTS.md, and the load average (/proc/loadavg) before
# and after each input on standard error, since the machine is shared.
#
# usage: benches/reports.sh [small|medium|large|merge]...   (default: all four)
#   small   google/pprof's internal/proftest/testdata/large.cpu (2.4 MB of protobuf)
#   medium  testdata/generated/medium.pb.gz (~10 MB of protobuf, generated on first use)
#   large   testdata/generated/large.pb.gz (~100 MB of protobuf, generated on first use)
#   merge   -top over testdata/generated/merge-{0..9}.pb.gz (10 sources of ~2 MB, other seeds)
# env: RUNS (default 3; the best run is reported), FERROPROF (default target/release/ferroprof),
#      REPORTS (default "-top -traces -tree -dot -proto"), FERROPROF_FIXTURES_DIR.
# needs: go (golang-go), /usr/bin/time (apt-get install -y time), a release build of ferroprof-cli
#        and xtask (cargo build --release -p ferroprof-cli -p xtask).
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=${FERROPROF_FIXTURES_DIR:-../shared/fixtures}
ferroprof=${FERROPROF:-target/release/ferroprof}
xtask=target/release/xtask
runs=${RUNS:-3}
reports=${REPORTS:--top -traces -tree -dot -proto}
for tool in /usr/bin/time go "$ferroprof" "$xtask"; do
  command -v "$tool" >/dev/null || { echo "reports.sh: $tool not found" >&2; exit 1; }
done
[ $# -eq 0 ] && set -- small medium large merge
gen=testdata/generated
mkdir -p "$gen"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC HOME=$tmp PPROF_TMPDIR=$tmp

# generate FILE ARGS...: runs `xtask gen ARGS --out FILE` unless FILE exists
generate() {
  local out=$1; shift
  [ -s "$out" ] || "$xtask" gen "$@" --out "$out" >&2
}

# measure TAG CMD...: one run; stdout to $tmp/TAG.out; prints "seconds KiB"
measure() {
  local tag=$1; shift
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/$tag.out" 2>"$tmp/$tag.err" || {
    echo "reports.sh: failed: $*" >&2; cat "$tmp/$tag.err" >&2; exit 1; }
  cat "$tmp/time"
}

# better "s KiB" of two (lower time; the RSS of that run)
best() {
  if [ -z "$1" ]; then echo "$2"; return; fi
  awk -v a="$1" -v b="$2" 'BEGIN{split(a,A," "); split(b,B," "); print (B[1] < A[1] ? b : a)}'
}

row() { # input, report, same, go "s KiB", ours "s KiB"
  awk -v f="$1" -v w="$2" -v s="$3" -v g="$4" -v o="$5" 'BEGIN{
    split(g, G, " "); split(o, O, " ");
    printf "| %s | %s | %s | %.2f | %.2f | %.1fx | %.0f | %.0f | %.2f |\n",
      f, w, s, G[1], O[1], (O[1] > 0 ? G[1] / O[1] : 0), G[2] / 1024, O[2] / 1024,
      (G[2] > 0 ? O[2] / G[2] : 0) }'
}

# bench NAME REPORT FILE...: RUNS alternating runs of go and ferroprof, then a table row
bench() {
  local name=$1 report=$2; shift 2
  local args=("$report") g="" o="" same
  [ "$report" = -proto ] && args=(-proto -output "$tmp/REPLACE.pb.gz")
  for _ in $(seq "$runs"); do
    rm -f "$tmp"/go.pb.gz "$tmp"/ours.pb.gz
    g=$(best "$g" "$(measure go go tool pprof "${args[@]/REPLACE/go}" "$@")")
    o=$(best "$o" "$(measure ours "$ferroprof" "${args[@]/REPLACE/ours}" "$@")")
  done
  if [ "$report" = -proto ]; then
    go tool pprof -raw "$tmp/go.pb.gz" >"$tmp/go.out" 2>/dev/null
    "$ferroprof" -raw "$tmp/ours.pb.gz" >"$tmp/ours.out" 2>/dev/null
  fi
  if cmp -s "$tmp/go.out" "$tmp/ours.out"; then same=yes; else same=NO; fi
  row "$name" "$report" "$same" "$g" "$o"
}

echo "| input | report | same output | go s | ferroprof s | speedup | go MiB | ferroprof MiB | RSS ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
load() { cut -d' ' -f1-3 /proc/loadavg; }
for input in "$@"; do
  echo "reports.sh: $input: load average before: $(load)" >&2
  case $input in
    small)
      for r in $reports; do
        bench "large.cpu (2.4 MB)" "$r" "$fixtures/google-pprof/internal/proftest/testdata/large.cpu"
      done ;;
    medium)
      generate "$gen/medium.pb.gz" --samples 107000 --stacks 5000 --depth 32 --functions 2000 --labels 2
      for r in $reports; do bench "medium.pb.gz (10 MB)" "$r" "$gen/medium.pb.gz"; done ;;
    large)
      generate "$gen/large.pb.gz" --samples 1070000 --stacks 50000 --depth 32 --functions 20000 --labels 2
      for r in $reports; do bench "large.pb.gz (100 MB)" "$r" "$gen/large.pb.gz"; done ;;
    merge)
      files=()
      for i in 0 1 2 3 4 5 6 7 8 9; do
        generate "$gen/merge-$i.pb.gz" --samples 21400 --stacks 2000 --depth 32 --functions 2000 \
          --labels 2 --seed $((i + 1))
        files+=("$gen/merge-$i.pb.gz")
      done
      bench "merge of 10 (10 x 2 MB)" -top "${files[@]}" ;;
    *) echo "reports.sh: unknown input $input (small, medium, large, merge)" >&2; exit 2 ;;
  esac
  echo "reports.sh: $input: load average after: $(load)" >&2
done
