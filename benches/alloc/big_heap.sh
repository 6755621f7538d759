#!/usr/bin/env bash
# The heap profiler on a large live heap (ferroprof_alloc_bench::big_heap): System and
# ferroprof::Allocator<System> alternately, ROUNDS times each, and the median time per
# operation of each and their ratio. Needs LIVE_MIB MiB of memory twice over (one run at a time).
#
# usage: benches/alloc/big_heap.sh
# env: LIVE_MIB (default 4096), ROUNDS (default 5), OPS (default 4000000)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${ROUNDS:-5}
export LIVE_MIB=${LIVE_MIB:-4096}
cargo build --quiet --release --manifest-path "$here/Cargo.toml" --target-dir "$root/target" \
  --bin big_heap_system --bin big_heap_ferroprof
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 0; r < rounds; r++)); do
  "$root/target/release/big_heap_system" >>"$out"
  "$root/target/release/big_heap_ferroprof" >>"$out"
done
echo "live heap: $LIVE_MIB MiB, rounds: $rounds, $(uptime | sed 's/.*load/load/')"
awk '
  { v[$1] = v[$1] " " $4 }
  END {
    for (name in v) {
      n = split(substr(v[name], 2), a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      med[name] = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
      printf "%-10s median %.1f ns/op (%s)\n", name, med[name], substr(v[name], 2)
    }
    printf "ferroprof vs system: %+.1f%%\n", (med["ferroprof"] / med["system"] - 1) * 100
  }' "$out"
