//! Allocation-heavy multi-threaded workloads through `ferroprof::Allocator` at Go's default rate
//! (512 KiB) against the bare allocator it wraps (`System`), in one binary: the global allocator
//! is a switch between the two, flipped between benchmark groups, so both paths pay the same
//! branch. Goal: the profiled path within 5% of the bare one.
//!
//! `cargo bench -p ferroprof --bench heap_alloc`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

static PROFILED: ferroprof::Allocator<System> = ferroprof::Allocator::new(System);
static PROFILE: AtomicBool = AtomicBool::new(false);

/// Routes every allocation to the profiled or the bare allocator.
struct Switch;

// SAFETY: both targets are `System` underneath, so a block may be freed by either path; every
// call is forwarded unchanged.
unsafe impl GlobalAlloc for Switch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded under the caller's contract.
        unsafe {
            if PROFILE.load(Ordering::Relaxed) {
                PROFILED.alloc(layout)
            } else {
                System.alloc(layout)
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded under the caller's contract.
        unsafe {
            if PROFILE.load(Ordering::Relaxed) {
                PROFILED.dealloc(ptr, layout)
            } else {
                System.dealloc(ptr, layout)
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded under the caller's contract.
        unsafe {
            if PROFILE.load(Ordering::Relaxed) {
                PROFILED.realloc(ptr, layout, new_size)
            } else {
                System.realloc(ptr, layout, new_size)
            }
        }
    }
}

#[global_allocator]
static A: Switch = Switch;

/// Threads per workload (the benchmark machine has 2 cores; 4 threads also exercise contention).
const THREADS: usize = 4;

/// One thread's share of a workload, given the thread's index.
type Work = fn(usize);

fn on_threads(work: Work) {
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

fn workloads(c: &mut Criterion) {
    let cases: [(&str, Work); 4] = [
        ("churn_64b", churn_64b),
        ("vec_push", vec_push),
        ("strings_btree", strings_btree),
        ("mixed_sizes", mixed_sizes),
    ];
    ferroprof::heap::set_sample_rate(ferroprof::heap::DEFAULT_SAMPLE_RATE);
    for (name, work) in cases {
        let mut group = c.benchmark_group(name);
        group
            .sample_size(30)
            .measurement_time(Duration::from_secs(4));
        for (label, profiled) in [("bare", false), ("ferroprof", true)] {
            PROFILE.store(profiled, Ordering::Relaxed);
            group.bench_function(label, |b| b.iter(|| on_threads(work)));
        }
        PROFILE.store(false, Ordering::Relaxed);
        group.finish();
    }
}

criterion_group!(benches, workloads);
criterion_main!(benches);
