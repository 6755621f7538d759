//! `std::sync::mpsc` channels whose sends and receives that wait are recorded in the block
//! profile (Go records channel operations that block).

use std::fmt;
use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use std::time::Duration;

use crate::contention::tracker::blocking;

/// The sending half of [`channel`]; sends never wait (the channel is unbounded).
pub struct Sender<T> {
    inner: std::sync::mpsc::Sender<T>,
}

/// The sending half of [`sync_channel`]; a send that finds the buffer full waits and is
/// recorded.
pub struct SyncSender<T> {
    inner: std::sync::mpsc::SyncSender<T>,
}

/// The receiving half of either channel; a receive that finds it empty waits and is recorded.
pub struct Receiver<T> {
    inner: std::sync::mpsc::Receiver<T>,
}

/// An unbounded channel (`std::sync::mpsc::channel`).
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = std::sync::mpsc::channel();
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// A channel buffering `bound` messages (`std::sync::mpsc::sync_channel`); 0 is a rendezvous.
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let (tx, rx) = std::sync::mpsc::sync_channel(bound);
    (SyncSender { inner: tx }, Receiver { inner: rx })
}

impl<T> Sender<T> {
    /// Sends `t`; an error when the receiver is gone.
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.inner.send(t)
    }
}

impl<T> SyncSender<T> {
    /// Sends `t`, waiting for room in the buffer; an error when the receiver is gone.
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        match self.inner.try_send(t) {
            Ok(()) => Ok(()),
            Err(TrySendError::Disconnected(t)) => Err(SendError(t)),
            Err(TrySendError::Full(t)) => self.send_waiting(t),
        }
    }

    #[cold]
    #[inline(never)]
    fn send_waiting(&self, t: T) -> Result<(), SendError<T>> {
        blocking(|| self.inner.send(t))
    }

    /// Sends `t` if there is room now.
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        self.inner.try_send(t)
    }
}

impl<T> Receiver<T> {
    /// Receives a message, waiting for one; an error when every sender is gone.
    pub fn recv(&self) -> Result<T, RecvError> {
        match self.inner.try_recv() {
            Ok(t) => Ok(t),
            Err(TryRecvError::Disconnected) => Err(RecvError),
            Err(TryRecvError::Empty) => self.recv_waiting(),
        }
    }

    #[cold]
    #[inline(never)]
    fn recv_waiting(&self) -> Result<T, RecvError> {
        blocking(|| self.inner.recv())
    }

    /// Receives a message if one is there now.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// Receives a message, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match self.inner.try_recv() {
            Ok(t) => Ok(t),
            Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => blocking(|| self.inner.recv_timeout(timeout)),
        }
    }

    /// An iterator of received messages that waits for each and ends when the senders are gone.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// An iterator of the messages there now.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

/// [`Receiver::iter`].
#[derive(Debug)]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

/// [`Receiver::try_iter`].
#[derive(Debug)]
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

/// The owning iterator of a [`Receiver`].
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> Self {
        SyncSender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_behave_like_std() {
        let (tx, rx) = sync_channel(1);
        tx.send(1).unwrap();
        assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
        let t = std::thread::spawn(move || {
            tx.send(2).unwrap(); // waits until 1 is received
            tx.send(3).unwrap();
        });
        assert_eq!(rx.iter().collect::<Vec<_>>(), vec![1, 2, 3]);
        t.join().unwrap();
        assert_eq!(rx.recv(), Err(RecvError));
        let (tx, rx) = channel();
        tx.clone().send(4).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Ok(4));
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(1)),
            Err(RecvTimeoutError::Timeout)
        );
        drop(tx);
        assert_eq!(rx.try_iter().count(), 0);
        assert!(rx.into_iter().next().is_none());
    }
}
