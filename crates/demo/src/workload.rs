//! The demo's five problems, each on its own threads, each named so a profile points at it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Starts every problem, with Go's mutex and block profiles on (Go leaves both off).
pub fn start() {
    ferroprof::set_mutex_profile_fraction(1);
    ferroprof::set_block_profile_rate(1);
    spawn("hot-loop", hot_loop);
    spawn("leaky-cache", leaky_cache);
    spawn("churn", churn);
    for i in 0..4 {
        spawn(&format!("contender-{i}"), contended_lock);
    }
    spawn("thread-leaker", leak_threads);
}

fn spawn(name: &str, f: fn()) {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(f)
        .expect("spawn a demo thread");
}

/// Checksums the hot loop has finished: the demo's throughput figure (`scripts/soak`
/// compares it with and without scraping).
pub static HOT_LOOP_ROUNDS: AtomicU64 = AtomicU64::new(0);

/// Problem 1, CPU: a busy loop, labelled like a request handler.
fn hot_loop() {
    ferroprof::labels::with([("handler", "checksum")], || loop {
        std::hint::black_box(checksum(std::hint::black_box(1 << 16)));
        HOT_LOOP_ROUNDS.fetch_add(1, Ordering::Relaxed);
    });
}

/// The hot function.
#[inline(never)]
pub fn checksum(rounds: u64) -> u64 {
    let mut h = 0xcbf29ce484222325u64;
    for i in 0..rounds {
        h = (h ^ i).wrapping_mul(0x100000001b3);
    }
    h
}

/// Problem 2, memory: a cache that only grows (128 KiB every 50 ms, 2.5 MiB/s, capped at
/// 256 MiB so the demo cannot take the machine down). The top of the heap profile's
/// `inuse_space`.
fn leaky_cache() {
    static CACHE: OnceLock<Mutex<Vec<Vec<u8>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    loop {
        {
            let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
            let n = c.len();
            if n < 2048 {
                c.push(remember_response(n));
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The leaking allocation site.
#[inline(never)]
fn remember_response(n: usize) -> Vec<u8> {
    vec![n as u8; 128 << 10]
}

/// Problem 3, allocation churn: a handler that builds a throwaway buffer per request, 1 to
/// 32 KiB, a thousand a second (about 16 MiB/s, six times the leak's rate), each freed at once.
/// The top of the allocs profile's `alloc_space`, absent from `inuse_space`.
fn churn() {
    let mut request = 0usize;
    loop {
        for _ in 0..10 {
            request = request.wrapping_add(1);
            let size = 1024 + (request.wrapping_mul(7919) % 32) * 1024;
            std::hint::black_box(build_response(size, request));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The churning allocation site: a response buffer, dropped by the caller.
#[inline(never)]
fn build_response(size: usize, request: usize) -> Vec<u8> {
    vec![request as u8; size]
}

/// Problem 4, contention: four threads take turns on one lock and work while holding it.
fn contended_lock() {
    static SHARED: ferroprof::sync::Mutex<u64> = ferroprof::sync::Mutex::new(0);
    loop {
        let mut g = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        *g = g.wrapping_add(checksum(2000));
        drop(g);
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Problem 5, threads: one thread every 500 ms that waits forever (at most 64).
fn leak_threads() {
    for i in 0..64 {
        spawn(&format!("leaked-{i}"), wait_forever);
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn wait_forever() {
    loop {
        std::thread::park();
    }
}
