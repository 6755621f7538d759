//! The allocation-heavy workloads of the heap benchmarks, shared by `benches/heap_alloc.rs` (bare
//! and profiled `System` in one binary) and the one-binary-per-allocator comparison in
//! `benches/alloc/` at the repository root (which includes this file by path).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

/// Threads per workload (the benchmark machine has 2 cores; 4 threads also exercise contention).
pub const THREADS: usize = 4;

/// One thread's share of a workload, given the thread's index.
pub type Work = fn(usize);

/// Runs `work` on [`THREADS`] threads at once and waits for them.
pub fn on_threads(work: Work) {
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || work(t));
        }
    });
}

/// Small boxes allocated and freed at once: the hook's fast path and nothing else.
fn churn_64b(_: usize) {
    for i in 0..20_000u32 {
        black_box(Box::new([i as u8; 64]));
    }
}

/// Vectors grown by push: reallocations.
fn vec_push(_: usize) {
    for _ in 0..200 {
        let mut v = Vec::new();
        for i in 0..1000u64 {
            v.push(i);
        }
        black_box(v);
    }
}

/// Formatted strings in a B-tree map: a typical service mix of sizes and lifetimes.
fn strings_btree(t: usize) {
    let mut m = BTreeMap::new();
    for i in 0..2000 {
        m.insert(
            format!("key-{t}-{i:08}"),
            format!("value {i} of thread {t}"),
        );
    }
    black_box(m);
}

/// Sizes from 16 B to 64 KiB with a window of 64 live blocks.
fn mixed_sizes(t: usize) {
    let mut window: Vec<Vec<u8>> = Vec::with_capacity(64);
    for i in 0..5000usize {
        let size = 16 << ((i + t) % 13);
        if window.len() == 64 {
            window.swap_remove(i % 64);
        }
        window.push(vec![1u8; size]);
    }
    black_box(window);
}

/// The workloads by name.
pub const CASES: [(&str, Work); 4] = [
    ("churn_64b", churn_64b),
    ("vec_push", vec_push),
    ("strings_btree", strings_btree),
    ("mixed_sizes", mixed_sizes),
];

/// CPU time (user + system) used by the process so far.
pub fn cpu_time() -> Duration {
    // SAFETY: `usage` is a plain struct getrusage fills in.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}
