//! Stack capture for the allocator hook, through the agent's unwinder (framehop over `.eh_frame`,
//! so it works without frame pointers), walking the calling thread's own stack in place.
//!
//! The unwinder is built once, by the first sample of the process, with the hook's guard held
//! (its memory is not profiled). Building reads the loaded objects' unwind tables
//! (`dl_iterate_phdr`, which takes the loader's lock once); samples taken by other threads while
//! it is built, or while every scratch slot is busy, are recorded without a stack and counted.
//! Objects loaded later unwind by frame pointers (framehop's fallback).

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

use crate::unwind::Unwinder;

/// Captures that may run at once (one scratch slot each: a framehop cache, a 128 KiB copy
/// buffer the in-place walk leaves unused, and a 256 KiB run stack).
const CONCURRENCY: usize = 4;

/// Frames of the capture itself at the start of every walk: the unwinder's own program counter
/// and the return into [`capture`].
const OWN_FRAMES: usize = 2;

static UNWINDER: AtomicPtr<Unwinder> = AtomicPtr::new(std::ptr::null_mut());
static BUILDING: AtomicBool = AtomicBool::new(false);
static MISSED: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The current thread's stack top (highest address), 0 while unknown, `usize::MAX` when it
    /// cannot be found (then nothing is captured).
    static STACK_TOP: Cell<usize> = const { Cell::new(0) };
}

/// The top of the current thread's stack from `pthread_getattr_np`. glibc allocates through its
/// own `malloc` here (never through the Rust global allocator) and, for the main thread, reads
/// `/proc/self/maps` once; the result is cached per thread.
pub(crate) fn stack_top() -> usize {
    let cached = STACK_TOP.try_with(Cell::get).unwrap_or(usize::MAX);
    if cached != 0 {
        return cached;
    }
    // SAFETY: `attr` is initialised by pthread_getattr_np before it is read and destroyed once;
    // `addr` and `size` are plain out-parameters.
    let top = unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) == 0 {
            let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
            libc::pthread_attr_destroy(&mut attr);
            if ok {
                addr as usize + size
            } else {
                usize::MAX
            }
        } else {
            usize::MAX
        }
    };
    let _ = STACK_TOP.try_with(|c| c.set(top));
    top
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
    let unwinder: &'static Unwinder = Box::leak(Box::new(Unwinder::new(CONCURRENCY)));
    UNWINDER.store((unwinder as *const Unwinder).cast_mut(), Ordering::Release);
    Some(unwinder)
}

/// Writes the return addresses of the callers of this function's caller into `buf`, innermost
/// first, and returns how many were written; 0 (counted) when no unwinder slot is free.
#[inline(never)]
pub fn capture(buf: &mut [u64]) -> usize {
    let top = stack_top();
    let mut lookup = [0u64; super::MAX_DEPTH + OWN_FRAMES];
    let want = (buf.len() + OWN_FRAMES).min(lookup.len());
    let walked = match unwinder() {
        Some(u) if top != usize::MAX => u.capture_current(top as u64, &mut lookup[..want]).ok(),
        _ => None,
    };
    let Some(n) = walked else {
        MISSED.fetch_add(1, Ordering::Relaxed);
        return 0;
    };
    let frames = &lookup[OWN_FRAMES.min(n)..n];
    for (out, &addr) in buf.iter_mut().zip(frames) {
        // Lookup addresses are return addresses − 1; Go's stacks hold the return addresses.
        *out = addr + 1;
    }
    frames.len().min(buf.len())
}

/// Samples recorded without a stack (unwinder busy or not yet built).
pub fn missed() -> u64 {
    MISSED.load(Ordering::Relaxed)
}
