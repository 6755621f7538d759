//! Each thread's ordinal: 0 for the first thread that asks, 1 for the next, and so on. Spreads
//! threads round robin over resources kept a few times over (the unwinders' scratch slots, the
//! stack tables' copies of their counters, the heap statistics' shards), so that threads on
//! different cores tend to use different ones. A const-initialised thread-local without a destructor: usable from the
//! allocator hook, during thread start and teardown.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

thread_local! {
    /// The calling thread's ordinal, `usize::MAX` until it first asks.
    static ORDINAL: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The ordinal the next thread to ask gets.
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The calling thread's ordinal (0 where thread-locals are already gone).
pub(crate) fn thread_ordinal() -> usize {
    ORDINAL
        .try_with(|ordinal| {
            if ordinal.get() == usize::MAX {
                ordinal.set(NEXT.fetch_add(1, Ordering::Relaxed));
            }
            ordinal.get()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_keeps_its_ordinal_and_others_get_their_own() {
        let mine = thread_ordinal();
        assert_eq!(thread_ordinal(), mine);
        let theirs: Vec<usize> = (0..4)
            .map(|_| std::thread::spawn(thread_ordinal).join().unwrap())
            .collect();
        for (i, &o) in theirs.iter().enumerate() {
            assert_ne!(o, mine);
            assert!(!theirs[..i].contains(&o), "{theirs:?}");
        }
    }
}
