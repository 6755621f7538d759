//! The sampled-allocation buckets: one per (stack, block size), as Go's `mprof.go` buckets are,
//! each with allocation and free counters.
//!
//! The table is a fixed array in a `static` (zeroed, so it costs address space, not memory, until
//! used): it is never allocated through the global allocator, so it is neither profiled nor
//! recursive, and its size is bounded. Insertion is lock-free open addressing; a thread that meets a
//! slot being filled by another passes over it, so two buckets may share a key (export merges them).
//! When no slot is free within [`MAX_PROBE`] the sample is dropped and counted.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// The deepest stack recorded, in frames; [`super::set_max_depth`] lowers it at run time. Go keeps
/// 32 (`maxStack`); Rust stacks carry more generic and allocator frames, hence twice that.
pub const MAX_DEPTH: usize = 64;

/// Bucket slots: 2^14 distinct (stack, size) pairs, about 9 MiB of address space
/// (`size_of::<Bucket>()` is 568 bytes), of which only touched pages become resident.
pub const BUCKETS: usize = 1 << 14;

/// Slots tried before a sample is dropped: keeps the worst case short when the table fills.
const MAX_PROBE: usize = 64;

const EMPTY: u32 = 0;
const WRITING: u32 = 1;
const READY: u32 = 2;

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

/// One slot. Fields other than the counters are written once, before `state` becomes `READY`.
struct Bucket {
    state: AtomicU32,
    depth: AtomicU32,
    hash: AtomicU64,
    size: AtomicU64,
    alloc_objects: AtomicU64,
    alloc_bytes: AtomicU64,
    free_objects: AtomicU64,
    free_bytes: AtomicU64,
    frames: [AtomicU64; MAX_DEPTH],
}

#[allow(clippy::declare_interior_mutable_const)] // the array initialiser of the static table
const EMPTY_BUCKET: Bucket = Bucket {
    state: AtomicU32::new(EMPTY),
    depth: AtomicU32::new(0),
    hash: AtomicU64::new(0),
    size: AtomicU64::new(0),
    alloc_objects: AtomicU64::new(0),
    alloc_bytes: AtomicU64::new(0),
    free_objects: AtomicU64::new(0),
    free_bytes: AtomicU64::new(0),
    frames: [const { AtomicU64::new(0) }; MAX_DEPTH],
};

static TABLE: [Bucket; BUCKETS] = [EMPTY_BUCKET; BUCKETS];

/// Samples dropped because the table had no free slot near their hash.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// An index into the bucket table, handed to the live-block table.
pub type BucketId = u32;

fn hash(stack: &[u64], size: u64) -> u64 {
    // FxHash-style multiply-rotate: cheap, and good enough to spread return addresses.
    let mut h = size.wrapping_mul(0x517c_c1b7_2722_0a95);
    for &pc in stack {
        h = (h.rotate_left(5) ^ pc).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h ^ (h >> 29)
}

impl Bucket {
    fn matches(&self, h: u64, stack: &[u64], size: u64) -> bool {
        self.hash.load(Ordering::Relaxed) == h
            && self.size.load(Ordering::Relaxed) == size
            && self.depth.load(Ordering::Relaxed) as usize == stack.len()
            && stack
                .iter()
                .zip(&self.frames)
                .all(|(&pc, f)| f.load(Ordering::Relaxed) == pc)
    }

    fn fill(&self, h: u64, stack: &[u64], size: u64) {
        self.hash.store(h, Ordering::Relaxed);
        self.size.store(size, Ordering::Relaxed);
        self.depth.store(stack.len() as u32, Ordering::Relaxed);
        for (f, &pc) in self.frames.iter().zip(stack) {
            f.store(pc, Ordering::Relaxed);
        }
        self.state.store(READY, Ordering::Release);
    }
}

/// The bucket of (`stack`, `size`), created if needed; `None` (counted) when the table is full
/// around the key's hash. Never blocks and never allocates.
pub fn find_or_insert(stack: &[u64], size: u64) -> Option<BucketId> {
    let stack = &stack[..stack.len().min(MAX_DEPTH)];
    let h = hash(stack, size);
    let mut i = h as usize % BUCKETS;
    for _ in 0..MAX_PROBE {
        let b = &TABLE[i];
        let mut state = b.state.load(Ordering::Acquire);
        if state == EMPTY {
            match b
                .state
                .compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => {
                    b.fill(h, stack, size);
                    return Some(i as BucketId);
                }
                Err(now) => state = now,
            }
        }
        if state == READY && b.matches(h, stack, size) {
            return Some(i as BucketId);
        }
        i = (i + 1) % BUCKETS;
    }
    DROPPED.fetch_add(1, Ordering::Relaxed);
    None
}

/// Records one sampled allocation of `size` bytes in bucket `id`.
pub fn record_alloc(id: BucketId, size: u64) {
    let b = &TABLE[id as usize];
    b.alloc_objects.fetch_add(1, Ordering::Relaxed);
    b.alloc_bytes.fetch_add(size, Ordering::Relaxed);
}

/// Records the free of one sampled block of `size` bytes from bucket `id`.
pub fn record_free(id: BucketId, size: u64) {
    let b = &TABLE[id as usize];
    b.free_objects.fetch_add(1, Ordering::Relaxed);
    b.free_bytes.fetch_add(size, Ordering::Relaxed);
}

/// Filled buckets.
pub fn count() -> usize {
    TABLE
        .iter()
        .filter(|b| b.state.load(Ordering::Relaxed) == READY)
        .count()
}

/// Address space of the table.
pub fn reserved_bytes() -> usize {
    super::stats::table_bytes::<Bucket>(BUCKETS)
}

/// Samples lost because the bucket table was full.
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
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
    let mut out = Vec::new();
    for (id, b) in TABLE.iter().enumerate() {
        if b.state.load(Ordering::Acquire) != READY {
            continue;
        }
        let depth = b.depth.load(Ordering::Relaxed) as usize;
        // Frees are read before allocations so that a concurrent alloc+free never shows more
        // frees than allocations.
        let free_objects = b.free_objects.load(Ordering::Relaxed);
        let free_bytes = b.free_bytes.load(Ordering::Relaxed);
        out.push(Record {
            id: id as BucketId,
            stack: b.frames[..depth]
                .iter()
                .map(|f| f.load(Ordering::Relaxed))
                .collect(),
            size: b.size.load(Ordering::Relaxed),
            counts: Counts {
                alloc_objects: b.alloc_objects.load(Ordering::Relaxed),
                alloc_bytes: b.alloc_bytes.load(Ordering::Relaxed),
                free_objects,
                free_bytes,
            },
        });
    }
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
