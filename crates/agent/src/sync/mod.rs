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

/// `r` with its guard (also the one inside a poison error) converted by `f`.
fn map_lock<G, H>(r: LockResult<G>, f: impl FnOnce(G) -> H) -> LockResult<H> {
    match r {
        Ok(g) => Ok(f(g)),
        Err(e) => Err(PoisonError::new(f(e.into_inner()))),
    }
}

/// A failed `try_` acquisition with its guard (if poisoned) converted by `f`.
fn map_try_err<G, H>(e: TryLockError<G>, f: impl FnOnce(G) -> H) -> TryLockError<H> {
    match e {
        TryLockError::Poisoned(p) => TryLockError::Poisoned(PoisonError::new(f(p.into_inner()))),
        TryLockError::WouldBlock => TryLockError::WouldBlock,
    }
}
