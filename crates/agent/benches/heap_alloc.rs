//! Allocation-heavy multi-threaded workloads through `ferroprof::Allocator` at Go's default rate
//! (512 KiB) against the bare allocator it wraps (`System`), in one binary: the global allocator
//! is a switch between the two, flipped between benchmark groups, so both paths pay the same
//! branch. Goal: the profiled path within 5% of the bare one.
//!
//! `cargo bench -p ferroprof --bench heap_alloc` runs criterion (wall time). On a shared, loaded
//! machine its means wander by ±10% or more; `FERROPROF_BENCH_ALTERNATE=200 cargo bench -p
//! ferroprof --bench heap_alloc` instead alternates bare and profiled runs 200 times and compares
//! the CPU time (user + system, all threads) each needed, which waiting for a core does not
//! inflate: the least of each, and the median of the rounds' ratios.
//!
//! Results, and the comparison with jemalloc's profiling and dhat (one binary per allocator,
//! `benches/alloc/` at the repository root, over the same workloads): `heap_alloc.RESULTS.md`.

#[path = "heap_alloc/workloads.rs"]
mod workloads;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use workloads::{cpu_time, Pool, CASES};

use criterion::{criterion_group, Criterion};

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

fn workloads(c: &mut Criterion) {
    ferroprof::heap::set_sample_rate(ferroprof::heap::DEFAULT_SAMPLE_RATE);
    let pool = Pool::new();
    for (name, work) in CASES {
        let mut group = c.benchmark_group(name);
        group
            .sample_size(30)
            .measurement_time(Duration::from_secs(4));
        for (label, profiled) in [("bare", false), ("ferroprof", true)] {
            PROFILE.store(profiled, Ordering::Relaxed);
            group.bench_function(label, |b| b.iter(|| pool.run(work)));
        }
        PROFILE.store(false, Ordering::Relaxed);
        group.finish();
    }
}

/// Alternates bare and profiled runs of each workload `rounds` times and prints the least CPU
/// time of each and the median of the rounds' ratios (each round's two runs are adjacent in
/// time, so the machine's drift cancels out of their ratio).
fn alternate(rounds: usize) {
    ferroprof::heap::set_sample_rate(ferroprof::heap::DEFAULT_SAMPLE_RATE);
    let pool = Pool::new();
    for (name, work) in CASES {
        let mut best = [Duration::MAX; 2];
        let mut ratios = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let mut took = [Duration::ZERO; 2];
            for (variant, profiled) in [(0, false), (1, true)] {
                PROFILE.store(profiled, Ordering::Relaxed);
                let start = cpu_time();
                pool.run(work);
                took[variant] = cpu_time() - start;
                best[variant] = best[variant].min(took[variant]);
            }
            ratios.push(took[1].as_secs_f64() / took[0].as_secs_f64().max(1e-9));
        }
        PROFILE.store(false, Ordering::Relaxed);
        ratios.sort_by(f64::total_cmp);
        let median = ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN);
        let least = best[1].as_secs_f64() / best[0].as_secs_f64() - 1.0;
        println!(
            "{name:14} bare {:>9.3?}  ferroprof {:>9.3?}  least {:+.1}%  median of ratios {:+.1}%",
            best[0],
            best[1],
            least * 100.0,
            (median - 1.0) * 100.0
        );
    }
}

criterion_group!(benches, workloads);

fn main() {
    let rounds = std::env::var("FERROPROF_BENCH_ALTERNATE")
        .ok()
        .and_then(|v| v.parse().ok());
    match rounds {
        Some(rounds) => alternate(rounds),
        None => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
