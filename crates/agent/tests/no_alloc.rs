//! A1: the signal handlers allocate nothing. A counting global allocator counts allocations
//! per thread; a thread that itself never allocates is sampled at 1 kHz for 500 ms and dumped,
//! and its count must stay zero (anything it allocates could only come from a handler).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a const thread-local without a
// destructor, so counting never allocates or re-enters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded with the caller's arguments.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Spins without allocating until `stop`, then reports how many allocations this thread made.
fn spinner(stop: Arc<AtomicBool>, spins: Arc<AtomicU64>) -> u64 {
    let before = ALLOCS.with(Cell::get);
    let mut x = 1u64;
    while !stop.load(Ordering::Relaxed) {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        spins.fetch_add(1, Ordering::Relaxed);
    }
    ALLOCS.with(Cell::get) - before
}

#[test]
fn cpu_and_dump_handlers_allocate_nothing() {
    let stop = Arc::new(AtomicBool::new(false));
    let spins = Arc::new(AtomicU64::new(0));
    let (s2, sp2) = (stop.clone(), spins.clone());
    let t = std::thread::spawn(move || spinner(s2, sp2));
    while spins.load(Ordering::Relaxed) == 0 {
        std::thread::yield_now();
    }
    let config = ferroprof::CpuConfig {
        frequency_hz: 1000,
        ..Default::default()
    };
    let guard = ferroprof::cpu::start(&config).unwrap();
    let until = Instant::now() + Duration::from_millis(500);
    while Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    let dump = ferroprof::threads::dump(Duration::from_secs(5)).unwrap();
    let cpu = guard.stop().unwrap();
    stop.store(true, Ordering::SeqCst);
    let allocations = t.join().unwrap();
    // 500 at 1 kHz on an idle core; RELIABILITY.md's floor for a loaded host is 10.
    assert!(
        cpu.sample_count() >= 10,
        "only {} samples",
        cpu.sample_count()
    );
    assert!(dump.threads.iter().all(|t| t.responded));
    assert_eq!(
        allocations, 0,
        "the sampled thread allocated {allocations} times"
    );
}
