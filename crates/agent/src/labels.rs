//! Profiler labels: key/value pairs attached to the current thread (Go's `pprof.Do`), read by
//! the signal handler and written into CPU samples and thread dumps.
//!
//! ```
//! let total = ferroprof::labels::with([("tenant", "a")], || (0..10u64).sum::<u64>());
//! assert_eq!(total, 45);
//! assert!(ferroprof::labels::current().is_empty());
//! ```
//!
//! # Design constraints
//! - The signal handler reads one word of thread-local storage (a `const`-initialised `Cell`
//!   without a destructor, so the access never allocates or registers anything) and stores it
//!   in the sample; it never dereferences it.
//! - Label sets are interned and never freed, so a word stored by the handler stays valid until
//!   export. Distinct sets are capped at [`MAX_LABEL_SETS`]; past the cap new sets are recorded
//!   as the single set `{"ferroprof::overflow": "true"}`.

use std::cell::Cell;
use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll};

/// A set of labels, sorted by key.
pub type LabelSet = BTreeMap<String, String>;

/// The most distinct label sets kept; chosen so the interned sets of a misbehaving caller (a
/// request id as a label) stay within a few MiB.
pub const MAX_LABEL_SETS: usize = 10_000;

thread_local! {
    static CURRENT: Cell<usize> = const { Cell::new(0) };
}

fn interned() -> &'static Mutex<HashSet<&'static LabelSet>> {
    static SETS: OnceLock<Mutex<HashSet<&'static LabelSet>>> = OnceLock::new();
    SETS.get_or_init(|| Mutex::new(HashSet::new()))
}

fn intern(set: LabelSet) -> &'static LabelSet {
    let mut sets = interned().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = sets.get(&set) {
        return found;
    }
    let set = if sets.len() >= MAX_LABEL_SETS {
        LabelSet::from([("ferroprof::overflow".to_string(), "true".to_string())])
    } else {
        set
    };
    if let Some(found) = sets.get(&set) {
        return found;
    }
    let leaked: &'static LabelSet = Box::leak(Box::new(set));
    sets.insert(leaked);
    leaked
}

/// The current thread's labels as one word, for the signal handler: 0 for none, else the
/// address of an interned [`LabelSet`].
#[inline(always)]
pub(crate) fn current_word() -> usize {
    CURRENT.with(Cell::get)
}

/// The label set a word from [`current_word`] stands for (empty for 0).
pub(crate) fn resolve(word: usize) -> LabelSet {
    if word == 0 {
        return LabelSet::new();
    }
    // SAFETY: nonzero words are only ever produced from `&'static LabelSet` references that
    // `intern` leaked, so the pointer is valid for the rest of the process.
    unsafe { (*(word as *const LabelSet)).clone() }
}

/// The current thread's labels.
pub fn current() -> LabelSet {
    resolve(current_word())
}

/// The current labels with `labels` added (a new value replaces the old one, as in Go).
fn extended<K: Into<String>, V: Into<String>>(labels: impl IntoIterator<Item = (K, V)>) -> usize {
    let mut set = current();
    for (k, v) in labels {
        set.insert(k.into(), v.into());
    }
    intern(set) as *const LabelSet as usize
}

/// Restores the previous labels when dropped, also on unwinding.
struct Restore(usize);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

fn enter(word: usize) -> Restore {
    Restore(CURRENT.with(|c| c.replace(word)))
}

/// Runs `f` with `labels` added to the current thread's labels, then restores them.
pub fn with<K: Into<String>, V: Into<String>, R>(
    labels: impl IntoIterator<Item = (K, V)>,
    f: impl FnOnce() -> R,
) -> R {
    let _restore = enter(extended(labels));
    f()
}

/// Wraps `future` so that every poll runs with `labels` added to the labels current when
/// `wrap` was called, whichever thread polls it (labels cross `.await` points).
pub fn wrap<K: Into<String>, V: Into<String>, F: Future>(
    labels: impl IntoIterator<Item = (K, V)>,
    future: F,
) -> Labeled<F> {
    Labeled {
        word: extended(labels),
        future,
    }
}

/// A future running under labels; see [`wrap`].
#[derive(Debug)]
pub struct Labeled<F> {
    word: usize,
    future: F,
}

impl<F: Future> Future for Labeled<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of `self`, and
        // `Labeled` has no `Drop` impl or `Unpin` impl that could move it.
        let this = unsafe { self.get_unchecked_mut() };
        let _restore = enter(this.word);
        // SAFETY: see above; `this.future` stays pinned for as long as `self` is.
        unsafe { Pin::new_unchecked(&mut this.future) }.poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::{RawWaker, RawWakerVTable, Waker};

    #[test]
    fn nested_labels_merge_and_restore() {
        with([("a", "1"), ("b", "2")], || {
            with([("b", "3")], || {
                let c = current();
                assert_eq!(c.get("a").map(String::as_str), Some("1"));
                assert_eq!(c.get("b").map(String::as_str), Some("3"));
            });
            assert_eq!(current().get("b").map(String::as_str), Some("2"));
        });
        assert!(current().is_empty());
    }

    #[test]
    fn same_set_interns_to_same_word() {
        let w1 = with([("k", "v")], current_word);
        let w2 = with([("k", "v")], current_word);
        assert_eq!(w1, w2);
        assert_ne!(w1, 0);
    }

    #[test]
    fn labels_restored_after_panic() {
        let r = std::panic::catch_unwind(|| with([("p", "1")], || panic!("boom")));
        assert!(r.is_err());
        assert!(current().is_empty());
    }

    fn noop_waker() -> Waker {
        fn clone(_: *const ()) -> RawWaker {
            RawWaker::new(std::ptr::null(), &VTABLE)
        }
        fn noop(_: *const ()) {}
        static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
        // SAFETY: the vtable's functions ignore the data pointer.
        unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
    }

    #[test]
    fn future_carries_labels_across_polls() {
        struct Twice(bool, Vec<LabelSet>);
        impl Future for Twice {
            type Output = Vec<LabelSet>;
            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                self.1.push(current());
                if self.0 {
                    Poll::Ready(std::mem::take(&mut self.1))
                } else {
                    self.0 = true;
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            }
        }
        let mut fut = Box::pin(wrap([("task", "t1")], Twice(false, Vec::new())));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert!(current().is_empty(), "labels leak out of poll");
        let Poll::Ready(seen) = fut.as_mut().poll(&mut cx) else {
            panic!("not ready")
        };
        assert!(seen
            .iter()
            .all(|s| s.get("task").map(String::as_str) == Some("t1")));
    }
}
