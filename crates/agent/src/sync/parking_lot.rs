//! `parking_lot`'s `Mutex` and `RwLock` feeding the contention profiles (feature
//! `parking_lot`). Same API for the operations listed; no poisoning, as in `parking_lot`.

use std::time::Duration;

use super::{default_and_debug, Guard};
use crate::contention::tracker::Tracker;

/// `parking_lot::Mutex` whose contention is recorded in the `mutex` and `block` profiles.
pub struct Mutex<T: ?Sized> {
    tracker: Tracker,
    inner: parking_lot::Mutex<T>,
}

/// The guard of a [`Mutex`].
pub type MutexGuard<'a, T> = Guard<'a, parking_lot::MutexGuard<'a, T>>;

/// `parking_lot::RwLock` whose contention is recorded in the `mutex` and `block` profiles.
pub struct RwLock<T: ?Sized> {
    tracker: Tracker,
    inner: parking_lot::RwLock<T>,
}

/// Shared access to an [`RwLock`]'s data.
pub type RwLockReadGuard<'a, T> = Guard<'a, parking_lot::RwLockReadGuard<'a, T>>;
/// Exclusive access to an [`RwLock`]'s data.
pub type RwLockWriteGuard<'a, T> = Guard<'a, parking_lot::RwLockWriteGuard<'a, T>>;

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            tracker: Tracker::new(),
            inner: parking_lot::Mutex::new(value),
        }
    }

    /// The data, consuming the mutex.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Acquires the mutex, waiting (recorded) while another thread holds it.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        acquire(&self.tracker, self.inner.try_lock(), || self.inner.lock())
    }

    /// Acquires the mutex if it is free now.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.inner.try_lock().map(|g| Guard::new(g, &self.tracker))
    }

    /// Acquires the mutex, waiting (recorded) at most `timeout`.
    pub fn try_lock_for(&self, timeout: Duration) -> Option<MutexGuard<'_, T>> {
        let slow = || self.tracker.wait_for(|| self.inner.try_lock_for(timeout));
        let g = self.inner.try_lock().or_else(slow);
        g.map(|g| Guard::new(g, &self.tracker))
    }

    /// Whether the mutex is locked now.
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// A mutable reference to the data (no locking: the borrow is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T> RwLock<T> {
    /// A new unlocked lock holding `value`.
    pub const fn new(value: T) -> RwLock<T> {
        RwLock {
            tracker: Tracker::new(),
            inner: parking_lot::RwLock::new(value),
        }
    }

    /// The data, consuming the lock.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for shared reading, waiting (recorded) while a writer holds the lock.
    #[inline]
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        acquire(&self.tracker, self.inner.try_read(), || self.inner.read())
    }

    /// Locks for exclusive writing, waiting (recorded) while anyone holds the lock.
    #[inline]
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        acquire(&self.tracker, self.inner.try_write(), || self.inner.write())
    }

    /// Locks for reading if possible now.
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        self.inner.try_read().map(|g| Guard::new(g, &self.tracker))
    }

    /// Locks for writing if possible now.
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        self.inner.try_write().map(|g| Guard::new(g, &self.tracker))
    }

    /// Whether the lock is held now.
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// A mutable reference to the data (no locking: the borrow is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

default_and_debug!(Mutex, RwLock);

/// The guard of `fast`, the original's non-blocking attempt, or else of `slow`, its waiting
/// acquisition, timed as a wait on `tracker`.
#[inline]
fn acquire<'a, G>(tracker: &'a Tracker, fast: Option<G>, slow: impl FnOnce() -> G) -> Guard<'a, G> {
    let g = match fast {
        Some(g) => g,
        None => tracker.wait_for(slow),
    };
    Guard::new(g, tracker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_parking_lot() {
        let m = Mutex::new(1);
        {
            let mut g = m.lock();
            *g += 1;
            assert!(m.is_locked() && m.try_lock().is_none());
            assert!(m.try_lock_for(Duration::from_millis(1)).is_none());
        }
        assert_eq!(m.into_inner(), 2);
        let mut l = RwLock::new(String::from("a"));
        {
            let (a, b) = (l.read(), l.try_read().unwrap());
            assert_eq!(format!("{a}{b}"), "aa");
            assert!(l.try_write().is_none());
        }
        l.write().push('b');
        l.get_mut().push('c');
        assert_eq!(l.into_inner(), "abc");
    }
}
