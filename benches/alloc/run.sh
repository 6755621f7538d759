#!/usr/bin/env bash
# The heap profiler's overhead beside the allocator it wraps and beside other heap profilers, side
# by side in one run: one binary per global allocator (see src/bin/), each running the heap
# benchmarks' four-thread workloads (crates/agent/benches/heap_alloc/workloads.rs). Rounds
# alternate the variants; for each variant and workload the least and the median CPU time
# (user + system, all threads) per repetition are kept, since waiting for a core on a shared
# machine inflates wall time but not CPU time. Prints a Markdown table for
# crates/agent/benches/heap_alloc.RESULTS.md.
#
#   system              glibc malloc, no profiler (the baseline of ferroprof and dhat)
#   forward             a global allocator that only forwards to System: what any wrapper costs
#   ferroprof           ferroprof::Allocator<System>, Go's default rate (512 KiB)
#   ferroprof-rate0     the same binary with sampling off (ALLOC_BENCH_RATE=0): the counting
#                       alone, without the samples' stack captures
#   dhat                dhat::Alloc with a heap profiler: records every allocation and its stack
#   jemalloc            jemalloc built with profiling support, profiling off (the baseline of the
#                       next two)
#   jemalloc+prof       the same binary, _RJEM_MALLOC_CONF=prof:true,lg_prof_sample:19 (a sample
#                       every 512 KiB on average, ferroprof's rate)
#   ferroprof+jemalloc  ferroprof::Allocator<Jemalloc>, default rate, jemalloc's profiling off
#
# CPU time on these loops moves by several percent with the placement of the code alone, and
# every variant is a binary of its own, so with LAYOUTS=N each binary is linked N times with its
# functions in other orders (LLD's --shuffle-sections, seeds 1..N; as layouts.sh does), every
# round runs every layout, and the median column is the median over the layouts of each
# layout's median (the least column stays the least of all runs).
#
# usage: benches/alloc/run.sh
# env: ROUNDS (default 15), REPS (repetitions per run, default 40), DHAT_REPS (default 2: dhat is
#      two orders of magnitude slower), LAYOUTS (default 1: the binaries as cargo links them).
#      Builds into the workspace's target/ with cargo (the first build compiles jemalloc from the
#      sources bundled in tikv-jemalloc-sys: a few minutes).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${ROUNDS:-15}
reps=${REPS:-40}
dhat_reps=${DHAT_REPS:-2}
layouts=${LAYOUTS:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/runs
names=(alloc_bench_system alloc_bench_forward alloc_bench_ferroprof alloc_bench_jemalloc
  alloc_bench_ferroprof_jemalloc alloc_bench_dhat)
if ((layouts == 1)); then
  cargo build --quiet --release --manifest-path "$here/Cargo.toml" --target-dir "$root/target"
  mkdir "$tmp/1"
  for name in "${names[@]}"; do cp "$root/target/release/$name" "$tmp/1/"; done
else
  for ((seed = 1; seed <= layouts; seed++)); do
    mkdir "$tmp/$seed"
    for name in "${names[@]}"; do
      exe=$(cargo rustc --quiet --release --manifest-path "$here/Cargo.toml" \
        --target-dir "$root/target" --bin "$name" --message-format=json \
        -- -C "link-arg=-Wl,--shuffle-sections=.text*=$seed" |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
      if [[ -z $exe ]]; then
        echo "run.sh: no binary was built for $name, seed $seed" >&2
        exit 1
      fi
      cp "$exe" "$tmp/$seed/$name"
    done
  done
fi
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
echo "before: $(uptime)"
for ((r = 0; r < rounds; r++)); do
  for ((seed = 1; seed <= layouts; seed++)); do
    bin=$tmp/$seed
    {
      "$bin/alloc_bench_system" "$reps"
      "$bin/alloc_bench_forward" "$reps"
      "$bin/alloc_bench_ferroprof" "$reps"
      ALLOC_BENCH_RATE=0 "$bin/alloc_bench_ferroprof" "$reps" | sed 's/^ferroprof /ferroprof-rate0 /'
      "$bin/alloc_bench_jemalloc" "$reps"
      _RJEM_MALLOC_CONF=prof:true,lg_prof_sample:19 "$bin/alloc_bench_jemalloc" "$reps"
      "$bin/alloc_bench_ferroprof_jemalloc" "$reps"
      "$bin/alloc_bench_dhat" "$dhat_reps"
    } | sed "s/^/$seed /" >>"$out"
  done
done
echo "after:  $(uptime)"
echo "rounds: $rounds, repetitions per run: $reps (dhat: $dhat_reps), link layouts: $layouts"
echo
# Least CPU time per repetition over all runs, and the median over layouts of each layout's
# median; then the ratio of each to its baseline's.
awk '
  { key = $2 " " $3; n[key]++; v[key, n[key]] = $5; m[key, $1]++; per[key, $1, m[key, $1]] = $5; seeds[$1] = 1 }
  function sort_list(a, len,    i, j, t) {
    for (i = 2; i <= len; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  }
  function sorted_at(key, q,    i, len, a) {
    if (q == 0) {
      len = n[key]
      for (i = 1; i <= len; i++) a[i] = v[key, i]
      sort_list(a, len)
      return a[1]
    }
    # The median of each layout, then their median.
    len = 0
    for (s in seeds) {
      if (!((key, s) in m)) continue
      delete b
      for (i = 1; i <= m[key, s]; i++) b[i] = per[key, s, i]
      sort_list(b, m[key, s])
      a[++len] = b[int((m[key, s] - 1) / 2) + 1]
    }
    sort_list(a, len)
    return a[int((len - 1) / 2) + 1]
  }
  END {
    split("system forward ferroprof ferroprof-rate0 dhat jemalloc jemalloc+prof ferroprof+jemalloc", order, " ")
    base["forward"] = "system"; base["ferroprof"] = "system"; base["ferroprof-rate0"] = "system"; base["dhat"] = "system"
    base["jemalloc+prof"] = "jemalloc"; base["ferroprof+jemalloc"] = "jemalloc"
    split("churn_64b vec_push strings_btree mixed_sizes", wl, " ")
    print "| workload | variant | least CPU/rep | median CPU/rep | vs baseline (least) | vs baseline (median) |"
    print "| --- | --- | ---: | ---: | ---: | ---: |"
    for (w = 1; w <= 4; w++) for (o = 1; o <= 8; o++) {
      key = order[o] " " wl[w]
      if (!(key in n)) continue
      lo = sorted_at(key, 0); med = sorted_at(key, 0.5)
      rel_lo = "baseline"; rel_med = "baseline"
      if (order[o] in base) {
        bkey = base[order[o]] " " wl[w]
        rel_lo = sprintf("%+.1f%% vs %s", (lo / sorted_at(bkey, 0) - 1) * 100, base[order[o]])
        rel_med = sprintf("%+.1f%%", (med / sorted_at(bkey, 0.5) - 1) * 100)
        if (order[o] == "dhat") {
          rel_lo = sprintf("%.0fx %s", lo / sorted_at(bkey, 0), base[order[o]])
          rel_med = sprintf("%.0fx", med / sorted_at(bkey, 0.5))
        }
      }
      printf "| %s | %s | %.3f ms | %.3f ms | %s | %s |\n", wl[w], order[o], lo / 1e6, med / 1e6, rel_lo, rel_med
    }
  }' "$out"
