//! A fixed-size, lock-free buffer of stack records: signal handlers claim a free slot with one
//! compare-and-swap, fill it and publish it; the profiler thread drains published slots.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// The deepest stack a record holds; the configured depth may be lower. Twice Go's
/// `maxCPUProfStack` (64), since Rust stacks carry more generic and closure frames.
pub const MAX_DEPTH: usize = 128;

const FREE: u8 = 0;
const WRITING: u8 = 1;
const READY: u8 = 2;

/// How many other slots a writer tries when its first pick is taken.
const PROBES: usize = 8;

/// One captured stack.
pub(crate) struct Record {
    /// Lookup addresses, leaf first.
    pub frames: [u64; MAX_DEPTH],
    /// How many of `frames` are valid.
    pub depth: usize,
    /// The thread's label word (see `labels::current_word`).
    pub labels: usize,
    /// Timer periods this sample stands for: 1 plus the expirations the kernel merged into
    /// this signal while an earlier one was still pending (`si_overrun`).
    pub weight: u64,
}

/// The buffer; `capacity` slots allocated up front. The slots' states are kept apart from their
/// records, so that a drain scans 2 KiB of states rather than touching every 1 KiB record (with
/// the states inside the records, the profiler thread's scan every 10 ms was a cache and TLB
/// miss per slot: ~1% of a core).
pub(crate) struct RecordBuffer {
    states: Box<[AtomicU8]>,
    records: Box<[UnsafeCell<Record>]>,
    next: AtomicUsize,
    /// Records dropped because no slot was free.
    pub dropped: AtomicUsize,
}

// SAFETY: a slot's record is written only by the thread that moved its state FREE → WRITING,
// and read only by the drainer after it observed READY (Acquire), until it stores FREE.
unsafe impl Sync for RecordBuffer {}

impl RecordBuffer {
    /// A buffer of `capacity` records (allocates; call before signals arrive).
    pub(crate) fn new(capacity: usize) -> RecordBuffer {
        let capacity = capacity.max(1);
        let states = (0..capacity).map(|_| AtomicU8::new(FREE)).collect();
        let records = (0..capacity)
            .map(|_| {
                UnsafeCell::new(Record {
                    frames: [0; MAX_DEPTH],
                    depth: 0,
                    labels: 0,
                    weight: 0,
                })
            })
            .collect();
        RecordBuffer {
            states,
            records,
            next: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
        }
    }

    /// Claims a free slot, lets `fill` write it, and publishes it; when `fill` returns false
    /// the slot is released unpublished. Counts a drop when no slot is free. Async-signal-safe.
    pub(crate) fn push(&self, fill: impl FnOnce(&mut Record) -> bool) {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..=PROBES {
            let at = (start + i) % self.states.len();
            let state = &self.states[at];
            if state
                .compare_exchange(FREE, WRITING, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                // SAFETY: the compare-and-swap above gave this thread the slot.
                let ok = fill(unsafe { &mut *self.records[at].get() });
                state.store(if ok { READY } else { FREE }, Ordering::Release);
                return;
            }
        }
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Hands every published record to `take`, then frees its slot.
    pub(crate) fn drain(&self, mut take: impl FnMut(&Record)) {
        for (state, record) in self.states.iter().zip(self.records.iter()) {
            if state.load(Ordering::Acquire) == READY {
                // SAFETY: READY records are not written until this thread stores FREE.
                take(unsafe { &*record.get() });
                state.store(FREE, Ordering::Release);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_drain_and_overflow_is_counted() {
        let b = RecordBuffer::new(4);
        // A fill that gives up releases its slot unpublished and drops nothing.
        b.push(|_| false);
        for i in 0..6u64 {
            b.push(|r| {
                r.frames[0] = i;
                r.depth = 1;
                true
            });
        }
        let mut seen = Vec::new();
        b.drain(|r| seen.push(r.frames[0]));
        seen.sort();
        assert_eq!(seen, vec![0, 1, 2, 3]);
        assert_eq!(b.dropped.load(Ordering::Relaxed), 2);
        let mut again = 0;
        b.drain(|_| again += 1);
        assert_eq!(again, 0);
    }
}
