//! [`Condvar`] and [`Barrier`]: std's, with their waits recorded in the block profile.

use std::fmt;
use std::sync::{BarrierWaitResult, LockResult, WaitTimeoutResult};
use std::time::Duration;

use super::{Guard, MutexGuard};
use crate::contention::tracker::blocking;

/// `std::sync::Condvar` for [`super::Mutex`] guards; each wait is recorded in the block profile
/// (Go records `sync.Cond.Wait`). The mutex's waiters are charged to the waiting thread, which
/// releases the mutex.
#[derive(Default)]
pub struct Condvar {
    inner: std::sync::Condvar,
}

/// Runs a std condvar wait on our guard: the guard is split, the waiters of its mutex charged
/// (the wait releases it), `f` waits, and the guard is rebuilt around what `f` returns.
fn with_guard<'a, T, R>(
    guard: MutexGuard<'a, T>,
    f: impl FnOnce(std::sync::MutexGuard<'a, T>) -> LockResult<(std::sync::MutexGuard<'a, T>, R)>,
) -> LockResult<(MutexGuard<'a, T>, R)> {
    let (inner, tracker) = guard.into_parts();
    tracker.released();
    super::map_lock(blocking(|| f(inner)), |(g, r)| (Guard::new(g, tracker), r))
}

impl Condvar {
    /// A new condition variable.
    pub const fn new() -> Condvar {
        Condvar {
            inner: std::sync::Condvar::new(),
        }
    }

    /// Blocks until notified, releasing the mutex meanwhile (see `std::sync::Condvar::wait`).
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        let r = with_guard(guard, |g| super::map_lock(self.inner.wait(g), |g| (g, ())));
        super::map_lock(r, |(g, ())| g)
    }

    /// Blocks while `condition` holds (see `std::sync::Condvar::wait_while`).
    pub fn wait_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        let r = with_guard(guard, |g| {
            super::map_lock(self.inner.wait_while(g, condition), |g| (g, ()))
        });
        super::map_lock(r, |(g, ())| g)
    }

    /// Blocks until notified or `dur` elapsed (see `std::sync::Condvar::wait_timeout`).
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        with_guard(guard, |g| self.inner.wait_timeout(g, dur))
    }

    /// Blocks while `condition` holds, for at most `dur` (see
    /// `std::sync::Condvar::wait_timeout_while`).
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
        condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        with_guard(guard, |g| self.inner.wait_timeout_while(g, dur, condition))
    }

    /// Wakes one waiting thread.
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every waiting thread.
    pub fn notify_all(&self) {
        self.inner.notify_all();
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// `std::sync::Barrier`; each wait is recorded in the block profile (Go records
/// `sync.WaitGroup.Wait`).
pub struct Barrier {
    inner: std::sync::Barrier,
}

impl Barrier {
    /// A barrier that releases threads `n` at a time.
    pub const fn new(n: usize) -> Barrier {
        Barrier {
            inner: std::sync::Barrier::new(n),
        }
    }

    /// Blocks until `n` threads wait here; one of them is told it is the leader.
    pub fn wait(&self) -> BarrierWaitResult {
        blocking(|| self.inner.wait())
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::Mutex;
    use std::sync::Arc;

    #[test]
    fn condvar_waits_and_times_out_like_std() {
        let pair = Arc::new((Mutex::new(0), Condvar::new()));
        let (m, c) = &*pair;
        let (g, r) = c
            .wait_timeout(m.lock().unwrap(), Duration::from_millis(5))
            .unwrap();
        assert!(r.timed_out());
        drop(g);
        let p2 = pair.clone();
        let t = std::thread::spawn(move || {
            *p2.0.lock().unwrap() = 3;
            p2.1.notify_all();
        });
        let g = c.wait_while(m.lock().unwrap(), |v| *v != 3).unwrap();
        assert_eq!(*g, 3);
        drop(g);
        t.join().unwrap();
        let (g, r) = c
            .wait_timeout_while(m.lock().unwrap(), Duration::from_millis(1), |v| *v == 3)
            .unwrap();
        assert!(r.timed_out() && *g == 3);
    }

    #[test]
    fn barrier_elects_one_leader() {
        let b = Arc::new(Barrier::new(3));
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let b = b.clone();
                std::thread::spawn(move || b.wait().is_leader())
            })
            .collect();
        let leaders = hs.into_iter().map(|h| h.join().unwrap());
        assert_eq!(leaders.filter(|&l| l).count(), 1);
    }
}
