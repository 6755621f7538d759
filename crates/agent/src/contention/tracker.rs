//! What every instrumented lock carries: how many threads wait on it and how much waiting
//! they have done since the lock was last released, so the release can charge that delay to
//! the releasing stack (Go's mutex profile) and each waiter its own wait (the block profile).
//!
//! The delay charged at a release is the integral of the number of waiters over the time since
//! the previous charge, so the charges of all releases add up to the total time spent waiting,
//! each waiter's wait split between the holders that kept it waiting. The few words of state
//! are updated under a spin flag held for a handful of instructions, on contended paths only.

use std::hint::spin_loop;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// Contention state of one lock (24 bytes).
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    /// Threads waiting now; read alone (relaxed) by the release fast path.
    waiters: AtomicU32,
    busy: AtomicBool,
    /// When `pending_nanos` was last brought up to date.
    since_nanos: AtomicU64,
    /// Waiting done since the last charge (waiter-nanoseconds).
    pending_nanos: AtomicU64,
}

/// A wait in progress, from [`Tracker::begin_wait`]; dropping it ends the wait (also when a
/// future waiting for the lock is cancelled, or a wait panics).
#[derive(Debug)]
#[must_use = "the wait ends when this is dropped"]
pub(crate) struct Wait<'a> {
    tracker: &'a Tracker,
    /// 0 when the wait is not timed (both profiles off when it began).
    start_nanos: u64,
}

impl Drop for Wait<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.start_nanos != 0 {
            self.tracker.end_wait(self.start_nanos);
        }
    }
}

impl Tracker {
    /// A tracker with no waiters.
    pub(crate) const fn new() -> Tracker {
        Tracker {
            waiters: AtomicU32::new(0),
            busy: AtomicBool::new(false),
            since_nanos: AtomicU64::new(0),
            pending_nanos: AtomicU64::new(0),
        }
    }

    /// Runs `f` on the state, at `now`, after adding the waiting done since the last update.
    fn update<R>(&self, now: u64, f: impl FnOnce(&Self) -> R) -> R {
        while self
            .busy
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            spin_loop();
        }
        let since = self.since_nanos.load(Ordering::Relaxed);
        if now > since {
            let waiters = u64::from(self.waiters.load(Ordering::Relaxed));
            let add = waiters.saturating_mul(now - since);
            let pending = self.pending_nanos.load(Ordering::Relaxed);
            self.pending_nanos
                .store(pending.saturating_add(add), Ordering::Relaxed);
            self.since_nanos.store(now, Ordering::Relaxed);
        }
        let r = f(self);
        self.busy.store(false, Ordering::Release);
        r
    }

    /// Called before blocking on the lock; the wait is timed only when a profile is on.
    #[inline]
    pub(crate) fn begin_wait(&self) -> Wait<'_> {
        let start_nanos = if super::enabled() {
            let now = super::now_nanos().max(1);
            self.update(now, |t| t.waiters.fetch_add(1, Ordering::Relaxed));
            now
        } else {
            0
        };
        Wait {
            tracker: self,
            start_nanos,
        }
    }

    /// Runs `acquire`, a blocking acquisition of the lock, as a wait on it (from
    /// [`Tracker::begin_wait`] to the end of `acquire`). Out of line: callers first try the
    /// lock and come here only when it is held.
    #[cold]
    #[inline(never)]
    pub(crate) fn wait_for<R>(&self, acquire: impl FnOnce() -> R) -> R {
        let _wait = self.begin_wait();
        acquire()
    }

    /// The end of a timed wait: records it in the block profile with the caller's stack.
    #[inline(never)]
    fn end_wait(&self, start_nanos: u64) {
        let now = super::now_nanos();
        self.update(now, |t| t.waiters.fetch_sub(1, Ordering::Relaxed));
        super::record_block(now.saturating_sub(start_nanos));
    }

    /// Called after the lock was released: when threads wait, charges their waiting since the
    /// last charge to the caller's stack in the mutex profile.
    #[inline]
    pub(crate) fn released(&self) {
        if self.waiters.load(Ordering::Relaxed) != 0 {
            self.released_contended();
        }
    }

    #[cold]
    #[inline(never)]
    fn released_contended(&self) {
        let now = super::now_nanos();
        let delay = self.update(now, |t| t.pending_nanos.swap(0, Ordering::Relaxed));
        super::record_mutex(delay);
    }
}

/// Times a wait that is not on a lock (a channel, a barrier, a condition variable): records
/// the time `f` took in the block profile. Callers first try without waiting and call this
/// only for the operation that waits.
#[inline(never)]
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    if !super::enabled() {
        return f();
    }
    let start = super::now_nanos();
    let r = f();
    super::record_block(super::now_nanos().saturating_sub(start));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_add_up_to_the_waiting_done() {
        let t = Tracker::new();
        // Two waiters arrive at 100 and 150; releases at 200 and 300; both leave at 300.
        t.update(100, |t| t.waiters.fetch_add(1, Ordering::Relaxed));
        t.update(150, |t| t.waiters.fetch_add(1, Ordering::Relaxed));
        let first = t.update(200, |t| t.pending_nanos.swap(0, Ordering::Relaxed));
        assert_eq!(first, 100 + 50);
        let second = t.update(300, |t| t.pending_nanos.swap(0, Ordering::Relaxed));
        assert_eq!(second, 2 * 100);
        t.update(300, |t| t.waiters.fetch_sub(2, Ordering::Relaxed));
        assert_eq!(first + second, (300 - 100) + (300 - 150));
        assert_eq!(t.waiters.load(Ordering::Relaxed), 0);
    }
}
