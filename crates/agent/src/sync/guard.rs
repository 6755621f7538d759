//! [`Guard`]: any lock's guard, recording the release after it happened.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

use crate::contention::tracker::Tracker;

/// The guard `G` of an instrumented lock: derefs like `G`; on drop, releases the lock (drops
/// `G`) and then charges the lock's waiters to the releasing stack (the mutex profile).
#[must_use = "if unused the lock will immediately unlock"]
pub struct Guard<'a, G> {
    // Dropped by hand in `Drop`, so the lock is released before the release is recorded.
    inner: ManuallyDrop<G>,
    tracker: &'a Tracker,
}

impl<'a, G> Guard<'a, G> {
    pub(crate) fn new(inner: G, tracker: &'a Tracker) -> Guard<'a, G> {
        Guard {
            inner: ManuallyDrop::new(inner),
            tracker,
        }
    }

    /// The original guard and the tracker, without releasing (condition variables hand the
    /// original guard to the original wait).
    pub(crate) fn into_parts(self) -> (G, &'a Tracker) {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so the inner guard is taken exactly once.
        let inner = unsafe { ManuallyDrop::take(&mut this.inner) };
        (inner, this.tracker)
    }
}

impl<G> Drop for Guard<'_, G> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the inner guard is dropped once, here; only the tracker is used after.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        self.tracker.released();
    }
}

impl<G: Deref> Deref for Guard<'_, G> {
    type Target = G::Target;
    #[inline]
    fn deref(&self) -> &G::Target {
        &self.inner
    }
}

impl<G: DerefMut> DerefMut for Guard<'_, G> {
    #[inline]
    fn deref_mut(&mut self) -> &mut G::Target {
        &mut self.inner
    }
}

impl<G: fmt::Debug> fmt::Debug for Guard<'_, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl<G: fmt::Display> fmt::Display for Guard<'_, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.inner, f)
    }
}
