#!/usr/bin/env bash
# Wall time and peak RSS of `ferroprof` against `go tool pprof` on the same profiles:
#   -raw (parse + merge + dump) and -proto -output F (parse + merge + re-encode), plus `zcat`
#   (the floor set by inflating) and `xtask parse` (ferroprof-profile alone: parse, then the
#   raw dump, no driver). Prints a Markdown table for benches/RESULTS.md.
#
# usage: benches/compare.sh [PROFILE...]
#   default profiles: google/pprof's large.cpu and testdata/generated/large.pb.gz, made by
#   cargo run -p xtask --release -- gen --samples 1070000 --stacks 50000 --depth 32 \
#     --functions 20000 --labels 2 --out testdata/generated/large.pb.gz
# env: RUNS (default 1; the best run is reported), FERROPROF (default target/release/ferroprof),
#      FERROPROF_FIXTURES_DIR (default ../shared/fixtures).
# needs: go (golang-go), /usr/bin/time (apt-get install -y time), a release build of ferroprof-cli
#        and xtask (cargo build --release -p ferroprof-cli -p xtask).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fixtures=${FERROPROF_FIXTURES_DIR:-../shared/fixtures}
ferroprof=${FERROPROF:-target/release/ferroprof}
xtask=target/release/xtask
runs=${RUNS:-1}
for tool in /usr/bin/time go "$ferroprof" "$xtask"; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found" >&2; exit 1; }
done
if [ $# -eq 0 ]; then
  set -- "$fixtures/google-pprof/internal/proftest/testdata/large.cpu" testdata/generated/large.pb.gz
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC HOME=$tmp PPROF_TMPDIR=$tmp

# best "seconds KiB" of $runs runs of a command whose stdout goes to $tmp/out
measure() {
  local best="" e m
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
      echo "compare.sh: failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }
    read -r e m <"$tmp/time"
    if [ -z "$best" ] || awk -v a="$e" -v b="${best% *}" 'BEGIN{exit !(a<b)}'; then best="$e $m"; fi
  done
  echo "$best"
}

row() { # file, what, go "s KiB", ours "s KiB"
  awk -v f="$1" -v w="$2" -v g="$3" -v o="$4" 'BEGIN{
    split(g, G, " "); split(o, O, " ");
    printf "| %s | %s | %.2f | %.2f | %.1fx | %.0f | %.0f | %.2f |\n",
      f, w, G[1], O[1], (O[1] > 0 ? G[1] / O[1] : 0), G[2] / 1024, O[2] / 1024, (G[2] > 0 ? O[2] / G[2] : 0) }'
}

echo "| profile | command | go s | ferroprof s | speedup | go MiB | ferroprof MiB | RSS ratio |"
echo "|---|---|---|---|---|---|---|---|"
for f in "$@"; do
  name=$(basename "$f")
  z=$(measure zcat -f "$f")
  go_raw=$(measure go tool pprof -raw "$f"); cp "$tmp/out" "$tmp/go.raw"
  our_raw=$(measure "$ferroprof" -raw "$f"); cp "$tmp/out" "$tmp/our.raw"
  if cmp -s "$tmp/go.raw" "$tmp/our.raw"; then same="identical"; else same="DIFFERENT"; fi
  row "$name" "-raw ($same output)" "$go_raw" "$our_raw"
  go_proto=$(measure go tool pprof -proto -output "$tmp/go.pb.gz" "$f")
  our_proto=$(measure "$ferroprof" -proto -output "$tmp/our.pb.gz" "$f")
  row "$name" "-proto -output F" "$go_proto" "$our_proto"
  lib=$(measure "$xtask" parse "$f" raw)
  row "$name" "library: parse + raw (xtask parse)" "$go_raw" "$lib"
  row "$name" "zcat (inflate floor)" "$go_raw" "$z"
done
