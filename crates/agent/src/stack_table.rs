//! [`StackTable`]: a bounded table of stacks, one slot per key (a stack and a tag) holding
//! counters updated in place, as Go's `mprof.go` buckets are. The heap profile keeps its
//! buckets in one (the tag is the block size), the contention profiles their records.
//!
//! A table is a fixed array meant for a `static` (zeroed, so it costs address space, not
//! memory, until used): it is never allocated, so it can serve the allocator hook, and it is
//! bounded. Insertion is lock-free open addressing: a thread that meets a slot being filled by
//! another passes over it, so two slots may share a key (readers merge them). When no slot is
//! free within [`MAX_PROBE`] of the key's hash the event is dropped and counted.
//!
//! Pages of the table are first touched by writes: a slot's first probe is a
//! compare-and-swap, and readers visit only the slots filled (kept in a list of their own). A
//! plain read of a page never written maps the kernel's shared zero page, and the first write
//! after it is a copy-on-write fault that flushes the TLB of every CPU running the process
//! (measured at 5–25 µs a page in a 2-vCPU VM, where it made heap samples cost up to 25 µs on
//! average); a write first gets a fresh page at once. Later probes of a slot read it: a slot
//! found again and again (the same stack sampled on every thread) then stays in every core's
//! cache instead of moving to the core of each compare-and-swap.
//!
//! For the same reason a slot's counters are kept [`COUNTER_SHARDS`] times, each in a cache
//! line of its own: a thread updates the copy of its own index, and readers add them up. One
//! copy, updated by every thread sampling a common stack, moved between cores at nearly every
//! sample (`benches/alloc`'s `mixed_sizes`: a tenth of the samples' time).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use crate::thread_ordinal::thread_ordinal;

/// The deepest stack recorded, in frames. Go keeps 32 (`maxStack`); Rust stacks carry more
/// generic, closure and allocator frames, hence twice that.
pub const MAX_DEPTH: usize = 64;

/// Slots tried before an event is dropped: keeps the worst case short when the table fills.
const MAX_PROBE: usize = 64;

const EMPTY: u32 = 0;
const WRITING: u32 = 1;
const READY: u32 = 2;

/// Copies of each slot's counters: threads update the copy [`shard`] gives them.
pub(crate) const COUNTER_SHARDS: usize = 4;

/// The counters of a slot: atomics updated in place.
pub(crate) trait Counters: Sync {
    /// The counters of an empty slot (all zero).
    const ZERO: Self;
}

/// One copy of a slot's counters, alone in its cache line.
#[repr(C, align(64))]
struct Line<C>(C);

/// One slot. The key (`depth`, `frames`, `tag`) and its `hash` are written once, before
/// `state` becomes `READY`; they and the state share no cache line with the counters.
#[repr(C)]
struct Slot<C> {
    state: AtomicU32,
    depth: AtomicU32,
    hash: AtomicU64,
    tag: AtomicU64,
    frames: [AtomicU64; MAX_DEPTH],
    counters: [Line<C>; COUNTER_SHARDS],
}

/// The calling thread's copy of the counters.
fn shard() -> usize {
    thread_ordinal() % COUNTER_SHARDS
}

/// An index into a table, stable for the life of the process.
pub(crate) type SlotId = u32;

/// `SLOTS` slots of counters `C` and the count of events dropped.
pub(crate) struct StackTable<C, const SLOTS: usize> {
    slots: [Slot<C>; SLOTS],
    /// Whether a slot was probed before: its state's page has been written, so a plain read of
    /// it is safe (see the module's note on first touches). The flags' own pages (one per 4,096
    /// slots) take that copy-on-write fault once each.
    probed: [AtomicBool; SLOTS],
    /// The slots filled so far, in the order they were filled, as slot + 1 (0 while the entry
    /// is being written): readers visit these slots only.
    filled: [AtomicU32; SLOTS],
    /// Entries of `filled` taken.
    filled_len: AtomicUsize,
    dropped: AtomicU64,
}

/// A filled slot, as [`StackTable::filled`] reads it.
pub(crate) struct Filled<'a, C> {
    id: SlotId,
    slot: &'a Slot<C>,
}

fn hash(stack: &[u64], tag: u64) -> u64 {
    // FxHash-style multiply-rotate: cheap, and good enough to spread return addresses.
    let mut h = tag.wrapping_mul(0x517c_c1b7_2722_0a95);
    for &pc in stack {
        h = (h.rotate_left(5) ^ pc).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h ^ (h >> 29)
}

impl<C> Slot<C> {
    fn matches(&self, h: u64, stack: &[u64], tag: u64) -> bool {
        self.hash.load(Ordering::Relaxed) == h
            && self.tag.load(Ordering::Relaxed) == tag
            && self.depth.load(Ordering::Relaxed) as usize == stack.len()
            && stack
                .iter()
                .zip(&self.frames)
                .all(|(&pc, f)| f.load(Ordering::Relaxed) == pc)
    }

    fn fill(&self, h: u64, stack: &[u64], tag: u64) {
        self.hash.store(h, Ordering::Relaxed);
        self.tag.store(tag, Ordering::Relaxed);
        self.depth.store(stack.len() as u32, Ordering::Relaxed);
        for (f, &pc) in self.frames.iter().zip(stack) {
            f.store(pc, Ordering::Relaxed);
        }
        self.state.store(READY, Ordering::Release);
    }
}

impl<C: Counters, const SLOTS: usize> StackTable<C, SLOTS> {
    /// An empty table.
    pub(crate) const fn new() -> Self {
        StackTable {
            slots: [const {
                Slot {
                    state: AtomicU32::new(EMPTY),
                    depth: AtomicU32::new(0),
                    hash: AtomicU64::new(0),
                    tag: AtomicU64::new(0),
                    frames: [const { AtomicU64::new(0) }; MAX_DEPTH],
                    counters: [const { Line(C::ZERO) }; COUNTER_SHARDS],
                }
            }; SLOTS],
            probed: [const { AtomicBool::new(false) }; SLOTS],
            filled: [const { AtomicU32::new(0) }; SLOTS],
            filled_len: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    /// The slot of (`stack` cut to [`MAX_DEPTH`], `tag`), filled if new; `None` (counted as
    /// dropped) when no slot is free near the key's hash. Never blocks and never allocates.
    pub(crate) fn find_or_insert(&self, stack: &[u64], tag: u64) -> Option<SlotId> {
        let stack = &stack[..stack.len().min(MAX_DEPTH)];
        let h = hash(stack, tag);
        let mut i = h as usize % SLOTS;
        for _ in 0..MAX_PROBE {
            let s = &self.slots[i];
            let probed = self.probed[i].load(Ordering::Relaxed);
            // A slot never probed is taken or read by a compare-and-swap, not a load: see the
            // module's note on first touches.
            let mut state = if probed {
                s.state.load(Ordering::Acquire)
            } else {
                EMPTY
            };
            if state == EMPTY {
                let taken =
                    s.state
                        .compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Acquire);
                if !probed {
                    self.probed[i].store(true, Ordering::Relaxed);
                }
                match taken {
                    Ok(_) => {
                        s.fill(h, stack, tag);
                        // Each slot is filled once, so the list never overflows.
                        let entry = self.filled_len.fetch_add(1, Ordering::Relaxed);
                        self.filled[entry].store(i as u32 + 1, Ordering::Release);
                        return Some(i as SlotId);
                    }
                    Err(now) => state = now,
                }
            }
            if state == READY && s.matches(h, stack, tag) {
                return Some(i as SlotId);
            }
            i = (i + 1) % SLOTS;
        }
        self.drop_event();
        None
    }

    /// The calling thread's copy of the counters of slot `id` (from
    /// [`StackTable::find_or_insert`]).
    pub(crate) fn counters(&self, id: SlotId) -> &C {
        &self.slots[id as usize].counters[shard()].0
    }

    /// Counts an event that could not be recorded.
    pub(crate) fn drop_event(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Events dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The filled slots, in the order they were filled (ids are stable; sort on
    /// [`Filled::id`] for slot order). Never allocates.
    pub(crate) fn filled(&self) -> impl Iterator<Item = Filled<'_, C>> {
        let len = self.filled_len.load(Ordering::Acquire).min(SLOTS);
        self.filled[..len].iter().filter_map(|entry| {
            let id = (entry.load(Ordering::Acquire) as usize).checked_sub(1)?;
            let slot = &self.slots[id];
            (slot.state.load(Ordering::Acquire) == READY).then_some(Filled {
                id: id as SlotId,
                slot,
            })
        })
    }
}

impl<'a, C> Filled<'a, C> {
    /// The slot's id, as [`StackTable::find_or_insert`] returned it.
    pub(crate) fn id(&self) -> SlotId {
        self.id
    }

    /// The slot's tag.
    pub(crate) fn tag(&self) -> u64 {
        self.slot.tag.load(Ordering::Relaxed)
    }

    /// The slot's stack.
    pub(crate) fn stack(&self) -> Vec<u64> {
        let depth = self.slot.depth.load(Ordering::Relaxed) as usize;
        self.slot.frames[..depth]
            .iter()
            .map(|f| f.load(Ordering::Relaxed))
            .collect()
    }

    /// Every copy of the slot's counters (their sum is the slot's count).
    pub(crate) fn counters(&self) -> impl Iterator<Item = &'a C> {
        self.slot.counters.iter().map(|line| &line.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Hits(AtomicU64);

    impl Counters for Hits {
        #[allow(clippy::declare_interior_mutable_const)] // the initialiser of every slot
        const ZERO: Hits = Hits(AtomicU64::new(0));
    }

    #[test]
    fn one_slot_per_key_and_a_full_table_drops() {
        static T: StackTable<Hits, 64> = StackTable::new();
        let a = T.find_or_insert(&[1, 2, 3], 0).unwrap();
        assert_eq!(T.find_or_insert(&[1, 2, 3], 0), Some(a));
        let b = T.find_or_insert(&[1, 2, 3], 48).unwrap();
        assert_ne!(a, b, "the tag is part of the key");
        let deep: Vec<u64> = (0..MAX_DEPTH as u64 + 5).collect();
        let c = T.find_or_insert(&deep, 0).unwrap();
        assert_eq!(T.find_or_insert(&deep[..MAX_DEPTH], 0), Some(c));
        T.counters(a).0.fetch_add(2, Ordering::Relaxed);
        let filled: Vec<_> = T.filled().map(|f| f.stack()).collect();
        assert_eq!(filled.len(), 3);
        assert!(filled.contains(&deep[..MAX_DEPTH].to_vec()));
        let hits = T
            .filled()
            .flat_map(|f| f.counters())
            .map(|c| c.0.load(Ordering::Relaxed));
        assert_eq!(hits.sum::<u64>(), 2);
        // Every copy of the counters is read: add to each another amount.
        for (k, line) in T.slots[a as usize].counters.iter().enumerate() {
            line.0 .0.fetch_add(10 << k, Ordering::Relaxed);
        }
        let of_a = |t: &StackTable<Hits, 64>| {
            t.filled()
                .find(|f| f.id() == a)
                .unwrap()
                .counters()
                .map(|c| c.0.load(Ordering::Relaxed))
                .sum::<u64>()
        };
        assert_eq!(of_a(&T), 2 + 10 + 20 + 40 + 80);
        for i in 0..64 {
            T.find_or_insert(&[100 + i], 0);
        }
        // Every key is either in a slot or counted as dropped.
        assert_eq!(T.filled().count() as u64 + T.dropped(), 3 + 64);
        assert_eq!(T.filled().count(), 64);
    }
}
