//! The heap profiler through a real `#[global_allocator]`: accuracy (RELIABILITY.md A9), thread
//! teardown and re-entrancy (A10), export-time work kept out of the profile (A11), realloc and
//! statistics, and `go tool pprof` reading what the agent writes.
//!
//! One binary per process-wide profiler: this file owns the global allocator, and every test
//! takes `LOCK`, since the sampling rate is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Mutex;

use ferroprof::heap::{self, ProfileKind};
use ferroprof_profile::Profile;

#[global_allocator]
static A: ferroprof::Allocator<System> = ferroprof::Allocator::new(System);

static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The four values summed over samples whose stack has a frame named like `func`.
fn values_for(p: &Profile, func: &str) -> [i64; 4] {
    let mut out = [0i64; 4];
    for s in &p.sample {
        let hit = s.location.iter().any(|id| {
            let loc = &p.location[id.get() as usize - 1];
            loc.line.iter().any(|l| {
                l.function_id
                    .is_some_and(|f| p.function[f.get() as usize - 1].name.contains(func))
            })
        });
        if hit {
            for (o, v) in out.iter_mut().zip(&s.value) {
                *o += v;
            }
        }
    }
    out
}

fn diff(a: [i64; 4], b: [i64; 4]) -> [i64; 4] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]]
}

/// Sizes from 256 B to 18 KiB, interleaved (Go's `test/heapsampling.go` mixes sizes the same way).
const SIZES: [usize; 10] = [256, 512, 1024, 2048, 4096, 6144, 9216, 12288, 15360, 18432];

#[inline(never)]
fn a9_alloc(size: usize) -> Vec<u8> {
    black_box(vec![7u8; size])
}

/// Allocates `iters` blocks, keeping every fourth; returns what it kept and the true
/// (alloc_objects, alloc_space, inuse_objects, inuse_space).
fn a9_workload(iters: usize) -> (Vec<Vec<u8>>, [i64; 4]) {
    let mut kept = Vec::with_capacity(iters / 4 + 1);
    let mut truth = [0i64; 4];
    for i in 0..iters {
        let size = SIZES[(i * 7) % SIZES.len()];
        let block = a9_alloc(size);
        truth[0] += 1;
        truth[1] += size as i64;
        if i % 4 == 0 {
            truth[2] += 1;
            truth[3] += size as i64;
            kept.push(block);
        }
    }
    (kept, truth)
}

/// A9: at a 16 KiB rate every one of the four estimates is within 10% of the truth in at least
/// one of three runs (Go's `test/heapsampling.go` criterion).
#[test]
fn a9_estimates_within_ten_percent_at_16k() {
    let _g = lock();
    heap::set_sample_rate(16 * 1024);
    let mut report = Vec::new();
    let ok = (0..3).any(|_| {
        let before = values_for(&heap::profile(ProfileKind::Heap), "a9_alloc");
        let (kept, truth) = a9_workload(50_000);
        let got = diff(
            values_for(&heap::profile(ProfileKind::Heap), "a9_alloc"),
            before,
        );
        drop(kept);
        let within = got
            .iter()
            .zip(&truth)
            .all(|(&g, &t)| (g as f64 - t as f64).abs() <= 0.1 * t as f64);
        report.push(format!("got {got:?} truth {truth:?}"));
        within
    });
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    assert!(ok, "no run within 10%:\n{}", report.join("\n"));
}

/// A9: at rate 1 every allocation is recorded, so the four values are exact.
#[test]
fn a9_exact_at_rate_one() {
    let _g = lock();
    heap::set_sample_rate(1);
    let before = values_for(&heap::profile(ProfileKind::Heap), "a9_alloc");
    let (kept, truth) = a9_workload(5_000);
    let got = diff(
        values_for(&heap::profile(ProfileKind::Heap), "a9_alloc"),
        before,
    );
    drop(kept);
    let after_free = diff(
        values_for(&heap::profile(ProfileKind::Heap), "a9_alloc"),
        before,
    );
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    assert_eq!(got, truth);
    assert_eq!(
        after_free,
        [truth[0], truth[1], 0, 0],
        "frees reach their buckets"
    );
}

#[inline(never)]
fn realloc_twice(first: usize, second: usize, third: usize) -> (*mut u8, Layout) {
    let layout = Layout::from_size_align(first, 8).unwrap();
    // SAFETY: a non-zero layout; each realloc gets the block and layout the previous call gave.
    unsafe {
        let p = std::alloc::alloc(layout);
        let p = std::alloc::realloc(p, layout, second);
        let l2 = Layout::from_size_align(second, 8).unwrap();
        let p = std::alloc::realloc(p, l2, third);
        (black_box(p), Layout::from_size_align(third, 8).unwrap())
    }
}

/// A realloc is the free of the old block and an allocation of the new one.
#[test]
fn realloc_is_a_free_and_an_allocation() {
    let _g = lock();
    heap::set_sample_rate(1);
    let before = values_for(&heap::profile(ProfileKind::Allocs), "realloc_twice");
    let (p, layout) = realloc_twice(100, 5000, 300);
    let got = diff(
        values_for(&heap::profile(ProfileKind::Allocs), "realloc_twice"),
        before,
    );
    // SAFETY: `p` was allocated with `layout` by the global allocator.
    unsafe { std::alloc::dealloc(p, layout) };
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    assert_eq!(got, [3, 5400, 1, 300]);
}

/// The hook's counters see every allocation and free, sampled or not.
#[test]
fn stats_count_every_allocation() {
    let _g = lock();
    heap::set_sample_rate(0);
    let before = heap::stats();
    let blocks: Vec<Vec<u8>> = (0..1000).map(|_| vec![1u8; 1000]).collect();
    let during = heap::stats();
    drop(blocks);
    let after = heap::stats();
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    // Other threads of the test harness allocate too: compare cumulative counters, which only
    // grow, and live bytes only around our own large drop.
    assert!(during.mallocs - before.mallocs >= 1001);
    assert!(
        during.total_alloc_bytes - before.total_alloc_bytes >= 1_000_000,
        "{before:?}\n{during:?}"
    );
    assert!(after.frees - during.frees >= 1001);
    assert!(after.total_freed_bytes - during.total_freed_bytes >= 1_000_000);
    assert!(after.live_bytes < during.live_bytes - 900_000);
    assert!(during.rss_bytes.unwrap() > 1_000_000);
    assert!(during.max_rss_bytes.unwrap() >= during.peak_rss_bytes.unwrap() / 2);
    let json = during.to_json();
    assert!(
        json.starts_with("{\"live_bytes\":") && json.contains("\"mallocs\":"),
        "{json}"
    );
}

/// An allocation seen by the hook with a System allocator that fails: nothing is recorded and the
/// failure is returned as is.
#[test]
fn failed_allocations_pass_through() {
    let _g = lock();
    let layout = Layout::from_size_align(1 << 62, 8).unwrap();
    // SAFETY: a non-zero layout; a null result is expected and not used.
    let p = unsafe { A.alloc(layout) };
    assert!(p.is_null());
}

/// The profile has Go's shape: four sample types, space/bytes period, default sample type per
/// profile, numeric label `bytes`, and no frame of the profiler itself (A11).
#[test]
fn profile_has_gos_shape_and_no_profiler_frames() {
    let _g = lock();
    heap::set_sample_rate(1);
    let kept = a9_alloc(4321);
    let heap_p = heap::profile(ProfileKind::Heap);
    let allocs_p = heap::profile(ProfileKind::Allocs);
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    let types: Vec<String> = heap_p
        .sample_type
        .iter()
        .map(|t| format!("{}/{}", t.r#type, t.unit))
        .collect();
    assert_eq!(
        types,
        [
            "alloc_objects/count",
            "alloc_space/bytes",
            "inuse_objects/count",
            "inuse_space/bytes"
        ]
    );
    let period = heap_p.period_type.as_ref().unwrap();
    assert_eq!(
        (period.r#type.as_str(), period.unit.as_str(), heap_p.period),
        ("space", "bytes", 1)
    );
    assert_eq!(heap_p.default_sample_type, "");
    assert_eq!(allocs_p.default_sample_type, "alloc_space");
    let leaf = heap_p
        .sample
        .iter()
        .find(|s| s.num_label.get("bytes") == Some(&vec![4321]))
        .expect("a sample labelled bytes=4321");
    let first = &heap_p.location[leaf.location[0].get() as usize - 1];
    let name =
        &heap_p.function[first.line.last().unwrap().function_id.unwrap().get() as usize - 1].name;
    assert!(
        !name.starts_with("__r") && !name.starts_with("alloc::raw_vec"),
        "leaf frame {name}"
    );
    for f in &heap_p.function {
        assert!(
            !f.name.contains("ferroprof::heap") && !f.name.contains("ferroprof_symbolize"),
            "profiler frame in the profile: {}",
            f.name
        );
    }
    drop(kept);
}
