//! The allocator hook: [`Allocator`] wraps any [`GlobalAlloc`], counts every allocation and free,
//! and samples allocations by bytes.
//!
//! The fast path touches only thread-local cells (const-initialised, no destructor, so usable
//! during thread start and teardown and never allocating) and makes no call. An allocation
//! counts down one budget word, which holds bytes and events together (see [`Budget`]); a free
//! counts down a second one and reads one byte of the sampled-block filter. Bytes and events are
//! never added up per event: they are what the budgets counted down. When a budget runs out —
//! the next sample is due, or [`FLUSH_BYTES`] were allocated or freed since the last flush — the
//! slow path samples, moves that direction's pending figures into one of the global counters'
//! shards and arms its budget again; a thread's exit flushes both. An allocation (or a realloc
//! of an unsampled block) the budgets hold is counted before the wrapped allocator runs, so
//! that the fast path ends in a tail call to it; budgets never exceed [`FLUSH_BYTES`], so an
//! allocation that large or larger is counted once it succeeded (a failed smaller one is
//! counted as made: Rust aborts on one unless the caller used `try_reserve`). Sampling runs with
//! a per-thread guard set, so allocations made while sampling (only the unwinder's, once) or
//! while the profiler exports (profiles, symbols, text) pass through unsampled.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use super::buckets;
use super::sampler::{self, Rng};
use super::{live, stack};
use crate::thread_ordinal::thread_ordinal;
use crate::unwind::MAX_WALK;

/// Bytes a thread allocates, and bytes it frees, between flushes of its counters into the global
/// ones: bounds what [`super::stats()`] can miss per running thread. Chosen by measurement
/// (`benches/alloc/run.sh`, `churn_64b`: flushing every 256 events into one shared set of
/// counters cost 10 of the hook's 20 points on a 64-byte alloc/free loop on 4 threads; every
/// 256 KiB, into per-thread shards, it is out of sight).
pub const FLUSH_BYTES: u64 = 256 << 10;

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

/// Indices of the four global counters.
const MALLOCS: usize = 0;
const ALLOC_BYTES: usize = 1;
const FREES: usize = 2;
const FREED_BYTES: usize = 3;

/// Shards of the global counters: threads flush into their own (threads beyond this many
/// share), so that flushes of threads on different cores do not pass one cache line around.
const SHARDS: usize = 16;

/// One shard of the global counters, alone in its cache lines.
#[repr(align(128))]
struct Shard([AtomicU64; 4]);

static TOTALS: [Shard; SHARDS] = [const { Shard([const { AtomicU64::new(0) }; 4]) }; SHARDS];

/// How far a thread is in its life, as the hook sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Life {
    /// No exit flush registered yet.
    New,
    /// The exit flush is registered; counters may stay pending.
    Running,
    /// The exit flush has run (the thread is exiting), or cannot be registered: every event
    /// takes the slow path and is flushed at once.
    Exiting,
}

/// Bits of a budget word that count events; the bits above count bytes.
const EVENT_BITS: u32 = 24;

/// The events a budget word holds when armed: more than a budget's bytes can make (every event
/// takes at least one byte), so the bytes always run out first.
const EVENTS: u64 = (1 << EVENT_BITS) - 1;

// Events run out after bytes, and an armed word's top bit is clear.
const _: () = assert!(FLUSH_BYTES <= EVENTS && FLUSH_BYTES < 1 << (63 - EVENT_BITS));

/// The bytes and events one thread lets through in one direction (allocations or frees) before
/// its slow path must run, counted down in one word: the bytes above [`EVENT_BITS`] (one less
/// than the budget, so that an event that would spend it all is left to the slow path, where the
/// next sample is due), the events below. An event of `size` bytes takes `size <<
/// EVENT_BITS | 1`, which the word holds exactly when its bytes hold `size`: so an event costs
/// the fast path one load, one subtraction and one store. (Two counters, each read and written
/// per event, made the free of a bare 64-byte alloc/free loop cost twice as much.) What the
/// word counted down since it was armed is what it let through. `left` first (see
/// [`ThreadState`]).
#[repr(C)]
struct Budget {
    /// The budget word.
    left: Cell<u64>,
    /// `left` when last settled: `armed - left` is what was counted down since (bytes above
    /// [`EVENT_BITS`], events below).
    armed: Cell<u64>,
    /// Bytes of events counted outside the budget (slow path), not yet flushed.
    extra_bytes: Cell<u64>,
    /// Events counted outside the budget (slow path), not yet flushed.
    extra_events: Cell<u64>,
}

/// What a budget let through: events and their bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counted {
    events: u64,
    bytes: u64,
}

impl Budget {
    const fn new() -> Self {
        Budget {
            left: Cell::new(0),
            armed: Cell::new(0),
            extra_bytes: Cell::new(0),
            extra_events: Cell::new(0),
        }
    }

    /// The budget word of `bytes` bytes (0: every event takes the slow path).
    const fn word(bytes: u64) -> u64 {
        if bytes == 0 {
            0
        } else {
            (bytes - 1) << EVENT_BITS | EVENTS
        }
    }

    /// What an event of `size` bytes (less than [`FLUSH_BYTES`]) takes from the budget word.
    #[inline(always)]
    fn delta(size: u64) -> u64 {
        size << EVENT_BITS | 1
    }

    /// Counts an event of `size` bytes if the budget holds more; else leaves the budget as it
    /// was and returns false (always for [`FLUSH_BYTES`] or more: no budget is larger, and
    /// the shift stays within the word; `GlobalAlloc` has no events of 0 bytes). The event is
    /// taken, and given back if that made the word negative (its top bit is clear while it
    /// holds anything): one load, one subtraction, a conditional move and one store.
    #[inline(always)]
    fn try_take(&self, size: u64) -> bool {
        if size >= FLUSH_BYTES {
            return false;
        }
        let left = self.left.get().wrapping_sub(Budget::delta(size));
        self.left.set(left);
        if (left as i64) >= 0 {
            return true;
        }
        self.give_back(size);
        false
    }

    /// Undoes [`Budget::try_take`] of `size` bytes.
    #[inline(always)]
    fn give_back(&self, size: u64) {
        self.left
            .set(self.left.get().wrapping_add(Budget::delta(size)));
    }

    /// Counts an event of `size` bytes beside the budget (the slow path's).
    fn count_beside(&self, size: u64) {
        self.extra_events.set(self.extra_events.get() + 1);
        self.extra_bytes.set(self.extra_bytes.get() + size);
    }

    /// Bytes the budget still holds.
    fn remaining(&self) -> u64 {
        match self.left.get() {
            0 => 0,
            left => (left >> EVENT_BITS) + 1,
        }
    }

    /// What was counted since the last call, through the budget or beside it.
    fn drain(&self) -> Counted {
        let left = self.left.get();
        let used = self.armed.replace(left) - left;
        Counted {
            events: (used & EVENTS) + self.extra_events.replace(0),
            bytes: (used >> EVENT_BITS) + self.extra_bytes.replace(0),
        }
    }

    /// Arms a fresh budget of `bytes` and returns what was counted under the old one.
    fn rearm(&self, bytes: u64) -> Counted {
        let counted = self.drain();
        self.left.set(Budget::word(bytes));
        self.armed.set(Budget::word(bytes));
        counted
    }

    /// Arms a fresh budget of `bytes`, keeping what the old one counted for the next flush.
    fn arm(&self, bytes: u64) {
        let counted = self.rearm(bytes);
        self.extra_events.set(counted.events);
        self.extra_bytes.set(counted.bytes);
    }
}

/// The hook's state of one thread. Laid out so that the two fields a fast path updates are
/// not neighbours (`repr(C)`: the budgets' `left` at offsets 0 and 48): the compiler otherwise
/// merged neighbouring updates of a realloc into one 16-byte load and store, which stalls when
/// the 8-byte store of an allocation or free to one half is still pending.
#[repr(C)]
struct ThreadState {
    /// Allocated bytes until the slow path: the next sample or the next flush, whichever is
    /// nearer.
    alloc: Budget,
    /// Bytes from the end of `alloc`'s budget to the next sample (`NEVER`: none is due).
    beyond: Cell<u64>,
    /// The rate the sample distance was drawn at; a changed rate redraws it.
    rate: Cell<u64>,
    /// Freed bytes until the next flush.
    free: Budget,
    rng: Cell<Rng>,
    /// The shard of [`TOTALS`] this thread flushes into.
    shard: Cell<usize>,
    /// Set while the hook samples or the profiler works on this thread: allocations then pass
    /// through unsampled (the re-entrancy guard).
    busy: Cell<bool>,
    life: Cell<Life>,
}

/// A sample distance that is never reached (sampling off).
const NEVER: u64 = u64::MAX;

thread_local! {
    static STATE: ThreadState = const {
        ThreadState {
            busy: Cell::new(false),
            alloc: Budget::new(),
            beyond: Cell::new(0),
            rate: Cell::new(0),
            rng: Cell::new(Rng::unseeded()),
            free: Budget::new(),
            shard: Cell::new(0),
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

/// The exit key's destructor: flushes the exiting thread's counters and sends every later event
/// of the thread to the slow path, which flushes it at once.
unsafe extern "C" fn flush_on_exit(_: *mut libc::c_void) {
    let _ = STATE.try_with(|s| {
        s.life.set(Life::Exiting);
        if !s.busy.get() {
            // The sample distance outlives the budget taken away.
            s.beyond
                .set(s.beyond.get().saturating_add(s.alloc.remaining()));
        }
        s.flush_allocs(0);
        s.flush_frees();
    });
}

impl ThreadState {
    /// The fast path of an allocation of `size` bytes: counts it and returns true when the
    /// budget holds it; else leaves everything to [`alloc_slow`].
    #[inline(always)]
    fn alloc_fast(&self, size: usize) -> bool {
        self.alloc.try_take(size as u64)
    }

    /// The fast path of a free: counts it and returns true when the block was not sampled and
    /// the free budget holds it; else leaves everything to [`free_slow`].
    #[inline(always)]
    fn free_fast(&self, ptr: *mut u8, size: usize) -> bool {
        !live::may_hold(ptr as usize) && self.free.try_take(size as u64)
    }

    /// The fast path of a realloc of the block at `ptr` from `old` to `new` bytes: counts its
    /// free and its allocation and returns true when the block was not sampled and both budgets
    /// hold them; else counts nothing and leaves everything to the slow path.
    #[inline(always)]
    fn realloc_fast(&self, ptr: *mut u8, old: usize, new: usize) -> bool {
        if live::may_hold(ptr as usize) || !self.free.try_take(old as u64) {
            return false;
        }
        if !self.alloc.try_take(new as u64) {
            self.free.give_back(old as u64);
            return false;
        }
        true
    }

    /// The bytes between flushes: none for an exiting thread, which flushes every event.
    fn flush_budget(&self) -> u64 {
        if self.life.get() == Life::Exiting {
            0
        } else {
            FLUSH_BYTES
        }
    }

    /// Moves all pending counters into this thread's shard, keeping the allocation budget.
    fn flush(&self) {
        self.flush_allocs(self.alloc.remaining());
        self.flush_frees();
    }

    /// Moves the pending allocation counters into this thread's shard and arms an allocation
    /// budget of `budget` bytes. Frees stay pending until their own budget runs out: each
    /// direction flushes on its own, two atomic additions instead of four.
    fn flush_allocs(&self, budget: u64) {
        let counted = self.alloc.rearm(budget);
        self.add_to_shard([(MALLOCS, counted.events), (ALLOC_BYTES, counted.bytes)]);
    }

    /// Moves the pending free counters into this thread's shard and arms a fresh free budget.
    fn flush_frees(&self) {
        let counted = self.free.rearm(self.flush_budget());
        self.add_to_shard([(FREES, counted.events), (FREED_BYTES, counted.bytes)]);
    }

    /// Adds `(counter, amount)` pairs to this thread's shard of [`TOTALS`].
    fn add_to_shard(&self, counts: [(usize, u64); 2]) {
        let shard = &TOTALS[self.shard.get()].0;
        for (i, n) in counts {
            if n != 0 {
                shard[i].fetch_add(n, Ordering::Relaxed);
            }
        }
    }

    /// Sends the next allocation to the slow path if the process-wide rate changed, where the
    /// sample distance is drawn again at the new rate.
    fn recheck_rate(&self) {
        if !self.busy.get() && self.rate.get() != sampler::sample_rate() {
            self.alloc.arm(0);
        }
    }

    /// A sample distance at `rate` (not 0).
    fn draw(&self, rate: u64) -> u64 {
        let mut rng = self.rng.replace(Rng::unseeded());
        let distance = sampler::next_sample(&mut rng, rate);
        self.rng.set(rng);
        distance
    }

    /// For an allocation of `size` bytes at `ptr` that spent the allocation budget: samples it
    /// if it reaches the sample distance (drawn afresh after a rate change, like Go's threads
    /// after their next sample) and returns the next budget.
    fn sample_or_count_down(&self, ptr: *mut u8, size: u64) -> u64 {
        let rate = sampler::sample_rate();
        let changed = self.rate.replace(rate) != rate;
        let mut distance = if rate == 0 {
            NEVER
        } else if changed {
            self.draw(rate)
        } else {
            self.alloc.remaining().saturating_add(self.beyond.get())
        };
        if size >= distance {
            sample(self, ptr, size);
            distance = self.draw(rate);
        } else if distance != NEVER {
            distance -= size;
        }
        let budget = distance.min(self.flush_budget());
        self.beyond.set(if distance == NEVER {
            NEVER
        } else {
            distance - budget
        });
        budget
    }

    /// Registers the exit flush at a thread's first slow path (its first allocation or free:
    /// both budgets start empty).
    #[inline(always)]
    fn register_if_new(&self) {
        if self.life.get() == Life::New {
            self.register_exit();
        }
    }

    /// The once-per-thread registration of the exit flush, choice of a shard and, while
    /// sampling is on, [`stack::prepare_thread`]; while another thread creates the key the
    /// thread stays `New` and tries again at its next slow path. Without a key it flushes every
    /// event, as an exiting thread does.
    #[cold]
    fn register_exit(&self) {
        match exit_key() {
            None => return,
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
        self.shard.set(thread_ordinal() % SHARDS);
        if sampler::sample_rate() != 0 {
            stack::prepare_thread();
        }
    }
}

/// Counts an allocation of `size` bytes at `ptr` and samples it when the sample distance is
/// reached: the slow path, for what [`ThreadState::alloc_fast`] left.
#[inline(never)]
fn alloc_slow(ptr: *mut u8, size: usize) {
    let size = size as u64;
    let counted = STATE.try_with(|s| {
        s.register_if_new();
        if s.alloc.try_take(size) {
            return;
        }
        s.alloc.count_beside(size);
        let budget = if s.busy.get() {
            s.flush_budget()
        } else {
            s.sample_or_count_down(ptr, size)
        };
        s.flush_allocs(budget);
    });
    if counted.is_err() {
        // Only reachable if the platform tears const thread-locals down; count globally.
        TOTALS[0].0[MALLOCS].fetch_add(1, Ordering::Relaxed);
        TOTALS[0].0[ALLOC_BYTES].fetch_add(size, Ordering::Relaxed);
    }
}

/// Counts a free of `size` bytes, flushing when the free budget is spent.
#[inline(never)]
fn count_free(size: usize) {
    let size = size as u64;
    let counted = STATE.try_with(|s| {
        s.register_if_new();
        if !s.free.try_take(size) {
            s.free.count_beside(size);
            s.flush_frees();
        }
    });
    if counted.is_err() {
        TOTALS[0].0[FREES].fetch_add(1, Ordering::Relaxed);
        TOTALS[0].0[FREED_BYTES].fetch_add(size, Ordering::Relaxed);
    }
}

/// Counts a free of `size` bytes at `ptr`, charging it to its bucket if the block was sampled.
/// Must run before the block goes back to the wrapped allocator. The slow path, for what
/// [`ThreadState::free_fast`] left.
#[inline(never)]
fn free_slow(ptr: *mut u8, size: usize) {
    count_free(size);
    if let Some(bucket) = live::remove(ptr as usize) {
        buckets::record_free(bucket, size as u64);
    }
}

/// Records a sample of the allocation of `size` bytes at `ptr` with the current stack.
#[cold]
#[inline(never)]
fn sample(s: &ThreadState, ptr: *mut u8, size: u64) {
    // Guarded while capturing: the first capture builds the unwinder, which allocates.
    s.busy.set(true);
    let mut walk = [0; MAX_WALK];
    let frames = stack::capture(&mut walk, super::max_depth());
    if let Some(bucket) = buckets::find_or_insert(frames, size) {
        buckets::record_alloc(bucket, size);
        live::insert(ptr as usize, bucket);
    }
    s.busy.set(false);
}

impl<A: GlobalAlloc> Allocator<A> {
    /// An allocation the fast path left: made, then counted and maybe sampled. Out of line, so
    /// that the fast path needs no stack frame.
    ///
    /// # Safety
    /// The caller's contract of [`GlobalAlloc::alloc`] (or `alloc_zeroed` when `zeroed`).
    #[inline(never)]
    unsafe fn alloc_counted_after(&self, layout: Layout, zeroed: bool) -> *mut u8 {
        // SAFETY: forwarded under the caller's contract.
        let ptr = unsafe {
            if zeroed {
                self.inner.alloc_zeroed(layout)
            } else {
                self.inner.alloc(layout)
            }
        };
        if !ptr.is_null() {
            alloc_slow(ptr, layout.size());
        }
        ptr
    }

    /// A realloc the fast path left: the old block is forgotten before the wrapped allocator
    /// can hand its address to another thread and remembered again if the realloc fails; the
    /// free and the allocation are counted (and the new block maybe sampled) once it succeeded.
    /// Out of line, so that the fast path needs no stack frame.
    ///
    /// # Safety
    /// The caller's contract of [`GlobalAlloc::realloc`].
    #[inline(never)]
    unsafe fn realloc_counted_after(
        &self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        let old_bucket = live::remove(ptr as usize);
        // SAFETY: forwarded under the caller's contract.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if new.is_null() {
            if let Some(bucket) = old_bucket {
                live::insert(ptr as usize, bucket);
            }
        } else {
            if let Some(bucket) = old_bucket {
                buckets::record_free(bucket, layout.size() as u64);
            }
            count_free(layout.size());
            alloc_slow(new, new_size);
        }
        new
    }

    /// A free the fast path left: counted and charged to its bucket, then made. Out of line, so
    /// that the fast path needs no stack frame.
    ///
    /// # Safety
    /// The caller's contract of [`GlobalAlloc::dealloc`].
    #[inline(never)]
    unsafe fn dealloc_counted_before(&self, ptr: *mut u8, layout: Layout) {
        free_slow(ptr, layout.size());
        // SAFETY: forwarded under the caller's contract.
        unsafe { self.inner.dealloc(ptr, layout) }
    }
}

// SAFETY: every method forwards to the wrapped allocator with the caller's arguments unchanged and
// returns its result; the bookkeeping around the calls never touches the blocks themselves.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Allocator<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if STATE.try_with(|s| s.alloc_fast(layout.size())) == Ok(true) {
            // SAFETY: forwarded under the caller's contract.
            unsafe { self.inner.alloc(layout) }
        } else {
            // SAFETY: the caller's contract, passed on.
            unsafe { self.alloc_counted_after(layout, false) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if STATE.try_with(|s| s.alloc_fast(layout.size())) == Ok(true) {
            // SAFETY: forwarded under the caller's contract.
            unsafe { self.inner.alloc_zeroed(layout) }
        } else {
            // SAFETY: the caller's contract, passed on.
            unsafe { self.alloc_counted_after(layout, true) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if STATE.try_with(|s| s.free_fast(ptr, layout.size())) == Ok(true) {
            // SAFETY: forwarded under the caller's contract.
            unsafe { self.inner.dealloc(ptr, layout) }
        } else {
            // SAFETY: the caller's contract, passed on.
            unsafe { self.dealloc_counted_before(ptr, layout) }
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A realloc is a free of the old block and an allocation of the new one, as Go's append
        // allocates a new array; counted before it is made, as an allocation is.
        if STATE.try_with(|s| s.realloc_fast(ptr, layout.size(), new_size)) == Ok(true) {
            // SAFETY: forwarded under the caller's contract.
            unsafe { self.inner.realloc(ptr, layout, new_size) }
        } else {
            // SAFETY: the caller's contract, passed on.
            unsafe { self.realloc_counted_after(ptr, layout, new_size) }
        }
    }
}

/// Runs `f` with this thread's allocations unsampled: the profiler's own work (export,
/// symbolization, text) is kept out of the profiles it writes. Allocations and frees are still
/// counted, and frees of sampled blocks still reach their buckets.
pub fn untracked<R>(f: impl FnOnce() -> R) -> R {
    /// The guard and the allocation budget to restore (the sample distance is kept meanwhile).
    struct Restore(Option<(bool, u64)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some((busy, budget)) = self.0 {
                let _ = STATE.try_with(|s| {
                    s.busy.set(busy);
                    s.alloc.arm(budget);
                    s.recheck_rate();
                });
            }
        }
    }
    let saved = STATE.try_with(|s| {
        let saved = (s.busy.replace(true), s.alloc.remaining());
        s.alloc.arm(s.flush_budget());
        saved
    });
    let _restore = Restore(saved.ok());
    f()
}

/// Applies a rate change to the calling thread at once (other threads follow at their next
/// slow path, at most [`FLUSH_BYTES`] of allocation away).
pub(super) fn rate_changed() {
    let _ = STATE.try_with(ThreadState::recheck_rate);
}

/// The global counters, after flushing this thread's pending ones: mallocs, bytes allocated,
/// frees, bytes freed. Other running threads may each hold up to [`FLUSH_BYTES`] of allocations
/// and as much of frees.
pub fn totals() -> [u64; 4] {
    let _ = STATE.try_with(ThreadState::flush);
    let sum = |i: usize| -> u64 {
        TOTALS
            .iter()
            .map(|shard| shard.0[i].load(Ordering::Relaxed))
            .sum()
    };
    // Frees first: a concurrent alloc-then-free is never seen as more frees than allocations.
    let (frees, freed) = (sum(FREES), sum(FREED_BYTES));
    [sum(MALLOCS), sum(ALLOC_BYTES), frees, freed]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::System;
    use std::sync::{mpsc, Mutex};

    /// Called directly (the unit tests' global allocator is the system's), so that only these
    /// tests' events reach the counters; they run one at a time.
    static HOOKED: Allocator<System> = Allocator::new(System);
    static SERIAL: Mutex<()> = Mutex::new(());

    /// Sizes across the fast path, the flush budget and beyond it.
    const SIZES: [usize; 8] = [1, 24, 64, 4000, 70_000, 262_144, 300_000, 2 << 20];

    #[test]
    fn a_budget_word_counts_bytes_and_events_and_leaves_its_last_byte_to_the_slow_path() {
        let b = Budget::new();
        assert!(!b.try_take(1), "an unarmed budget holds nothing");
        b.arm(100);
        assert_eq!(b.remaining(), 100);
        for _ in 0..3 {
            assert!(b.try_take(30));
        }
        assert_eq!(b.remaining(), 10);
        assert!(!b.try_take(10), "an event that would spend it all");
        assert!(b.try_take(9));
        assert_eq!(b.remaining(), 1);
        b.count_beside(500);
        let counted = b.rearm(FLUSH_BYTES);
        assert_eq!(
            counted,
            Counted {
                events: 5,
                bytes: 599
            }
        );
        assert!(!b.try_take(FLUSH_BYTES), "no budget holds that much");
        assert!(b.try_take(FLUSH_BYTES - 1));
        let counted = b.drain();
        assert_eq!(
            counted,
            Counted {
                events: 1,
                bytes: FLUSH_BYTES - 1
            }
        );
        b.arm(0);
        assert!(
            !b.try_take(1),
            "a budget of 0 sends every event to the slow path"
        );
    }

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` on a thread of its own; returns what the counters gained once it exited and
    /// what `work` says it did.
    fn on_a_thread(work: fn() -> [u64; 4]) -> ([u64; 4], [u64; 4]) {
        let before = totals();
        let want = std::thread::spawn(work).join().unwrap();
        (minus(totals(), before), want)
    }

    fn minus(a: [u64; 4], b: [u64; 4]) -> [u64; 4] {
        [0, 1, 2, 3].map(|i| a[i] - b[i])
    }

    /// Allocates, reallocates and frees blocks of every size through the hook and returns the
    /// counts that makes: mallocs, bytes allocated, frees, bytes freed.
    fn exercise(rounds: usize) -> [u64; 4] {
        let mut want = [0u64; 4];
        for round in 0..rounds {
            for &size in &SIZES {
                let layout = Layout::from_size_align(size, 8).unwrap();
                // SAFETY: `layout` has a non-zero size; each block is freed once, with the
                // layout it has at that time.
                unsafe {
                    let p = if round % 2 == 0 {
                        HOOKED.alloc(layout)
                    } else {
                        HOOKED.alloc_zeroed(layout)
                    };
                    assert!(!p.is_null());
                    p.write(round as u8);
                    let grown = size * 2 + round % 7;
                    let q = HOOKED.realloc(p, layout, grown);
                    assert!(!q.is_null());
                    assert_eq!(q.read(), round as u8, "realloc keeps the contents");
                    HOOKED.dealloc(q, Layout::from_size_align(grown, 8).unwrap());
                    want[MALLOCS] += 2;
                    want[ALLOC_BYTES] += (size + grown) as u64;
                    want[FREES] += 2;
                    want[FREED_BYTES] += (size + grown) as u64;
                }
            }
        }
        // Ends within the budgets, so that the exit flush has something to do.
        let tiny = Layout::from_size_align(8, 8).unwrap();
        // SAFETY: as above.
        unsafe { HOOKED.dealloc(HOOKED.alloc(tiny), tiny) };
        [want[0] + 1, want[1] + 8, want[2] + 1, want[3] + 8]
    }

    #[test]
    fn counts_are_exact_once_a_thread_exits() {
        let _serial = serial();
        let (counted, want) = on_a_thread(|| exercise(40));
        assert_eq!(counted, want);
    }

    #[test]
    fn work_under_the_guard_is_counted_too() {
        let _serial = serial();
        let (counted, want) = on_a_thread(|| untracked(|| exercise(10)));
        assert_eq!(counted, want);
    }

    #[test]
    fn a_running_thread_holds_back_less_than_a_flush_budget() {
        let _serial = serial();
        let before = totals();
        let (done, counted) = mpsc::channel();
        let (exit, exit_now) = mpsc::channel::<()>();
        let worker = std::thread::spawn(move || {
            done.send(exercise(20)).unwrap();
            exit_now.recv().unwrap();
        });
        let want = counted.recv().unwrap();
        let seen = minus(totals(), before);
        assert!(seen[MALLOCS] <= want[MALLOCS] && seen[FREES] <= want[FREES]);
        for i in [ALLOC_BYTES, FREED_BYTES] {
            assert!(
                seen[i] <= want[i] && want[i] - seen[i] < FLUSH_BYTES,
                "{i}: {} of {} bytes seen",
                seen[i],
                want[i]
            );
        }
        exit.send(()).unwrap();
        worker.join().unwrap();
        assert_eq!(minus(totals(), before), want);
    }

    #[test]
    fn a_threads_first_event_prepares_its_captures() {
        let _serial = serial();
        assert_ne!(sampler::sample_rate(), 0);
        let (before, after) = std::thread::spawn(|| {
            let before = stack::prepared();
            let layout = Layout::from_size_align(8, 8).unwrap();
            // SAFETY: as in `exercise`.
            unsafe { HOOKED.dealloc(HOOKED.alloc(layout), layout) };
            (before, stack::prepared())
        })
        .join()
        .unwrap();
        assert!(
            !before && after,
            "prepared before: {before}, after: {after}"
        );
    }

    #[test]
    fn nothing_is_sampled_while_sampling_is_off() {
        let _serial = serial();
        sampler::set_sample_rate(0);
        let sampled = std::thread::spawn(|| {
            (0..100)
                .filter(|&i| {
                    let layout = Layout::from_size_align(1 + i * 997, 8).unwrap();
                    // SAFETY: as in `exercise`.
                    unsafe {
                        let p = HOOKED.alloc(layout);
                        let sampled = live::remove(p as usize).is_some();
                        HOOKED.dealloc(p, layout);
                        sampled
                    }
                })
                .count()
        })
        .join()
        .unwrap();
        sampler::set_sample_rate(sampler::DEFAULT_SAMPLE_RATE);
        assert_eq!(
            sampled, 0,
            "a new thread's first allocation was sampled at rate 0"
        );
    }

    #[test]
    fn a_failed_realloc_counts_nothing_and_keeps_the_block() {
        let _serial = serial();
        let (counted, want) = on_a_thread(|| {
            let mut want = [0; 4];
            for size in [64, 300_000] {
                let layout = Layout::from_size_align(size, 8).unwrap();
                // SAFETY: as in `exercise`; the failed realloc leaves `p` allocated, and it is
                // freed once.
                unsafe {
                    let p = HOOKED.alloc(layout);
                    p.write(7);
                    assert!(HOOKED.realloc(p, layout, isize::MAX as usize / 2).is_null());
                    assert_eq!(p.read(), 7);
                    HOOKED.dealloc(p, layout);
                }
                want = [
                    want[0] + 1,
                    want[1] + size as u64,
                    want[2] + 1,
                    want[3] + size as u64,
                ];
            }
            want
        });
        assert_eq!(counted, want);
    }
}
