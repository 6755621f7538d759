//! Instrumented synchronization: drop-in replacements for `std::sync`'s locks, condition
//! variable, barrier and channels (and, behind features, `parking_lot`'s and tokio's) that
//! feed Go's `mutex` and `block` profiles (see [`crate::contention`]).
//!
//! ```
//! use ferroprof::sync::{Condvar, Mutex};
//! let pair = (Mutex::new(false), Condvar::new());
//! *pair.0.lock().unwrap() = true;
//! let ready = pair.1.wait_while(pair.0.lock().unwrap(), |r| !*r).unwrap();
//! assert!(*ready);
//! ```
//!
//! # Design constraints
//! - Same API and semantics as the type replaced, poisoning included: each wrapper holds the
//!   original and delegates to it; guards deref to the data and release on drop.
//! - The uncontended path is the original's: acquisition first *tries* (the same
//!   compare-and-swap the original's fast path does); only when that fails is the wait timed.
//!   A release adds one relaxed load (are there waiters?). Nothing is timed or recorded while
//!   both profiles are off (Go's default). Each lock is 24 bytes larger than the original
//!   (its waiter count and pending delay, updated under a spin flag held for a few
//!   instructions, on contended paths only).
//! - What is recorded: lock acquisitions that waited (mutex: charged to the releaser; block:
//!   to the waiter), condition-variable waits, barrier waits, and channel sends and receives
//!   that found the channel full or empty (block), as Go's runtime records them.

mod condvar;
mod guard;
mod mpsc_impl;
mod mutex;
#[cfg(feature = "parking_lot")]
pub mod parking_lot;
mod rwlock;
#[cfg(feature = "tokio")]
pub mod tokio;

use crate::contention::tracker::Tracker;
pub use condvar::{Barrier, Condvar};
pub use guard::Guard;
pub use mutex::{Mutex, MutexGuard};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use std::sync::{
    BarrierWaitResult, LockResult, PoisonError, TryLockError, TryLockResult, WaitTimeoutResult,
};

/// `std::sync::mpsc` with sends and receives that wait recorded in the block profile.
pub mod mpsc {
    pub use super::mpsc_impl::{
        channel, sync_channel, IntoIter, Iter, Receiver, Sender, SyncSender, TryIter,
    };
    pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
}

/// A std lock's acquisition: the guard of `fast` (the original's `try_` operation) or, only
/// when that would block, of `slow` (its blocking operation) timed as a wait on `tracker`;
/// poisoning as the original reports it.
#[inline]
fn acquire<'a, G>(
    tracker: &'a Tracker,
    fast: TryLockResult<G>,
    slow: impl FnOnce() -> LockResult<G>,
) -> LockResult<Guard<'a, G>> {
    let r = match fast {
        Ok(g) => Ok(g),
        Err(TryLockError::Poisoned(e)) => Err(e),
        Err(TryLockError::WouldBlock) => tracker.wait_for(slow),
    };
    map_lock(r, |g| Guard::new(g, tracker))
}

/// A std lock's `try_` operation: `r` (the original's) with its guard wrapped.
#[inline]
fn try_acquire<G>(tracker: &Tracker, r: TryLockResult<G>) -> TryLockResult<Guard<'_, G>> {
    match r {
        Ok(g) => Ok(Guard::new(g, tracker)),
        Err(TryLockError::Poisoned(p)) => Err(TryLockError::Poisoned(PoisonError::new(
            Guard::new(p.into_inner(), tracker),
        ))),
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
    }
}

/// `r` with its guard (also the one inside a poison error) converted by `f`.
fn map_lock<G, H>(r: LockResult<G>, f: impl FnOnce(G) -> H) -> LockResult<H> {
    match r {
        Ok(g) => Ok(f(g)),
        Err(e) => Err(PoisonError::new(f(e.into_inner()))),
    }
}

/// `Default` (a new lock holding the data's default) and `Debug` (the original lock's output)
/// for instrumented lock types `$lock<T>`: structs with a `new` and the original in `inner`.
macro_rules! default_and_debug {
    ($($lock:ident),+) => {$(
        impl<T: Default> Default for $lock<T> {
            fn default() -> $lock<T> {
                $lock::new(T::default())
            }
        }

        impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for $lock<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.inner.fmt(f)
            }
        }
    )+};
}
use default_and_debug;
