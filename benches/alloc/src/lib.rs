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
