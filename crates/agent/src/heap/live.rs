//! Which blocks are sampled, so that their frees reach their bucket (Go marks them with a span
//! "special"; a wrapped allocator has nowhere to put a mark, so the addresses are kept here).
//!
//! Static tables, never allocated through the global allocator: open-addressing maps from block
//! address to bucket, and a counting filter that every free consults first, so that a free of an
//! unsampled block (nearly all of them) reads one byte of a 256 KiB array and nothing else.
//! Lock-free; a full neighbourhood drops the entry and counts it (that block's free is then lost,
//! which the profile's comments and the statistics report).
//!
//! The map has two tiers. Entries go to a near table of 64 KiB while its neighbourhood of the
//! address has room, else to a far table of 4 MiB, searched only while it holds entries. At the
//! default rate a process has one live sample per 512 KiB of live heap, so the near table holds
//! them all below about a gigabyte; an insert or a lookup then touches one of its 16 pages. In
//! one table of 4 MiB each went to a random page of a thousand and waited for the address
//! translation as well as the memory: half of a sample's own time in `benches/alloc`'s
//! `mixed_sizes`, where the workload's data pushes both out of the caches.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};

use super::buckets::BucketId;

/// Slots of the near table: 2^12 of 16 bytes (64 KiB).
const NEAR_SLOTS: usize = 1 << 12;

/// Slots of the far table: 2^18 of 16 bytes (4 MiB of address space, touched only by the
/// entries the near table had no room for). Both together track at most 266,240 live sampled
/// blocks: 130 GiB of live heap at the default rate.
const FAR_SLOTS: usize = 1 << 18;

/// Counting-filter cells: 256 KiB. A free of an unsampled block goes to the table when its cell
/// is shared with a live sampled block's: with N live samples (one per 512 KiB of live heap at
/// the default rate) about N / 262,144 of all frees, 3% with 4 GiB live. (A filter of 64 KiB
/// sent four times as many, and with gigabytes live its lookups were most of the profiler's
/// cost; neighbouring blocks share cache lines of the filter, so a small heap reads no more of
/// it than before.)
const FILTER: usize = 1 << 18;

/// Slots probed before an insert gives up on a table or a lookup stops.
const MAX_PROBE: usize = 32;

const EMPTY: usize = 0;
/// A removed entry; inserts reuse it, lookups pass over it. No allocation lives at address 1.
const TOMBSTONE: usize = 1;
/// A filter cell this full stays full: it can no longer tell how many entries it covers.
const SATURATED: u8 = u8::MAX;

struct Slot {
    addr: AtomicUsize,
    bucket: AtomicU32,
}

#[allow(clippy::declare_interior_mutable_const)] // the array initialiser of the static tables
const EMPTY_SLOT: Slot = Slot {
    addr: AtomicUsize::new(EMPTY),
    bucket: AtomicU32::new(0),
};

static NEAR: [Slot; NEAR_SLOTS] = [EMPTY_SLOT; NEAR_SLOTS];
static FAR: [Slot; FAR_SLOTS] = [EMPTY_SLOT; FAR_SLOTS];
/// Entries in [`FAR`]: while 0, lookups stop at the near table.
static FAR_ENTRIES: AtomicUsize = AtomicUsize::new(0);
/// Whether every page of [`NEAR`] was written (by the first insert): its probes then read
/// slots with plain loads instead of compare-and-swaps (see [`first_touch_read`]), which matters
/// when it is full and a lookup passes over many slots (a heap of gigabytes).
static NEAR_WRITTEN: AtomicBool = AtomicBool::new(false);
static COVER: [AtomicU8; FILTER] = [const { AtomicU8::new(0) }; FILTER];
static DROPPED: AtomicU64 = AtomicU64::new(0);

fn mix(addr: usize) -> u64 {
    (addr as u64 ^ (addr as u64 >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd)
}

/// The first slot to probe for the address hashed to `h` in a table of `len` slots (a power of
/// two).
fn slot_of(h: u64, len: usize) -> usize {
    (h >> 20) as usize & (len - 1)
}

/// The filter cell of the block at `addr`: address bits 4 to 19 (blocks are 16-byte aligned)
/// folded with bits 20 to 35, two shifts and an exclusive or. Blocks that share a cell only
/// cost their frees a table lookup, but with bits 4 to 19 alone every block shared one with the
/// blocks at the same place in other threads' heaps: glibc gives each thread an arena aligned to
/// 64 MiB (jemalloc's extents are aligned too), so threads running the same code put their
/// blocks at the same offsets, and a block sampled on one thread sent the frees of its twins on
/// the others to the table (`benches/alloc`'s `vec_push`: five times the table lookups). The
/// fold keeps neighbouring blocks in neighbouring cells, so frees close in memory read few cache
/// lines of the filter.
fn cell_of(addr: usize) -> &'static AtomicU8 {
    &COVER[((addr >> 4) ^ (addr >> 20)) % FILTER]
}

/// Remembers that the block at `addr` was sampled into `bucket`. Returns false (and counts) when
/// neither table had a free slot near the address.
pub fn insert(addr: usize, bucket: BucketId) -> bool {
    write_near_pages();
    let h = mix(addr);
    let kept = if insert_into(&NEAR, h, addr, bucket) {
        true
    } else {
        // Counted before the entry exists: a lookup that finds the count 0 cannot miss it.
        FAR_ENTRIES.fetch_add(1, Ordering::AcqRel);
        let kept = insert_into(&FAR, h, addr, bucket);
        if !kept {
            FAR_ENTRIES.fetch_sub(1, Ordering::AcqRel);
        }
        kept
    };
    if !kept {
        DROPPED.fetch_add(1, Ordering::Relaxed);
        return false;
    }
    // The counter goes up after the entry exists; the free of this block happens after this
    // function returns, so it sees both.
    let _ = cell_of(addr).fetch_update(Ordering::Release, Ordering::Relaxed, |c| {
        (c != SATURATED).then_some(c + 1)
    });
    true
}

/// Writes every page of [`NEAR`] once (16 pages: a compare-and-swap that changes nothing on a
/// slot of each) and records it in [`NEAR_WRITTEN`].
fn write_near_pages() {
    if NEAR_WRITTEN.load(Ordering::Acquire) {
        return;
    }
    // A slot every 4 KiB from the first, and the last: one in every page the table spans.
    let per_page = 4096 / std::mem::size_of::<Slot>();
    for i in (0..NEAR_SLOTS).step_by(per_page).chain([NEAR_SLOTS - 1]) {
        first_touch_read(&NEAR[i].addr);
    }
    NEAR_WRITTEN.store(true, Ordering::Release);
}

/// Puts the entry into a free slot of `table` near the address hashed to `h`, if there is one.
fn insert_into(table: &[Slot], h: u64, addr: usize, bucket: BucketId) -> bool {
    let mut i = slot_of(h, table.len());
    for _ in 0..MAX_PROBE {
        let slot = &table[i];
        let won =
            match slot
                .addr
                .compare_exchange(EMPTY, addr, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => true,
                Err(TOMBSTONE) => slot
                    .addr
                    .compare_exchange(TOMBSTONE, addr, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok(),
                Err(_) => false,
            };
        if won {
            slot.bucket.store(bucket, Ordering::Relaxed);
            return true;
        }
        i = (i + 1) & (table.len() - 1);
    }
    false
}

/// Reads `cell` with a compare-and-swap that never changes it: a write access, like every other
/// first touch of a table page. A plain read of a page never written maps the kernel's shared
/// zero page, and the first write after that is a copy-on-write fault that flushes the TLB of
/// every CPU running the process (measured at tens of microseconds per page in a VM, once per
/// page); a write first gets a fresh page at once.
fn first_touch_read(cell: &AtomicUsize) -> usize {
    match cell.compare_exchange(EMPTY, EMPTY, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(v) | Err(v) => v,
    }
}

/// Whether the block at `addr` may be tracked: false for nearly every unsampled block (its
/// filter cell is zero), one byte read.
#[inline(always)]
pub fn may_hold(addr: usize) -> bool {
    cell_of(addr).load(Ordering::Acquire) != 0
}

/// Forgets the block at `addr` and returns its bucket, if it was sampled. Called before the block
/// goes back to the wrapped allocator, so that no other thread can have reused the address.
#[inline]
pub fn remove(addr: usize) -> Option<BucketId> {
    if !may_hold(addr) {
        return None;
    }
    remove_tracked(addr)
}

/// The table lookups behind [`remove`], for the few frees the filter lets through.
#[cold]
#[inline(never)]
fn remove_tracked(addr: usize) -> Option<BucketId> {
    let h = mix(addr);
    let near_written = NEAR_WRITTEN.load(Ordering::Acquire);
    let bucket = remove_from(&NEAR, near_written, h, addr).or_else(|| {
        if FAR_ENTRIES.load(Ordering::Acquire) == 0 {
            return None;
        }
        let bucket = remove_from(&FAR, false, h, addr)?;
        FAR_ENTRIES.fetch_sub(1, Ordering::AcqRel);
        Some(bucket)
    })?;
    let _ = cell_of(addr).fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| {
        (c != SATURATED).then(|| c - 1)
    });
    Some(bucket)
}

/// Takes the entry of `addr` (hashed to `h`) out of `table` and returns its bucket, if it is
/// there. Slots are read with plain loads if every page of `table` was `written`, else with
/// [`first_touch_read`].
fn remove_from(table: &[Slot], written: bool, h: u64, addr: usize) -> Option<BucketId> {
    let mut i = slot_of(h, table.len());
    for _ in 0..MAX_PROBE {
        let slot = &table[i];
        let read = if written {
            slot.addr.load(Ordering::Relaxed)
        } else {
            first_touch_read(&slot.addr)
        };
        match read {
            EMPTY => return None,
            a if a == addr => {
                let bucket = slot.bucket.load(Ordering::Relaxed);
                slot.addr.store(TOMBSTONE, Ordering::Relaxed);
                return Some(bucket);
            }
            _ => i = (i + 1) & (table.len() - 1),
        }
    }
    None
}

/// Address space of the tables and the filter.
pub fn reserved_bytes() -> usize {
    std::mem::size_of_val(&NEAR) + std::mem::size_of_val(&FAR) + std::mem::size_of_val(&COVER)
}

/// Sampled blocks whose address could not be kept (their frees will be missed).
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_then_remove_once() {
        let addrs: Vec<usize> = (0..1000).map(|i| 0x7f00_0000_0000 + i * 48).collect();
        for (n, &a) in addrs.iter().enumerate() {
            assert!(insert(a, n as BucketId));
        }
        for (n, &a) in addrs.iter().enumerate().rev() {
            assert_eq!(remove(a), Some(n as BucketId));
            assert_eq!(remove(a), None, "a block is forgotten once freed");
        }
        assert_eq!(remove(0x7f00_0000_0008), None);
    }

    #[test]
    fn entries_beyond_the_near_table_are_found_in_the_far_one() {
        let addrs: Vec<usize> = (0..NEAR_SLOTS + 4000)
            .map(|i| 0x6600_0000_0000 + i * 32)
            .collect();
        for (n, &a) in addrs.iter().enumerate() {
            assert!(insert(a, n as BucketId), "entry {n} dropped");
        }
        assert!(
            FAR_ENTRIES.load(Ordering::Acquire) >= 4000,
            "the near table cannot hold them all"
        );
        for (n, &a) in addrs.iter().enumerate() {
            assert_eq!(remove(a), Some(n as BucketId), "entry {n}");
            assert_eq!(remove(a), None, "a block is forgotten once freed");
        }
    }

    #[test]
    fn blocks_at_one_offset_of_other_heaps_have_cells_of_their_own() {
        let offset = 0x1_2340;
        for align in [64 << 20, 2 << 20, 1 << 20] {
            let cells: std::collections::HashSet<*const AtomicU8> = (0..8)
                .map(|heap| std::ptr::from_ref(cell_of(0x7f00_0000_0000 + heap * align + offset)))
                .collect();
            assert_eq!(cells.len(), 8, "heaps aligned to {align} bytes");
        }
    }

    #[test]
    fn tombstones_are_reused() {
        for round in 0..(FAR_SLOTS * 2) {
            let a = 0x5500_0000_0000 + (round % 7) * 16;
            assert!(insert(a, 1));
            assert_eq!(remove(a), Some(1));
        }
        assert_eq!(dropped(), 0);
    }
}
