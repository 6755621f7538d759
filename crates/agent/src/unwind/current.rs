//! Capture of the calling thread's own stack from ordinary code (the allocator hook, lock
//! operations), through a process-wide [`Unwinder`] built on first use that walks the stack in
//! place (framehop over `.eh_frame`, so no frame pointers are needed).
//!
//! # Design constraints
//! - Never allocates once the unwinder is built: the walk runs in one of the unwinder's
//!   preallocated scratch slots, and [`stack_top`] is cached per thread.
//! - The unwinder is built by [`CurrentThreadUnwinder::build`] or else the first capture of its
//!   owner, with the heap hook's guard held
//!   ([`Unwinder::new`] runs under [`crate::heap::untracked`]), so its memory is not profiled.
//!   Building reads the loaded objects' unwind tables (`dl_iterate_phdr`, which takes the
//!   loader's lock once); objects loaded later unwind by frame pointers (framehop's fallback).
//! - Never blocks: a capture that finds the unwinder being built by another thread, or every
//!   scratch slot busy, gets `None` at once; the caller drops or counts it.
//! - Each owner (the heap profile, the contention profiles) has its own unwinder with the number
//!   of scratch slots it states, so neither takes slots from the other.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use super::Unwinder;
use crate::stack_table::MAX_DEPTH;

/// Frames of the capture itself at the start of every walk: the unwinder's own program counter
/// and the return into [`CurrentThreadUnwinder::capture`].
const OWN_FRAMES: usize = 2;

/// The most frames of its own a caller of [`CurrentThreadUnwinder::capture`] may have skipped
/// in full (a recording function and the function that captures for it).
const MAX_CALLER_FRAMES: usize = 2;

/// The most frames a capture walks: [`MAX_DEPTH`] and the frames left out.
pub(crate) const MAX_WALK: usize = MAX_DEPTH + OWN_FRAMES + MAX_CALLER_FRAMES;

/// The buffer a capture walks into: room for the longest walk, the frames left out included.
pub(crate) type WalkBuffer = [u64; MAX_WALK];

/// Stack a capture leaves below the stack pointer before it walks on the thread's own stack
/// rather than on its scratch slot's run stack: half the run stack, many times what a release
/// build's walk uses.
const IN_PLACE_ROOM: usize = super::run_stack::RUN_STACK_BYTES / 2;

thread_local! {
    /// The current thread's stack top (highest address), 0 while unknown, `usize::MAX` when it
    /// cannot be found (then nothing is captured).
    static STACK_TOP: Cell<usize> = const { Cell::new(0) };
    /// The lowest stack pointer from which a capture walks in place: [`IN_PLACE_ROOM`] above
    /// the bottom of the thread's stack (`usize::MAX` while unknown: always on the run stack).
    static IN_PLACE_FLOOR: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The lowest stack pointer from which the calling thread's captures walk on its own stack
/// (known once [`stack_top`] was looked up). Switching to a run stack costs a walk the cold
/// cache lines of that stack: half a point of `benches/alloc`'s `mixed_sizes`.
pub(crate) fn in_place_floor() -> usize {
    IN_PLACE_FLOOR.try_with(Cell::get).unwrap_or(usize::MAX)
}

/// The top of the current thread's stack from `pthread_getattr_np`. glibc allocates through its
/// own `malloc` here (never through the Rust global allocator) and, for the main thread, reads
/// `/proc/self/maps` once; the result is cached per thread, with [`in_place_floor`].
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
                let _ = IN_PLACE_FLOOR
                    .try_with(|c| c.set((addr as usize).saturating_add(IN_PLACE_ROOM)));
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

/// Whether the current thread's stack top was looked up already.
#[cfg(test)]
pub(crate) fn stack_top_known() -> bool {
    STACK_TOP.try_with(Cell::get).is_ok_and(|top| top != 0)
}

/// A process-wide unwinder for the calling thread's own stack, built by its first capture.
pub(crate) struct CurrentThreadUnwinder {
    built: AtomicPtr<Unwinder>,
    building: AtomicBool,
    /// The number of scratch slots (captures that may run at once), asked when building.
    concurrency: fn() -> usize,
}

impl CurrentThreadUnwinder {
    /// An unwinder not built yet, to be built with `concurrency()` scratch slots.
    pub(crate) const fn new(concurrency: fn() -> usize) -> CurrentThreadUnwinder {
        CurrentThreadUnwinder {
            built: AtomicPtr::new(std::ptr::null_mut()),
            building: AtomicBool::new(false),
            concurrency,
        }
    }

    /// Builds the unwinder now, if no thread has yet, instead of at the first capture.
    pub(crate) fn build(&self) {
        self.unwinder();
    }

    /// Whether the unwinder is built.
    #[cfg(test)]
    pub(crate) fn is_built(&self) -> bool {
        !self.built.load(Ordering::Acquire).is_null()
    }

    /// The unwinder, built by the first caller; `None` while another thread builds it.
    fn unwinder(&self) -> Option<&'static Unwinder> {
        let built = self.built.load(Ordering::Acquire);
        if !built.is_null() {
            // SAFETY: a published unwinder is leaked, so it lives for the rest of the process.
            return Some(unsafe { &*built });
        }
        if self.building.swap(true, Ordering::AcqRel) {
            return None;
        }
        let unwinder: &'static Unwinder =
            Box::leak(Box::new(Unwinder::with_histories((self.concurrency)())));
        self.built
            .store((unwinder as *const Unwinder).cast_mut(), Ordering::Release);
        Some(unwinder)
    }

    /// Walks the calling thread's stack into `walk` as lookup addresses (return address − 1),
    /// innermost first, and returns the part that leaves out this function's own frames and
    /// the `caller_frames` innermost frames of its callers (the function capturing, and any
    /// recording function calling that; at most [`MAX_CALLER_FRAMES`]): at most `depth`
    /// frames, and at most [`MAX_DEPTH`]. `None` when the unwinder is being built, every
    /// scratch slot is busy or the thread's stack is unknown.
    #[inline(never)]
    pub(crate) fn capture<'w>(
        &self,
        caller_frames: usize,
        depth: usize,
        walk: &'w mut WalkBuffer,
    ) -> Option<&'w mut [u64]> {
        let top = stack_top();
        let floor = in_place_floor() as u64;
        let skip = OWN_FRAMES + caller_frames;
        let want = (depth.min(MAX_DEPTH) + skip).min(MAX_WALK);
        let n = match self.unwinder() {
            Some(u) if top != usize::MAX => u
                .capture_current(top as u64, floor, &mut walk[..want])
                .ok()?,
            _ => return None,
        };
        // Cutting the frames left out after the walk also keeps the walk from being a tail
        // call, which would take this function's frame off the stack and break their count.
        Some(&mut walk[skip.min(n)..n])
    }
}
