//! [`RwLock`]: `std::sync::RwLock` feeding the contention profiles.

use std::sync::{LockResult, TryLockResult};

use super::{acquire, default_and_debug, try_acquire, Guard};
use crate::contention::tracker::Tracker;

/// `std::sync::RwLock` whose contention (readers and writers alike) is recorded in the
/// `mutex` and `block` profiles. Same API and semantics, poisoning included.
pub struct RwLock<T: ?Sized> {
    tracker: Tracker,
    inner: std::sync::RwLock<T>,
}

/// Shared access to an [`RwLock`]'s data; released on drop.
pub type RwLockReadGuard<'a, T> = Guard<'a, std::sync::RwLockReadGuard<'a, T>>;

/// Exclusive access to an [`RwLock`]'s data; released on drop.
pub type RwLockWriteGuard<'a, T> = Guard<'a, std::sync::RwLockWriteGuard<'a, T>>;

impl<T> RwLock<T> {
    /// A new unlocked lock holding `value`.
    pub const fn new(value: T) -> RwLock<T> {
        RwLock {
            tracker: Tracker::new(),
            inner: std::sync::RwLock::new(value),
        }
    }

    /// The data, consuming the lock; an error if it is poisoned.
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for shared reading, blocking while a writer holds the lock. A wait is recorded.
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        acquire(&self.tracker, self.inner.try_read(), || self.inner.read())
    }

    /// Locks for exclusive writing, blocking while anyone holds the lock. A wait is recorded.
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        acquire(&self.tracker, self.inner.try_write(), || self.inner.write())
    }

    /// Attempts to lock for reading without blocking.
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        try_acquire(&self.tracker, self.inner.try_read())
    }

    /// Attempts to lock for writing without blocking.
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        try_acquire(&self.tracker, self.inner.try_write())
    }

    /// Whether a thread panicked while holding the lock for writing.
    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    /// Clears the poisoned state.
    pub fn clear_poison(&self) {
        self.inner.clear_poison();
    }

    /// A mutable reference to the data (no locking: the borrow is exclusive).
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }
}

default_and_debug!(RwLock);

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::TryLockError;

    #[test]
    fn behaves_like_std_including_poison() {
        let l = std::sync::Arc::new(RwLock::new(5));
        {
            let a = l.read().unwrap();
            let b = l.try_read().unwrap();
            assert_eq!(*a + *b, 10);
            assert!(matches!(l.try_write(), Err(TryLockError::WouldBlock)));
        }
        *l.write().unwrap() += 1;
        let l2 = l.clone();
        let _ = std::thread::spawn(move || {
            let _g = l2.write().unwrap();
            panic!("poison it");
        })
        .join();
        assert!(l.is_poisoned());
        assert_eq!(*l.read().unwrap_err().into_inner(), 6);
        assert!(matches!(l.try_write(), Err(TryLockError::Poisoned(_))));
        l.clear_poison();
        let mut l = std::sync::Arc::try_unwrap(l).unwrap();
        *l.get_mut().unwrap() = 7;
        assert_eq!(l.into_inner().unwrap(), 7);
    }
}
