//! The sampled-allocation buckets: one per (stack, block size), as Go's `mprof.go` buckets are,
//! each with allocation and free counters.
//!
//! The buckets are a [`StackTable`] in a `static` (zeroed, so it costs address space, not memory,
//! until used): never allocated through the global allocator, so neither profiled nor
//! recursive, and bounded. Two buckets may share a key (export merges them); when the table is
//! full around a key's hash the sample is dropped and counted.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::stack_table::{Counters as TableCounters, SlotId, StackTable};

pub use crate::stack_table::MAX_DEPTH;

/// Bucket slots: 2^14 distinct (stack, size) pairs, about 13 MiB of address space (833 bytes a
/// bucket), of which only touched pages become resident.
pub const BUCKETS: usize = 1 << 14;

/// The four raw (sampled, not yet scaled) counters of a bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Sampled allocations.
    pub alloc_objects: u64,
    /// Bytes of sampled allocations.
    pub alloc_bytes: u64,
    /// Sampled allocations since freed.
    pub free_objects: u64,
    /// Bytes of sampled allocations since freed.
    pub free_bytes: u64,
}

/// A bucket's counters, updated in place.
struct Sampled {
    alloc_objects: AtomicU64,
    alloc_bytes: AtomicU64,
    free_objects: AtomicU64,
    free_bytes: AtomicU64,
}

impl TableCounters for Sampled {
    #[allow(clippy::declare_interior_mutable_const)] // the initialiser of every bucket
    const ZERO: Sampled = Sampled {
        alloc_objects: AtomicU64::new(0),
        alloc_bytes: AtomicU64::new(0),
        free_objects: AtomicU64::new(0),
        free_bytes: AtomicU64::new(0),
    };
}

/// One bucket per (stack, block size): the size is the slot's tag.
static TABLE: StackTable<Sampled, BUCKETS> = StackTable::new();

/// An index into the bucket table, handed to the live-block table.
pub type BucketId = SlotId;

/// The bucket of (`stack`, `size`), created if needed; `None` (counted) when the table is full
/// around the key's hash. Never blocks and never allocates.
pub fn find_or_insert(stack: &[u64], size: u64) -> Option<BucketId> {
    TABLE.find_or_insert(stack, size)
}

/// Records one sampled allocation of `size` bytes in bucket `id`.
pub fn record_alloc(id: BucketId, size: u64) {
    let b = TABLE.counters(id);
    b.alloc_objects.fetch_add(1, Ordering::Relaxed);
    b.alloc_bytes.fetch_add(size, Ordering::Relaxed);
}

/// Records the free of one sampled block of `size` bytes from bucket `id`.
pub fn record_free(id: BucketId, size: u64) {
    let b = TABLE.counters(id);
    b.free_objects.fetch_add(1, Ordering::Relaxed);
    b.free_bytes.fetch_add(size, Ordering::Relaxed);
}

/// Filled buckets.
pub fn count() -> usize {
    TABLE.filled().count()
}

/// Address space of the table.
pub fn reserved_bytes() -> usize {
    std::mem::size_of_val(&TABLE)
}

/// Samples lost because the bucket table was full.
pub fn dropped() -> u64 {
    TABLE.dropped()
}

/// A bucket as read at export time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The bucket's slot, stable for the life of the process (delta profiles pair on it).
    pub id: BucketId,
    /// Return addresses, innermost first (the first is in the allocator hook's caller).
    pub stack: Vec<u64>,
    /// The block size of every allocation in the bucket.
    pub size: u64,
    /// The raw counters.
    pub counts: Counts,
}

/// Every filled bucket, in slot order. Allocates: call it with the hook's guard held.
pub fn snapshot() -> Vec<Record> {
    let mut out: Vec<Record> = TABLE
        .filled()
        .map(|b| {
            let sum = |field: fn(&Sampled) -> &AtomicU64| -> u64 {
                b.counters().map(|c| field(c).load(Ordering::Relaxed)).sum()
            };
            // Frees are read before allocations (in every copy) so that a concurrent
            // alloc+free never shows more frees than allocations.
            let free_objects = sum(|c| &c.free_objects);
            let free_bytes = sum(|c| &c.free_bytes);
            Record {
                id: b.id(),
                stack: b.stack(),
                size: b.tag(),
                counts: Counts {
                    alloc_objects: sum(|c| &c.alloc_objects),
                    alloc_bytes: sum(|c| &c.alloc_bytes),
                    free_objects,
                    free_bytes,
                },
            }
        })
        .collect();
    out.sort_unstable_by_key(|r| r.id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_bucket_and_counts_add_up() {
        let stack = [0x1111_0001, 0x2222_0002, 0x3333_0003];
        let a = find_or_insert(&stack, 48).unwrap();
        assert_eq!(find_or_insert(&stack, 48), Some(a));
        let b = find_or_insert(&stack, 64).unwrap();
        assert_ne!(a, b, "the size is part of the key");
        record_alloc(a, 48);
        record_alloc(a, 48);
        record_free(a, 48);
        let rec = snapshot().into_iter().find(|r| r.id == a).unwrap();
        assert_eq!(rec.stack, stack);
        assert_eq!(rec.size, 48);
        assert!(rec.counts.alloc_objects >= 2 && rec.counts.free_objects >= 1);
        assert_eq!(rec.counts.alloc_bytes, rec.counts.alloc_objects * 48);
    }
}
