//! Stack capture for the allocator hook, through the heap profile's own
//! [`CurrentThreadUnwinder`] (built by the first sample of the process, with the hook's guard
//! held, so its memory is not profiled; never allocating afterwards). Samples taken by other
//! threads while it is built, or while every scratch slot is busy, are recorded without a stack
//! and counted.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::unwind::CurrentThreadUnwinder;

/// Captures that may run at once (one scratch slot each: a framehop cache, a 128 KiB copy
/// buffer the in-place walk leaves unused, and a 256 KiB run stack).
const CONCURRENCY: usize = 4;

/// Frames of callers of the unwinder's capture to leave out: the return into [`capture`].
const CALLER_FRAMES: usize = 1;

static UNWINDER: CurrentThreadUnwinder = CurrentThreadUnwinder::new(|| CONCURRENCY);
static MISSED: AtomicU64 = AtomicU64::new(0);

/// Writes the return addresses of the callers of this function's caller into `buf`, innermost
/// first, and returns how many were written; 0 (counted) when no unwinder slot is free.
#[inline(never)]
pub fn capture(buf: &mut [u64]) -> usize {
    let Some(n) = UNWINDER.capture(CALLER_FRAMES, buf) else {
        MISSED.fetch_add(1, Ordering::Relaxed);
        return 0;
    };
    for addr in &mut buf[..n] {
        // Lookup addresses are return addresses − 1; Go's stacks hold the return addresses.
        *addr += 1;
    }
    n
}

/// Looks the calling thread's stack top up now, for its captures to come. glibc's
/// `pthread_getattr_np` allocates and frees a few small blocks through its own `malloc`; done at
/// a thread's first sample, in the middle of its work, those blocks stay in the thread's cache
/// at the top of its arena, and from then on a block the program grows there can no longer
/// extend into the arena's free top: its reallocations split free chunks or move. Done at the
/// thread's first allocation, the blocks sit below everything the thread allocates, as they do
/// for the lookup Rust's own thread start makes.
pub fn prepare_thread() {
    crate::unwind::stack_top();
}

/// Samples recorded without a stack (unwinder busy or not yet built).
pub fn missed() -> u64 {
    MISSED.load(Ordering::Relaxed)
}
