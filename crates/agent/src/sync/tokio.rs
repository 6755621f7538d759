//! tokio's `Mutex`, `RwLock`, `Semaphore` and `Notify` feeding the contention profiles
//! (feature `tokio`). Same API for the operations listed.
//!
//! A task's wait is timed from the first poll that could not complete to the one that did; its
//! stack is the poll stack of the task at that moment (the async functions being polled, then
//! the runtime's frames).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{default_and_debug, Guard};
use crate::contention::tracker::Tracker;

pub use tokio::sync::{AcquireError, SemaphorePermit, TryAcquireError, TryLockError};

/// `tokio::sync::Mutex` whose contention is recorded in the `mutex` and `block` profiles.
pub struct Mutex<T: ?Sized> {
    tracker: Tracker,
    inner: tokio::sync::Mutex<T>,
}

/// The guard of a [`Mutex`].
pub type MutexGuard<'a, T> = Guard<'a, tokio::sync::MutexGuard<'a, T>>;

/// `tokio::sync::RwLock` whose contention is recorded in the `mutex` and `block` profiles.
pub struct RwLock<T: ?Sized> {
    tracker: Tracker,
    inner: tokio::sync::RwLock<T>,
}

/// Shared access to an [`RwLock`]'s data.
pub type RwLockReadGuard<'a, T> = Guard<'a, tokio::sync::RwLockReadGuard<'a, T>>;
/// Exclusive access to an [`RwLock`]'s data.
pub type RwLockWriteGuard<'a, T> = Guard<'a, tokio::sync::RwLockWriteGuard<'a, T>>;

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            tracker: Tracker::new(),
            inner: tokio::sync::Mutex::new(value),
        }
    }

    /// The data, consuming the mutex.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting (recorded) while another task holds it.
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        let g = match self.inner.try_lock() {
            Ok(g) => g,
            Err(_) => wait_for(&self.tracker, || self.inner.lock()).await,
        };
        Guard::new(g, &self.tracker)
    }

    /// Locks the mutex if it is free now.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        self.inner.try_lock().map(|g| Guard::new(g, &self.tracker))
    }

    /// A mutable reference to the data (no locking: the borrow is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T> RwLock<T> {
    /// A new unlocked lock holding `value`.
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            tracker: Tracker::new(),
            inner: tokio::sync::RwLock::new(value),
        }
    }

    /// The data, consuming the lock.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for shared reading, waiting (recorded) while a writer holds or awaits the lock.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        let g = match self.inner.try_read() {
            Ok(g) => g,
            Err(_) => wait_for(&self.tracker, || self.inner.read()).await,
        };
        Guard::new(g, &self.tracker)
    }

    /// Locks for exclusive writing, waiting (recorded) while anyone holds the lock.
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        let g = match self.inner.try_write() {
            Ok(g) => g,
            Err(_) => wait_for(&self.tracker, || self.inner.write()).await,
        };
        Guard::new(g, &self.tracker)
    }

    /// Locks for reading if possible now.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.inner.try_read().map(|g| Guard::new(g, &self.tracker))
    }

    /// Locks for writing if possible now.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.inner.try_write().map(|g| Guard::new(g, &self.tracker))
    }

    /// A mutable reference to the data (no locking: the borrow is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

/// `tokio::sync::Semaphore`; acquisitions that wait are recorded in the block profile.
#[derive(Debug)]
pub struct Semaphore {
    inner: tokio::sync::Semaphore,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            inner: tokio::sync::Semaphore::const_new(permits),
        }
    }

    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            inner: tokio::sync::Semaphore::new(permits),
        }
    }

    /// Acquires a permit, waiting (recorded) while none is free.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many(1).await
    }

    /// Acquires `n` permits, waiting (recorded) until they are free.
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        match self.inner.try_acquire_many(n) {
            Ok(p) => Ok(p),
            Err(TryAcquireError::Closed) => self.inner.acquire_many(n).await,
            Err(TryAcquireError::NoPermits) => Timed::new(self.inner.acquire_many(n)).await,
        }
    }

    /// Acquires a permit if one is free now.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.inner.try_acquire()
    }

    /// Adds `n` permits.
    pub fn add_permits(&self, n: usize) {
        self.inner.add_permits(n);
    }

    /// Permits free now.
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Closes the semaphore: waiters and later acquisitions fail.
    pub fn close(&self) {
        self.inner.close();
    }
}

/// `tokio::sync::Notify`; waits for a notification are recorded in the block profile.
#[derive(Debug, Default)]
pub struct Notify {
    inner: tokio::sync::Notify,
}

/// The future of [`Notify::notified`] (tokio's `Notified`, timed).
pub type Notified<'a> = Timed<tokio::sync::futures::Notified<'a>>;

impl Notify {
    /// A new `Notify` without a stored permit.
    pub const fn const_new() -> Notify {
        Notify {
            inner: tokio::sync::Notify::const_new(),
        }
    }

    /// A new `Notify` without a stored permit.
    pub fn new() -> Notify {
        Notify::default()
    }

    /// A future completing at the next notification; like tokio's, created before the
    /// condition is checked it sees `notify_waiters` calls made after its creation.
    pub fn notified(&self) -> Notified<'_> {
        Timed::new(self.inner.notified())
    }

    /// Wakes one waiter, or stores a permit for the next.
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every waiter registered now.
    pub fn notify_waiters(&self) {
        self.inner.notify_waiters();
    }
}

/// A future whose time pending is recorded in the block profile when it completes.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Timed<F> {
    inner: F,
    /// When the first poll could not complete; 0 before that or when nothing is timed.
    pending_since: u64,
}

impl<F> Timed<F> {
    fn new(inner: F) -> Timed<F> {
        Timed {
            inner,
            pending_since: 0,
        }
    }

    /// The pinned inner future.
    pub fn inner(self: Pin<&mut Self>) -> Pin<&mut F> {
        // SAFETY: `inner` is structurally pinned: `Timed` never moves it out, has no `Drop`
        // and is `Unpin` only when `F` is.
        unsafe { self.map_unchecked_mut(|t| &mut t.inner) }
    }
}

impl<F: Future> Future for Timed<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let poll = self.as_mut().inner().poll(cx);
        // SAFETY: only the `u64` field is written; `inner` is not moved.
        let this = unsafe { self.get_unchecked_mut() };
        match poll {
            Poll::Ready(out) => {
                if this.pending_since != 0 {
                    let waited = crate::contention::now_nanos() - this.pending_since;
                    crate::contention::record_block(waited);
                }
                Poll::Ready(out)
            }
            Poll::Pending => {
                if this.pending_since == 0 && crate::contention::enabled() {
                    this.pending_since = crate::contention::now_nanos();
                }
                Poll::Pending
            }
        }
    }
}

default_and_debug!(Mutex, RwLock);

/// What `acquire`, tokio's waiting acquisition, resolves to, timed as a wait on `tracker`
/// (the wait also ends when the task stops waiting: the future is dropped). Callers try the
/// lock first and await this only when it is held, so the uncontended path polls no nested
/// future: an uncontended `lock` of benches/sync.rs takes 80 instructions (callgrind) this
/// way, 110 with the try inside one shared async helper, 92 with the wait timed inline.
async fn wait_for<F: Future>(tracker: &Tracker, acquire: impl FnOnce() -> F) -> F::Output {
    let _wait = tracker.begin_wait();
    acquire().await
}
