//! The driver shared by the comparison's binaries: each one in `src/bin/` installs one global
//! allocator and calls [`run`], which times the heap benchmarks' workloads
//! (`crates/agent/benches/heap_alloc/workloads.rs`, multi-threaded, small objects to mixed sizes).

use std::time::Instant;

#[path = "../../../crates/agent/benches/heap_alloc/workloads.rs"]
mod workloads;

use workloads::{cpu_time, Pool, CASES};

/// Runs each workload (all, or the one named by the second argument) once to warm up, then the
/// number of times given by the first argument (default 100), and prints one line per workload:
/// `VARIANT WORKLOAD REPS CPU_NS WALL_NS`, CPU (user + system, every thread) and wall time per
/// repetition.
pub fn run(variant: &str) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reps: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(100);
    let only = args.get(1).map(String::as_str);
    let pool = Pool::new();
    for (name, work) in CASES {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        pool.run(work);
        let (cpu, wall) = (cpu_time(), Instant::now());
        for _ in 0..reps {
            pool.run(work);
        }
        let (cpu, wall) = (cpu_time() - cpu, wall.elapsed());
        println!(
            "{variant} {name} {reps} {} {}",
            cpu.as_nanos() / u128::from(reps.max(1)),
            wall.as_nanos() / u128::from(reps.max(1))
        );
    }
}

/// Whether jemalloc's heap profiling is on (`opt.prof`, set by
/// `_RJEM_MALLOC_CONF=prof:true`); false when it cannot be read.
pub fn jemalloc_prof() -> bool {
    let mut on = false;
    let mut len = std::mem::size_of::<bool>();
    // SAFETY: `opt.prof` is a bool; `on` and `len` are valid for writes of that size, and no
    // new value is passed.
    let status = unsafe {
        tikv_jemalloc_sys::mallctl(
            c"opt.prof".as_ptr(),
            (&mut on as *mut bool).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    status == 0 && on
}

/// A large live heap worked at random, as a cache or an index is: `LIVE_MIB` (default 1024) MiB
/// of 1 KiB blocks, then `OPS` (default 4,000,000) times one block, chosen at random, replaced
/// by a new one, with a short-lived 48-byte block beside it. At the default rate a sampled block
/// stays live for every 512 KiB of the heap, so the frees of unsampled blocks meet a filter and
/// a live-block table holding thousands of entries (`benches/alloc/big_heap.sh`). Prints
/// `VARIANT big_heap LIVE_MIB NS_PER_OP`, the time of the replacing alone.
pub fn big_heap(variant: &str) {
    let number = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let live_mib = number("LIVE_MIB", 1024);
    let ops = number("OPS", 4_000_000);
    let blocks = live_mib * 1024;
    let mut heap: Vec<Box<[u8]>> = (0..blocks)
        .map(|i| vec![i as u8; 1024].into_boxed_slice())
        .collect();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let start = Instant::now();
    for _ in 0..ops {
        // xorshift64: a fixed sequence, the same for every variant.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::hint::black_box(vec![1u8; 48]);
        heap[x as usize % blocks] = vec![x as u8; 1024].into_boxed_slice();
    }
    let took = start.elapsed();
    println!(
        "{variant} big_heap {live_mib} {:.1}",
        took.as_nanos() as f64 / ops.max(1) as f64
    );
}
