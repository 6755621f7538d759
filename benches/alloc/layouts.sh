#!/usr/bin/env bash
# The heap hook's overhead over several code layouts. A few percent on these loops is within what
# the placement of the code alone changes: the same source linked with its functions in another
# order has moved the paired figures of churn_64b between +6% and +13%. This links the in-process
# paired benchmark (crates/agent/benches/heap_alloc.rs: bare and profiled System in one binary,
# alternating rounds, CPU time) LAYOUTS times, each with its functions in another order (LLD's
# --shuffle-sections, seeds 1..LAYOUTS; Rust links with LLD on x86-64 Linux), runs each, and
# prints every layout's median of the rounds' ratios per workload and their median over layouts.
#
# usage: benches/alloc/layouts.sh
# env: LAYOUTS (default 5), ROUNDS (paired rounds per layout, default 200)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
layouts=${LAYOUTS:-5}
rounds=${ROUNDS:-200}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cd "$root"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)'), before: $(uptime)"
for ((seed = 1; seed <= layouts; seed++)); do
  bin=$(cargo rustc --quiet -p ferroprof --profile bench --bench heap_alloc --message-format=json \
    -- -C "link-arg=-Wl,--shuffle-sections=.text*=$seed" |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
  if [[ -z $bin ]]; then
    echo "layouts.sh: no benchmark binary was built for seed $seed" >&2
    exit 1
  fi
  FERROPROF_BENCH_ALTERNATE=$rounds "$bin" --bench |
    awk -v seed="$seed" '/median of ratios/ { print seed, $1, $NF }' >>"$out"
done
echo "after: $(uptime)"
echo "rounds per layout: $rounds"
echo
# Per workload: each layout's median of ratios, then the median over the layouts.
awk '
  { w = $2; n[w]++; v[w, n[w]] = $3 + 0; row[w] = row[w] sprintf(" %+.1f%%", $3 + 0); if (!(w in seen)) { seen[w] = 1; order[++k] = w } }
  END {
    printf "| workload | each layout (median of ratios) | median over layouts |\n| --- | --- | ---: |\n"
    for (i = 1; i <= k; i++) {
      w = order[i]; m = n[w]
      for (a = 1; a <= m; a++) s[a] = v[w, a]
      for (a = 2; a <= m; a++) { t = s[a]; for (b = a - 1; b >= 1 && s[b] > t; b--) s[b + 1] = s[b]; s[b + 1] = t }
      med = (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
      printf "| %s |%s | %+.1f%% |\n", w, row[w], med
    }
  }' "$out"
