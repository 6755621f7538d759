//! The demo's four problems, each on its own threads, each named so a profile points at it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Starts every problem, with Go's mutex and block profiles on (Go leaves both off).
pub fn start() {
    ferroprof::set_mutex_profile_fraction(1);
    ferroprof::set_block_profile_rate(1);
    spawn("hot-loop", hot_loop);
    spawn("leaky-cache", leaky_cache);
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

/// Problem 2, memory: a cache that only grows (64 KiB every 50 ms, capped at 256 MiB so the
/// demo cannot take the machine down).
fn leaky_cache() {
    static CACHE: OnceLock<Mutex<Vec<Vec<u8>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    loop {
        {
            let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
            let n = c.len();
            if n < 4096 {
                c.push(remember_response(n));
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The leaking allocation site.
#[inline(never)]
fn remember_response(n: usize) -> Vec<u8> {
    vec![n as u8; 64 << 10]
}

/// Problem 3, contention: four threads take turns on one lock and work while holding it.
fn contended_lock() {
    static SHARED: ferroprof::sync::Mutex<u64> = ferroprof::sync::Mutex::new(0);
    loop {
        let mut g = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        *g = g.wrapping_add(checksum(2000));
        drop(g);
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Problem 4, threads: one thread every 500 ms that waits forever (at most 64).
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
