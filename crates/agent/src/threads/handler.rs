//! The thread-dump signal handler and the request it answers.
//!
//! # Design constraints
//! As for the CPU handler: no allocation, no lock, errno saved; the request is published
//! through one atomic pointer and freed only when no handler holds it. A thread answers only
//! for its own slot (index in `si_value`, checked against `gettid`), and only once: a slot the
//! requester abandoned after its deadline is never written.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicUsize, Ordering};

use crate::signals::ErrnoGuard;
use crate::unwind::Unwinder;

/// Frames kept per thread (Go's tracebacks print up to 100; pprof records keep 32).
pub(crate) const DUMP_DEPTH: usize = 64;

pub(crate) const PENDING: u8 = 0;
const WRITING: u8 = 1;
pub(crate) const DONE: u8 = 2;
pub(crate) const ABANDONED: u8 = 3;

/// One thread's answer.
pub(crate) struct Slot {
    pub tid: libc::pid_t,
    pub state: AtomicU8,
    pub frames: UnsafeCell<[u64; DUMP_DEPTH]>,
    pub depth: UnsafeCell<usize>,
    pub labels: UnsafeCell<usize>,
}

/// A dump in progress.
pub(crate) struct Request {
    pub slots: Box<[Slot]>,
    pub unwinder: std::sync::Arc<Unwinder>,
}

// SAFETY: a slot's cells are written only by the thread that moved it PENDING → WRITING and
// read by the requester only after it observed DONE (Acquire).
unsafe impl Sync for Request {}

static REQUEST: AtomicPtr<Request> = AtomicPtr::new(std::ptr::null_mut());
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Makes `request` visible to handlers.
pub(crate) fn publish(request: Box<Request>) -> *const Request {
    let p = Box::into_raw(request);
    REQUEST.store(p, Ordering::SeqCst);
    p
}

/// Hides the request and returns it once no handler uses it.
pub(crate) fn retract() -> Option<Box<Request>> {
    let p = REQUEST.swap(std::ptr::null_mut(), Ordering::SeqCst);
    if p.is_null() {
        return None;
    }
    while IN_FLIGHT.load(Ordering::SeqCst) != 0 {
        std::thread::yield_now();
    }
    // SAFETY: `p` came from `publish`, is no longer visible, and no handler holds it.
    Some(unsafe { Box::from_raw(p) })
}

/// In a forked child: forget the request of a dump that was running in the parent.
pub(crate) fn forget() {
    REQUEST.store(std::ptr::null_mut(), Ordering::SeqCst);
    IN_FLIGHT.store(0, Ordering::SeqCst);
}

/// The dump signal's handler.
pub(crate) extern "C" fn on_dump_signal(
    _signal: libc::c_int,
    info: *mut libc::siginfo_t,
    ucontext: *mut libc::c_void,
) {
    let _errno = ErrnoGuard::save();
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let (code, pid, index) = unsafe {
        (
            (*info).si_code,
            (*info).si_pid(),
            (*info).si_value().sival_ptr as usize,
        )
    };
    // SAFETY: getpid has no preconditions.
    if code != libc::SI_QUEUE || pid != unsafe { libc::getpid() } {
        return;
    }
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    let p = REQUEST.load(Ordering::SeqCst);
    if !p.is_null() {
        // SAFETY: the request stays alive while IN_FLIGHT counts this handler.
        let request = unsafe { &*p };
        // SAFETY: `ucontext` is the kernel's context for this handler.
        unsafe { answer(request, index, ucontext) };
    }
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
}

/// Fills slot `index` if it belongs to the calling thread and is still pending.
///
/// # Safety
/// `ucontext` must be the kernel's context for the running handler.
unsafe fn answer(request: &Request, index: usize, ucontext: *mut libc::c_void) {
    let Some(slot) = request.slots.get(index) else {
        return;
    };
    // SAFETY: gettid has no preconditions.
    if slot.tid != unsafe { libc::gettid() } {
        return;
    }
    if slot
        .state
        .compare_exchange(PENDING, WRITING, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return;
    }
    // SAFETY: the compare-and-swap gave this thread the slot's cells.
    let (frames, depth, labels) = unsafe {
        (
            &mut *slot.frames.get(),
            &mut *slot.depth.get(),
            &mut *slot.labels.get(),
        )
    };
    // SAFETY: forwarded from the caller.
    *depth = unsafe { request.unwinder.capture(ucontext, frames) }.unwrap_or(0);
    *labels = crate::labels::current_word();
    slot.state.store(DONE, Ordering::Release);
}
