//! Stack capture for contention events, through the contention profiles' own
//! [`CurrentThreadUnwinder`] walking the calling thread's own stack in place (as the heap
//! profile does), so no frame pointers are needed. It is built by the first event of the
//! process; events that find it being built, or every scratch slot busy, are dropped and
//! counted by the caller.

use crate::stack_table::MAX_DEPTH;
use crate::unwind::{CurrentThreadUnwinder, WalkBuffer};

/// Frames of callers of the unwinder's capture to leave out: the return into [`capture`] and
/// the return into the recording function that called it (`record_mutex`, `record_block`), so
/// the stack starts at the lock operation.
const CALLER_FRAMES: usize = 2;

static UNWINDER: CurrentThreadUnwinder = CurrentThreadUnwinder::new(concurrency);

/// Captures that may run at once: threads woken together (a barrier, a notify-all, readers
/// behind a writer) record together. Each slot holds a framehop cache, a 128 KiB copy buffer
/// the in-place walk leaves unused, a 256 KiB run stack and a 49 KiB walk history, so this is
/// bounded by the CPUs.
/// Asked once, when the unwinder is built.
fn concurrency() -> usize {
    let cpus = std::thread::available_parallelism().map_or(4, |n| n.get());
    (2 * cpus).clamp(8, 64)
}

/// The stack of the recording function's caller as lookup addresses (return address − 1),
/// innermost first, walked into `walk`; none when the unwinder was busy or the thread's stack
/// is unknown.
#[inline(never)]
pub(crate) fn capture(walk: &mut WalkBuffer) -> &[u64] {
    UNWINDER
        .capture(CALLER_FRAMES, MAX_DEPTH, walk)
        .map_or(&[], |frames| frames)
}
