//! Stack capture for the allocator hook, through the heap profile's own
//! [`CurrentThreadUnwinder`] (built at the process's first allocation while sampling is on, else
//! by its first sample, with the hook's guard held, so its memory is not profiled; never
//! allocating afterwards). Samples taken by other threads while it is built, or while every
//! scratch slot is busy, are recorded without a stack and counted.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::unwind::{CurrentThreadUnwinder, WalkBuffer};

/// Captures that may run at once (one scratch slot each: a framehop cache, a 128 KiB copy
/// buffer the in-place walk leaves unused, a 256 KiB run stack and a 49 KiB walk history).
const CONCURRENCY: usize = 4;

/// Frames of callers of the unwinder's capture to leave out: the return into [`capture`].
const CALLER_FRAMES: usize = 1;

static UNWINDER: CurrentThreadUnwinder = CurrentThreadUnwinder::new(|| CONCURRENCY);
static MISSED: AtomicU64 = AtomicU64::new(0);

/// The return addresses of the callers of this function's caller, innermost first, at most
/// `depth`, walked into `walk`; none (counted) when no unwinder slot is free.
#[inline(never)]
pub fn capture(walk: &mut WalkBuffer, depth: usize) -> &[u64] {
    match UNWINDER.capture(CALLER_FRAMES, depth, walk) {
        Some(frames) => {
            for addr in frames.iter_mut() {
                // Lookup addresses are return addresses − 1; Go's stacks hold the return
                // addresses.
                *addr += 1;
            }
            frames
        }
        None => {
            MISSED.fetch_add(1, Ordering::Relaxed);
            &[]
        }
    }
}

/// Prepares the captures of the calling thread at its first allocation, instead of at its first
/// sample: looks its stack top up and, in the process's first thread, builds the unwinder.
/// Both allocate through the C library's `malloc` (`pthread_getattr_np` a few small blocks for
/// a moment, the unwinder its tables for good). Done at a sample, in the middle of a thread's
/// work, those blocks land at the top of the thread's arena, and from then on a block the
/// program grows there can no longer extend into the arena's free top: its reallocations split
/// free chunks or move (measured with callgrind on `vec_push`: 15% more instructions in all,
/// glibc's `_int_free` 4.6 times as many). Done first, they sit below everything the program
/// allocates, as the lookup Rust's own thread start makes does.
pub fn prepare_thread() {
    crate::unwind::stack_top();
    UNWINDER.build();
}

/// Whether the calling thread's captures are prepared (see [`prepare_thread`]).
#[cfg(test)]
pub fn prepared() -> bool {
    crate::unwind::stack_top_known() && UNWINDER.is_built()
}

/// Samples recorded without a stack (unwinder busy or not yet built).
pub fn missed() -> u64 {
    MISSED.load(Ordering::Relaxed)
}
