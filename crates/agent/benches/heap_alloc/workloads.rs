//! The allocation-heavy workloads of the heap benchmarks, shared by `benches/heap_alloc.rs` (bare
//! and profiled `System` in one binary) and the one-binary-per-allocator comparison in
//! `benches/alloc/` at the repository root (which includes this file by path).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::{Arc, Barrier, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Threads per workload (the benchmark machine has 2 cores; 4 threads also exercise contention).
pub const THREADS: usize = 4;

/// One thread's share of a workload, given the thread's index.
pub type Work = fn(usize);

/// [`THREADS`] worker threads, started once, that run each repetition of a workload together,
/// as a service's worker threads live long: starting threads is not allocation work (starting
/// four per repetition of a 0.2 ms workload made thread start and exit a fifth of its time).
pub struct Pool {
    /// The work of the next round; `None` tells the workers to exit.
    work: Arc<Mutex<Option<Work>>>,
    start: Arc<Barrier>,
    done: Arc<Barrier>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// Starts the workers.
    pub fn new() -> Pool {
        let work: Arc<Mutex<Option<Work>>> = Arc::new(Mutex::new(None));
        let start = Arc::new(Barrier::new(THREADS + 1));
        let done = Arc::new(Barrier::new(THREADS + 1));
        let workers = (0..THREADS)
            .map(|t| {
                let (work, start, done) = (work.clone(), start.clone(), done.clone());
                std::thread::spawn(move || loop {
                    start.wait();
                    let Some(work) = *work.lock().unwrap() else {
                        return;
                    };
                    work(t);
                    done.wait();
                })
            })
            .collect();
        Pool {
            work,
            start,
            done,
            workers,
        }
    }

    /// Runs `work` once on every worker at once and waits for them.
    pub fn run(&self, work: Work) {
        *self.work.lock().unwrap() = Some(work);
        self.start.wait();
        self.done.wait();
    }
}

impl Default for Pool {
    fn default() -> Pool {
        Pool::new()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        *self.work.lock().unwrap() = None;
        self.start.wait();
        for worker in self.workers.drain(..) {
            worker.join().unwrap();
        }
    }
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
