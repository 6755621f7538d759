//! The bounded record tables of the two profiles: one bucket per stack, each with a count and a
//! delay (Go's `bucket` with its `blockRecord`).
//!
//! Each table is a fixed array in a `static` (zeroed, so it costs address space, not memory,
//! until used). Insertion is lock-free open addressing: a thread that meets a slot being filled
//! by another passes over it, so two buckets may share a stack (export merges them). When no
//! slot is free within [`MAX_PROBE`] the event is dropped and counted.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// The deepest stack recorded, in frames. Go keeps 32 (`maxStack`); Rust stacks carry more
/// generic and closure frames, hence twice that (as the heap profile).
pub const MAX_DEPTH: usize = 64;

/// Buckets per profile: 2^12 distinct stacks, about 2.2 MiB of address space per table (540
/// bytes a bucket), resident only as used. Contention happens at far fewer distinct sites than
/// allocation.
pub const SLOTS: usize = 1 << 12;

/// Slots tried before an event is dropped: keeps the worst case short when the table fills.
const MAX_PROBE: usize = 64;

const EMPTY: u32 = 0;
const WRITING: u32 = 1;
const READY: u32 = 2;

/// One slot. `depth`, `hash` and `frames` are written once, before `state` becomes `READY`.
struct Bucket {
    state: AtomicU32,
    depth: AtomicU32,
    hash: AtomicU64,
    /// Go's `count`, a float64 because sampled block events weigh `rate/wait`: `f64` bits.
    count: AtomicU64,
    delay_nanos: AtomicU64,
    frames: [AtomicU64; MAX_DEPTH],
}

#[allow(clippy::declare_interior_mutable_const)] // the array initialiser of the static tables
const EMPTY_BUCKET: Bucket = Bucket {
    state: AtomicU32::new(EMPTY),
    depth: AtomicU32::new(0),
    hash: AtomicU64::new(0),
    count: AtomicU64::new(0),
    delay_nanos: AtomicU64::new(0),
    frames: [const { AtomicU64::new(0) }; MAX_DEPTH],
};

/// A profile's buckets and its count of dropped events.
pub(crate) struct Table {
    buckets: [Bucket; SLOTS],
    dropped: AtomicU64,
}

/// The mutex profile's records.
pub(crate) static MUTEX: Table = Table::new();
/// The block profile's records.
pub(crate) static BLOCK: Table = Table::new();

/// One bucket as read at export: a stack of lookup addresses, Go's count and the delay.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Record {
    pub(crate) stack: Vec<u64>,
    pub(crate) count: f64,
    pub(crate) delay_nanos: u64,
}

fn hash(stack: &[u64]) -> u64 {
    // FxHash-style multiply-rotate: cheap, and good enough to spread return addresses.
    let mut h = 0u64;
    for &pc in stack {
        h = (h.rotate_left(5) ^ pc).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h ^ (h >> 29)
}

impl Bucket {
    fn matches(&self, h: u64, stack: &[u64]) -> bool {
        self.hash.load(Ordering::Relaxed) == h
            && self.depth.load(Ordering::Relaxed) as usize == stack.len()
            && stack
                .iter()
                .zip(&self.frames)
                .all(|(&pc, f)| f.load(Ordering::Relaxed) == pc)
    }

    fn fill(&self, h: u64, stack: &[u64]) {
        self.hash.store(h, Ordering::Relaxed);
        self.depth.store(stack.len() as u32, Ordering::Relaxed);
        for (f, &pc) in self.frames.iter().zip(stack) {
            f.store(pc, Ordering::Relaxed);
        }
        self.state.store(READY, Ordering::Release);
    }

    fn add(&self, count: f64, delay_nanos: u64) {
        let _ = self
            .count
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + count).to_bits())
            });
        self.delay_nanos.fetch_add(delay_nanos, Ordering::Relaxed);
    }
}

impl Table {
    const fn new() -> Table {
        Table {
            buckets: [EMPTY_BUCKET; SLOTS],
            dropped: AtomicU64::new(0),
        }
    }

    /// Adds `count` events of `delay_nanos` in total to the bucket of `stack`, creating it if
    /// needed; drops and counts the event when the table is full around the stack's hash.
    /// Never blocks and never allocates.
    pub(crate) fn add(&self, stack: &[u64], count: f64, delay_nanos: u64) {
        let stack = &stack[..stack.len().min(MAX_DEPTH)];
        let h = hash(stack);
        let mut i = h as usize % SLOTS;
        for _ in 0..MAX_PROBE {
            let b = &self.buckets[i];
            let mut state = b.state.load(Ordering::Acquire);
            if state == EMPTY {
                match b
                    .state
                    .compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Acquire)
                {
                    Ok(_) => {
                        b.fill(h, stack);
                        b.add(count, delay_nanos);
                        return;
                    }
                    Err(now) => state = now,
                }
            }
            if state == READY && b.matches(h, stack) {
                b.add(count, delay_nanos);
                return;
            }
            i = (i + 1) % SLOTS;
        }
        self.drop_event();
    }

    /// Counts an event that could not be recorded.
    pub(crate) fn drop_event(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Events dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Filled buckets (Go's record count, shown on the index page).
    pub(crate) fn len(&self) -> usize {
        self.buckets
            .iter()
            .filter(|b| b.state.load(Ordering::Relaxed) == READY)
            .count()
    }

    /// Every filled bucket, buckets sharing a stack merged, in table order.
    pub(crate) fn records(&self) -> Vec<Record> {
        let mut out: Vec<Record> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for b in &self.buckets {
            if b.state.load(Ordering::Acquire) != READY {
                continue;
            }
            let depth = b.depth.load(Ordering::Relaxed) as usize;
            let stack: Vec<u64> = b.frames[..depth]
                .iter()
                .map(|f| f.load(Ordering::Relaxed))
                .collect();
            let count = f64::from_bits(b.count.load(Ordering::Relaxed));
            let delay_nanos = b.delay_nanos.load(Ordering::Relaxed);
            match index.get(&stack) {
                Some(&i) => {
                    let r: &mut Record = &mut out[i];
                    r.count += count;
                    r.delay_nanos += delay_nanos;
                }
                None => {
                    index.insert(stack.clone(), out.len());
                    out.push(Record {
                        stack,
                        count,
                        delay_nanos,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_merge_per_stack_and_fill_drops() {
        static T: Table = Table::new();
        T.add(&[1, 2, 3], 1.0, 10);
        T.add(&[1, 2, 3], 0.5, 5);
        T.add(&[4], 2.0, 7);
        let mut r = T.records();
        r.sort_by_key(|r| r.stack.clone());
        assert_eq!(
            r,
            vec![
                Record {
                    stack: vec![1, 2, 3],
                    count: 1.5,
                    delay_nanos: 15
                },
                Record {
                    stack: vec![4],
                    count: 2.0,
                    delay_nanos: 7
                },
            ]
        );
        assert_eq!(T.len(), 2);
        for i in 0..(SLOTS as u64 + 10) {
            T.add(&[100 + i], 1.0, 1);
        }
        // Every event is either in a bucket or counted as dropped.
        let kept = T.len() - 2;
        assert_eq!(kept as u64 + T.dropped(), SLOTS as u64 + 10);
        assert!(T.dropped() >= 10);
    }
}
