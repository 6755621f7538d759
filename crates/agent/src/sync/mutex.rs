//! [`Mutex`]: `std::sync::Mutex` feeding the contention profiles.

use std::sync::{LockResult, TryLockResult};

use super::{acquire, default_and_debug, try_acquire, Guard};
use crate::contention::tracker::Tracker;

/// `std::sync::Mutex` whose contention is recorded in the `mutex` and `block` profiles. Same
/// API and semantics, poisoning included.
pub struct Mutex<T: ?Sized> {
    tracker: Tracker,
    inner: std::sync::Mutex<T>,
}

/// The guard of a [`Mutex`]: the data while it is locked; unlocks on drop.
pub type MutexGuard<'a, T> = Guard<'a, std::sync::MutexGuard<'a, T>>;

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            tracker: Tracker::new(),
            inner: std::sync::Mutex::new(value),
        }
    }

    /// The data, consuming the mutex; an error if it is poisoned.
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Acquires the mutex, blocking the current thread until it is able to do so; an error
    /// (holding the guard) if it is poisoned. A wait is recorded.
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        acquire(&self.tracker, self.inner.try_lock(), || self.inner.lock())
    }

    /// Attempts to acquire the mutex without blocking.
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        try_acquire(&self.tracker, self.inner.try_lock())
    }

    /// Whether a thread panicked while holding the mutex.
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

default_and_debug!(Mutex);

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::TryLockError;

    #[test]
    fn behaves_like_std_including_poison() {
        let m = std::sync::Arc::new(Mutex::new(vec![1]));
        m.lock().unwrap().push(2);
        {
            let g = m.lock().unwrap();
            assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
            assert_eq!(format!("{g:?}"), "[1, 2]");
        }
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poison it");
        })
        .join();
        assert!(m.is_poisoned());
        let g = m.lock().unwrap_err().into_inner();
        assert_eq!(*g, vec![1, 2]);
        drop(g);
        assert!(matches!(m.try_lock(), Err(TryLockError::Poisoned(_))));
        m.clear_poison();
        assert!(!m.is_poisoned());
        let mut m = std::sync::Arc::try_unwrap(m).unwrap();
        m.get_mut().unwrap().push(3);
        assert_eq!(m.into_inner().unwrap(), vec![1, 2, 3]);
    }
}
