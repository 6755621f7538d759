//! The allocator hook: [`Allocator`] wraps any [`GlobalAlloc`], counts every allocation and free,
//! and samples allocations by bytes.
//!
//! The fast path touches only thread-local cells (const-initialised, no destructor, so usable
//! during thread start and teardown and never allocating): a byte countdown and four pending
//! counters, which reach the global counters every [`FLUSH_EVERY`] events, when a sample is taken
//! and when the thread exits. A free also reads one byte of the sampled-block filter. The fast
//! path makes no call: an allocation below [`COUNT_AHEAD_BELOW`] with no sample or flush due is
//! counted before the wrapped allocator runs and ends in a tail call to it, and a free of an
//! unsampled block with no flush due likewise; everything else takes the slow path. Sampling
//! runs with a per-thread guard set, so allocations made while sampling (there are none by design)
//! or while the profiler exports (profiles, symbols, text) pass straight through, unsampled.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use super::buckets::{self, MAX_DEPTH};
use super::sampler::{self, Rng};
use super::{live, stack};

/// Thread-local events between flushes of the pending counters into the global ones. Bounds what
/// [`super::stats`] can miss per running thread. Chosen by measurement (`benches/heap_alloc.rs`,
/// a 64-byte alloc/free loop): flushing every 64 events spent 6% of that loop in the four atomic
/// additions of a flush, every 256 about 2%.
pub const FLUSH_EVERY: u32 = 256;

/// Allocations smaller than this are counted before the wrapped allocator runs when nothing else
/// is due, so that the hook's fast path ends in a tail call to it (measured in
/// `benches/heap_alloc.RESULTS.md`: a third of the hook's cost on a 64-byte churn). A failed
/// allocation that small is therefore counted as made; Rust aborts on one unless the caller used
/// `try_reserve`. Larger allocations are counted once they succeed.
pub const COUNT_AHEAD_BELOW: usize = 64 << 10;

/// A [`GlobalAlloc`] that profiles the allocator it wraps. Install it once per process:
///
/// ```no_run
/// use std::alloc::System;
/// #[global_allocator]
/// static A: ferroprof::Allocator<System> = ferroprof::Allocator::new(System);
/// ```
#[derive(Debug, Default)]
pub struct Allocator<A> {
    inner: A,
}

impl<A> Allocator<A> {
    /// Wraps `inner`. Sampling starts at Go's default rate ([`super::DEFAULT_SAMPLE_RATE`]).
    pub const fn new(inner: A) -> Self {
        Allocator { inner }
    }

    /// The wrapped allocator.
    pub const fn inner(&self) -> &A {
        &self.inner
    }
}

/// Indices of the four counters (pending per thread and global).
const MALLOCS: usize = 0;
const ALLOC_BYTES: usize = 1;
const FREES: usize = 2;
const FREED_BYTES: usize = 3;

static TOTALS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

/// How far a thread is in its life, as the hook sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Life {
    /// No exit flush registered yet.
    New,
    /// The exit flush is registered; counters may stay pending.
    Running,
    /// The exit flush has run (the thread is exiting), or cannot be registered: count globally
    /// at once.
    Exiting,
}

struct ThreadState {
    /// Set while the hook samples or the profiler works on this thread: allocations then pass
    /// through unsampled (the re-entrancy guard).
    busy: Cell<bool>,
    /// Bytes left before the next sample.
    countdown: Cell<u64>,
    /// The rate the countdown was drawn at; a changed rate redraws it.
    rate: Cell<u64>,
    rng: Cell<Rng>,
    pending: [Cell<u64>; 4],
    /// Events left before the pending counters are flushed.
    until_flush: Cell<u32>,
    life: Cell<Life>,
}

thread_local! {
    static STATE: ThreadState = const {
        ThreadState {
            busy: Cell::new(false),
            countdown: Cell::new(0),
            rate: Cell::new(0),
            rng: Cell::new(Rng::unseeded()),
            pending: [const { Cell::new(0) }; 4],
            until_flush: Cell::new(FLUSH_EVERY),
            life: Cell::new(Life::New),
        }
    };
}

/// The pthread key whose destructor flushes an exiting thread's pending counters: 0 before it
/// exists, 1 while a thread creates it, [`NO_KEY`] if creation failed, else the key + 2.
/// Registering a pthread key value neither allocates through Rust nor takes the loader's lock
/// (a Rust `thread_local!` with `Drop` registers through `__cxa_thread_atexit_impl`, which
/// does), and key destructors run after every thread-local destructor, so the allocations those
/// make are flushed too.
static EXIT_KEY: AtomicU64 = AtomicU64::new(0);
const NO_KEY: u64 = u64::MAX;

/// The exit key, created by the first caller; `None` while another thread creates it.
fn exit_key() -> Option<Result<libc::pthread_key_t, ()>> {
    match EXIT_KEY.load(Ordering::Acquire) {
        0 => {}
        1 => return None,
        NO_KEY => return Some(Err(())),
        k => return Some(Ok((k - 2) as libc::pthread_key_t)),
    }
    if EXIT_KEY
        .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return None;
    }
    let mut key: libc::pthread_key_t = 0;
    // SAFETY: `key` is a valid out-parameter; the destructor is an `extern "C"` function that
    // lives for the whole process.
    let created = unsafe { libc::pthread_key_create(&mut key, Some(flush_on_exit)) } == 0;
    let stored = if created { u64::from(key) + 2 } else { NO_KEY };
    EXIT_KEY.store(stored, Ordering::Release);
    Some(if created { Ok(key) } else { Err(()) })
}

/// The exit key's destructor: flushes the exiting thread's counters and makes it count
/// globally from then on.
unsafe extern "C" fn flush_on_exit(_: *mut libc::c_void) {
    let _ = STATE.try_with(|s| {
        s.life.set(Life::Exiting);
        s.flush();
    });
}

impl ThreadState {
    /// Moves the pending counters into the global ones. An exiting thread flushes every event.
    fn flush(&self) {
        for (total, pending) in TOTALS.iter().zip(&self.pending) {
            let n = pending.replace(0);
            if n != 0 {
                total.fetch_add(n, Ordering::Relaxed);
            }
        }
        let exiting = self.life.get() == Life::Exiting;
        self.until_flush.set(if exiting { 1 } else { FLUSH_EVERY });
        self.recheck_rate();
    }

    /// Sends the next allocation to the slow path if the process-wide rate changed. Checked at
    /// every flush rather than on every allocation, so a thread follows a new rate within
    /// [`FLUSH_EVERY`] events (the thread that sets it, at once; Go's threads keep their drawn
    /// countdown too).
    fn recheck_rate(&self) {
        if !self.busy.get() && self.rate.get() != sampler::sample_rate() {
            self.countdown.set(0);
        }
    }

    /// The fast path of an allocation of `size` bytes: counts it and returns true when it is
    /// small and neither a sample nor a flush is due; else leaves everything to [`on_alloc`].
    #[inline(always)]
    fn alloc_fast(&self, size: usize) -> bool {
        let left = self.countdown.get();
        let flush = self.until_flush.get();
        if size < COUNT_AHEAD_BELOW && (size as u64) < left && flush > 1 {
            self.countdown.set(left - size as u64);
            self.count_pending(MALLOCS, ALLOC_BYTES, size as u64, flush);
            true
        } else {
            false
        }
    }

    /// The fast path of a free: counts it and returns true when the block was not sampled and
    /// no flush is due; else leaves everything to [`on_free`].
    #[inline(always)]
    fn free_fast(&self, ptr: *mut u8, size: usize) -> bool {
        let flush = self.until_flush.get();
        if flush > 1 && !live::may_hold(ptr as usize) {
            self.count_pending(FREES, FREED_BYTES, size as u64, flush);
            true
        } else {
            false
        }
    }

    /// Adds one event of `size` bytes to the pending counters, `flush` (more than 1) being the
    /// events left before the next flush.
    #[inline(always)]
    fn count_pending(&self, objects: usize, bytes: usize, size: u64, flush: u32) {
        let p = &self.pending;
        p[objects].set(p[objects].get() + 1);
        p[bytes].set(p[bytes].get() + size);
        self.until_flush.set(flush - 1);
    }

    #[inline(always)]
    fn count(&self, objects: usize, bytes: usize, size: u64) {
        let p = &self.pending;
        p[objects].set(p[objects].get() + 1);
        p[bytes].set(p[bytes].get() + size);
        let left = self.until_flush.get() - 1;
        self.until_flush.set(left);
        if left == 0 {
            self.flush();
        }
    }

    /// The once-per-thread registration of the exit flush; while another thread creates the
    /// key the thread stays `New` and tries again at its next sample. Without a key it counts
    /// globally at once, as an exiting thread does.
    #[cold]
    fn register_exit(&self) {
        match exit_key() {
            None => {}
            // SAFETY: `key` was created by pthread_key_create; any non-null value makes its
            // destructor run when this thread exits.
            Some(Ok(key)) => match unsafe {
                libc::pthread_setspecific(key, std::ptr::dangling::<libc::c_void>())
            } {
                0 => self.life.set(Life::Running),
                _ => self.life.set(Life::Exiting),
            },
            Some(Err(())) => self.life.set(Life::Exiting),
        }
    }
}

/// Counts an allocation of `size` bytes at `ptr` and samples it when the countdown runs out: the
/// slow path, for what [`ThreadState::alloc_fast`] left.
#[inline(never)]
fn on_alloc(ptr: *mut u8, size: usize) {
    let size = size as u64;
    let sampled = STATE.try_with(|s| {
        s.count(MALLOCS, ALLOC_BYTES, size);
        let left = s.countdown.get();
        if size < left {
            s.countdown.set(left - size);
        } else {
            sample_slow(s, ptr, size);
        }
    });
    if sampled.is_err() {
        // Only reachable if the platform tears const thread-locals down; count globally.
        TOTALS[MALLOCS].fetch_add(1, Ordering::Relaxed);
        TOTALS[ALLOC_BYTES].fetch_add(size, Ordering::Relaxed);
    }
}

/// Counts a free of `size` bytes at `ptr`, charging it to its bucket if the block was sampled.
/// Must run before the block goes back to the wrapped allocator. The slow path, for what
/// [`ThreadState::free_fast`] left.
#[inline(never)]
fn on_free(ptr: *mut u8, size: usize) -> Option<buckets::BucketId> {
    let size = size as u64;
    let counted = STATE.try_with(|s| s.count(FREES, FREED_BYTES, size));
    if counted.is_err() {
        TOTALS[FREES].fetch_add(1, Ordering::Relaxed);
        TOTALS[FREED_BYTES].fetch_add(size, Ordering::Relaxed);
    }
    let bucket = live::remove(ptr as usize)?;
    buckets::record_free(bucket, size);
    Some(bucket)
}

/// Takes a sample, or draws a fresh countdown after a rate change (the allocation that finds the
/// new rate is then sampled only if it reaches the new countdown, as any other).
#[cold]
#[inline(never)]
fn sample_slow(s: &ThreadState, ptr: *mut u8, size: u64) {
    if s.busy.get() {
        return;
    }
    if s.life.get() == Life::New {
        s.register_exit();
    }
    let rate = sampler::sample_rate();
    if rate == 0 {
        s.rate.set(0);
        s.countdown.set(u64::MAX);
        return;
    }
    let mut rng = s.rng.replace(Rng::unseeded());
    if s.rate.get() != rate {
        s.rate.set(rate);
        let fresh = sampler::next_sample(&mut rng, rate);
        if size < fresh {
            s.countdown.set(fresh - size);
            s.rng.set(rng);
            return;
        }
    }
    let next = sampler::next_sample(&mut rng, rate);
    s.rng.set(rng);
    // Guarded, and with a countdown that cannot run out, while capturing: the first capture
    // builds the unwinder, which allocates.
    s.busy.set(true);
    s.countdown.set(u64::MAX);
    let mut frames = [0u64; MAX_DEPTH];
    let depth = stack::capture(&mut frames[..super::max_depth()]);
    if let Some(bucket) = buckets::find_or_insert(&frames[..depth], size) {
        buckets::record_alloc(bucket, size);
        live::insert(ptr as usize, bucket);
    }
    s.busy.set(false);
    s.countdown.set(next);
    s.flush();
}

// SAFETY: every method forwards to the wrapped allocator with the caller's arguments unchanged and
// returns its result; the bookkeeping around the calls never touches the blocks themselves.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Allocator<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if STATE.try_with(|s| s.alloc_fast(layout.size())) == Ok(true) {
            // SAFETY: forwarded under the caller's contract.
            return unsafe { self.inner.alloc(layout) };
        }
        // SAFETY: forwarded under the caller's contract.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            on_alloc(ptr, layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if STATE.try_with(|s| s.alloc_fast(layout.size())) == Ok(true) {
            // SAFETY: forwarded under the caller's contract.
            return unsafe { self.inner.alloc_zeroed(layout) };
        }
        // SAFETY: forwarded under the caller's contract.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            on_alloc(ptr, layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if STATE.try_with(|s| s.free_fast(ptr, layout.size())) != Ok(true) {
            on_free(ptr, layout.size());
        }
        // SAFETY: forwarded under the caller's contract.
        unsafe { self.inner.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A realloc is a free of the old block and an allocation of the new one, as Go's append
        // allocates a new array. The old block is forgotten before the wrapped allocator can hand
        // its address to another thread.
        let old_bucket = on_free(ptr, layout.size());
        // SAFETY: forwarded under the caller's contract.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if new.is_null() {
            undo_free(ptr, layout.size(), old_bucket);
        } else {
            on_alloc(new, new_size);
        }
        new
    }
}

/// A failed realloc leaves the old block live: take back the free [`on_free`] counted.
#[cold]
fn undo_free(ptr: *mut u8, size: usize, bucket: Option<buckets::BucketId>) {
    let size = size as u64;
    let _ = STATE.try_with(|s| {
        // Still pending, or already flushed into the totals (then pending is zero).
        for (i, n) in [(FREES, 1), (FREED_BYTES, size)] {
            let pending = s.pending[i].get();
            if pending >= n {
                s.pending[i].set(pending - n);
            } else {
                TOTALS[i].fetch_sub(n, Ordering::Relaxed);
            }
        }
    });
    if let Some(bucket) = bucket {
        buckets::record_free_undone(bucket, size);
        live::insert(ptr as usize, bucket);
    }
}

/// Runs `f` with this thread's allocations unsampled: the profiler's own work (export,
/// symbolization, text) is kept out of the profiles it writes. Frees are still tracked.
pub fn untracked<R>(f: impl FnOnce() -> R) -> R {
    /// The guard and countdown to restore: a countdown that cannot run out keeps the fast path
    /// from reaching the sampler at all while the guard is held.
    struct Restore(Option<(bool, u64)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some((busy, countdown)) = self.0 {
                let _ = STATE.try_with(|s| {
                    s.busy.set(busy);
                    s.countdown.set(countdown);
                });
            }
        }
    }
    let saved = STATE.try_with(|s| (s.busy.replace(true), s.countdown.replace(u64::MAX)));
    let _restore = Restore(saved.ok());
    f()
}

/// Applies a rate change to the calling thread at once (other threads follow at their next
/// flush).
pub(super) fn rate_changed() {
    let _ = STATE.try_with(ThreadState::recheck_rate);
}

/// The global counters, after flushing this thread's pending ones: mallocs, bytes allocated,
/// frees, bytes freed. Other running threads may hold up to [`FLUSH_EVERY`] events each.
pub fn totals() -> [u64; 4] {
    let _ = STATE.try_with(ThreadState::flush);
    // Frees first: a concurrent alloc-then-free is never seen as more frees than allocations.
    let frees = TOTALS[FREES].load(Ordering::Relaxed);
    let freed = TOTALS[FREED_BYTES].load(Ordering::Relaxed);
    [
        TOTALS[MALLOCS].load(Ordering::Relaxed),
        TOTALS[ALLOC_BYTES].load(Ordering::Relaxed),
        frees,
        freed,
    ]
}
