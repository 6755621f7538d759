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
# usage: benches/alloc/run.sh
# env: ROUNDS (default 15), REPS (repetitions per run, default 40), DHAT_REPS (default 2: dhat is
#      two orders of magnitude slower). Builds into the workspace's target/ with cargo (the first
#      build compiles jemalloc from the sources bundled in tikv-jemalloc-sys: a few minutes).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${ROUNDS:-15}
reps=${REPS:-40}
dhat_reps=${DHAT_REPS:-2}
cargo build --quiet --release --manifest-path "$here/Cargo.toml" --target-dir "$root/target"
bin=$root/target/release
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
echo "before: $(uptime)"
for ((r = 0; r < rounds; r++)); do
  "$bin/alloc_bench_system" "$reps" >>"$out"
  "$bin/alloc_bench_forward" "$reps" >>"$out"
  "$bin/alloc_bench_ferroprof" "$reps" >>"$out"
  ALLOC_BENCH_RATE=0 "$bin/alloc_bench_ferroprof" "$reps" | sed 's/^ferroprof /ferroprof-rate0 /' >>"$out"
  "$bin/alloc_bench_jemalloc" "$reps" >>"$out"
  _RJEM_MALLOC_CONF=prof:true,lg_prof_sample:19 "$bin/alloc_bench_jemalloc" "$reps" >>"$out"
  "$bin/alloc_bench_ferroprof_jemalloc" "$reps" >>"$out"
  "$bin/alloc_bench_dhat" "$dhat_reps" >>"$out"
done
echo "after:  $(uptime)"
echo "rounds: $rounds, repetitions per run: $reps (dhat: $dhat_reps)"
echo
# Least and median CPU time per repetition, then the ratio of each to its baseline's.
awk '
  { key = $1 " " $2; n[key]++; v[key, n[key]] = $4; variants[$1] = 1; workloads[$2] = 1 }
  function sorted_at(key, q,    m, i, j, t, a) {
    m = n[key]
    for (i = 1; i <= m; i++) a[i] = v[key, i]
    for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return a[int((m - 1) * q) + 1]
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
