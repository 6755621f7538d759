//! The bounded record tables of the two profiles: [`StackTable`]s of one bucket per stack,
//! each with a count and a delay (Go's `bucket` with its `blockRecord`). Two buckets may share
//! a stack (see [`StackTable`]); export merges them.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::stack_table::{Counters, StackTable};

/// Buckets per profile: 2^12 distinct stacks, about 3.3 MiB of address space per table (833
/// bytes a bucket), resident only as used. Contention happens at far fewer distinct sites than
/// allocation.
pub const SLOTS: usize = 1 << 12;

/// A bucket's counters.
pub(crate) struct Delay {
    /// Go's `count`, a float64 because sampled block events weigh `rate/wait`: `f64` bits.
    count: AtomicU64,
    delay_nanos: AtomicU64,
}

impl Counters for Delay {
    #[allow(clippy::declare_interior_mutable_const)] // the initialiser of every bucket
    const ZERO: Delay = Delay {
        count: AtomicU64::new(0),
        delay_nanos: AtomicU64::new(0),
    };
}

/// A profile's buckets and its count of dropped events.
pub(crate) type Table = StackTable<Delay, SLOTS>;

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

impl Table {
    /// Adds `count` events of `delay_nanos` in total to the bucket of `stack`, creating it if
    /// needed; drops and counts the event when the table is full around the stack's hash.
    /// Never blocks and never allocates.
    pub(crate) fn add(&self, stack: &[u64], count: f64, delay_nanos: u64) {
        // The stack alone is the key: tag 0.
        let Some(id) = self.find_or_insert(stack, 0) else {
            return;
        };
        let b = self.counters(id);
        let _ = b
            .count
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + count).to_bits())
            });
        b.delay_nanos.fetch_add(delay_nanos, Ordering::Relaxed);
    }

    /// Filled buckets (Go's record count, shown on the index page).
    pub(crate) fn len(&self) -> usize {
        self.filled().count()
    }

    /// Every filled bucket, buckets sharing a stack merged, in the order the stacks were first
    /// recorded.
    pub(crate) fn records(&self) -> Vec<Record> {
        let mut out: Vec<Record> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for b in self.filled() {
            let stack = b.stack();
            let count: f64 = b
                .counters()
                .map(|c| f64::from_bits(c.count.load(Ordering::Relaxed)))
                .sum();
            let delay_nanos: u64 = b
                .counters()
                .map(|c| c.delay_nanos.load(Ordering::Relaxed))
                .sum();
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
