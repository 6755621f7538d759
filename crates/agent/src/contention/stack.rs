//! Stack capture for contention events, through the agent's unwinder walking the calling
//! thread's own stack in place (as the heap profile does), so no frame pointers are needed.
//!
//! The unwinder is built by the first event of the process (it reads the loaded objects' unwind
//! tables; objects loaded later unwind by frame pointers). Events that find it being built, or
//! every scratch slot busy, are dropped and counted by the caller.

use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::OnceLock;

use crate::unwind::Unwinder;

/// Frames of the capture itself at the start of every walk: the unwinder's program counter,
/// the return into [`capture`] and the return into the recording function that called it
/// (`record_mutex`, `record_block`), so the walk starts at the lock operation.
const OWN_FRAMES: usize = 3;

static UNWINDER: AtomicPtr<Unwinder> = AtomicPtr::new(std::ptr::null_mut());
static BUILDING: AtomicBool = AtomicBool::new(false);

/// Captures that may run at once: threads woken together (a barrier, a notify-all, readers
/// behind a writer) record together. Each slot holds a framehop cache, a 128 KiB copy buffer
/// the in-place walk leaves unused and a 256 KiB run stack, so this is bounded by the CPUs.
fn concurrency() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(4, |n| n.get());
        (2 * cpus).clamp(8, 64)
    })
}

/// The process's unwinder, built by the first caller; `None` while another thread builds it.
fn unwinder() -> Option<&'static Unwinder> {
    let built = UNWINDER.load(Ordering::Acquire);
    if !built.is_null() {
        // SAFETY: a published unwinder is leaked, so it lives for the rest of the process.
        return Some(unsafe { &*built });
    }
    if BUILDING.swap(true, Ordering::AcqRel) {
        return None;
    }
    let unwinder: &'static Unwinder = Box::leak(Box::new(Unwinder::new(concurrency())));
    UNWINDER.store((unwinder as *const Unwinder).cast_mut(), Ordering::Release);
    Some(unwinder)
}

/// Writes the stack of the recording function's caller into `out` as lookup addresses
/// (return address − 1), innermost first; returns the number written, 0 when the unwinder was
/// busy or the thread's stack is unknown.
#[inline(never)]
pub(crate) fn capture(out: &mut [u64]) -> usize {
    let top = crate::heap::stack_top();
    let mut lookup = [0u64; super::MAX_DEPTH + OWN_FRAMES];
    let want = (out.len() + OWN_FRAMES).min(lookup.len());
    let walked = match unwinder() {
        Some(u) if top != usize::MAX => u.capture_current(top as u64, &mut lookup[..want]).ok(),
        _ => None,
    };
    let n = walked.unwrap_or(0);
    let frames = &lookup[OWN_FRAMES.min(n)..n];
    let len = frames.len().min(out.len());
    out[..len].copy_from_slice(&frames[..len]);
    len
}
