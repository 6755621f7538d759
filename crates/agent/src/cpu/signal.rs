//! The `SIGPROF` handler and the sampler state it reads.
//!
//! # Design constraints
//! The handler allocates nothing, takes no lock and calls only `process_vm_readv` (through the
//! unwinder); errno is saved and restored. The state it uses is published through one atomic
//! pointer; handlers in flight are counted, so the state is freed only after the pointer is
//! cleared and no handler still holds it.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use super::buffer::RecordBuffer;
use crate::signals::ErrnoGuard;
use std::sync::Arc;

use crate::unwind::Unwinder;

/// What the handler needs, built before the first signal.
pub(crate) struct Sampler {
    /// Captured stacks waiting to be drained.
    pub buffer: RecordBuffer,
    /// Stack capture.
    pub unwinder: Arc<Unwinder>,
    /// Frames kept per sample (≤ `buffer::MAX_DEPTH`).
    pub depth: usize,
    /// The `si_value` our timers carry; other SIGPROF sources are ignored.
    pub cookie: usize,
    /// Samples lost because every scratch buffer was busy.
    pub busy: AtomicUsize,
}

static SAMPLER: AtomicPtr<Sampler> = AtomicPtr::new(std::ptr::null_mut());
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// SIGPROF signals that did not come from our timers (e.g. `kill -PROF`), ignored.
pub(crate) static FOREIGN: AtomicUsize = AtomicUsize::new(0);

/// Makes `sampler` visible to the handler.
pub(crate) fn publish(sampler: Box<Sampler>) {
    SAMPLER.store(Box::into_raw(sampler), Ordering::SeqCst);
}

/// Hides the sampler from the handler and returns it once no handler uses it.
pub(crate) fn retract() -> Option<Box<Sampler>> {
    let p = SAMPLER.swap(std::ptr::null_mut(), Ordering::SeqCst);
    if p.is_null() {
        return None;
    }
    while IN_FLIGHT.load(Ordering::SeqCst) != 0 {
        std::thread::yield_now();
    }
    // SAFETY: `p` came from `Box::into_raw` in `publish`, the pointer is no longer visible, and
    // no handler that loaded it is still running.
    Some(unsafe { Box::from_raw(p) })
}

/// Runs `f` on the published sampler (for draining), if any. Counts as a user, so `retract`
/// waits for it.
pub(crate) fn with_published<R>(f: impl FnOnce(&Sampler) -> R) -> Option<R> {
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    let p = SAMPLER.load(Ordering::SeqCst);
    // SAFETY: see `retract`: the sampler stays alive while IN_FLIGHT counts us.
    let r = (!p.is_null()).then(|| f(unsafe { &*p }));
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    r
}

/// Forgets the sampler without freeing it: in a forked child, whose other threads are gone.
pub(crate) fn forget() {
    SAMPLER.store(std::ptr::null_mut(), Ordering::SeqCst);
    IN_FLIGHT.store(0, Ordering::SeqCst);
}

/// The SIGPROF handler.
pub(crate) extern "C" fn on_sigprof(
    _signal: libc::c_int,
    info: *mut libc::siginfo_t,
    ucontext: *mut libc::c_void,
) {
    let _errno = ErrnoGuard::save();
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let (code, value) = unsafe { ((*info).si_code, (*info).si_value().sival_ptr as usize) };
    // SAFETY: for SI_TIMER signals the kernel fills the timer fields, overrun included.
    let overrun = unsafe { (*info).si_overrun() }.max(0) as u64;
    if code != libc::SI_TIMER {
        FOREIGN.fetch_add(1, Ordering::Relaxed);
        return;
    }
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    let p = SAMPLER.load(Ordering::SeqCst);
    if p.is_null() {
        FOREIGN.fetch_add(1, Ordering::Relaxed);
    } else {
        // SAFETY: the sampler stays alive while IN_FLIGHT counts this handler (see `retract`).
        let sampler = unsafe { &*p };
        if sampler.cookie == value {
            // SAFETY: `ucontext` is the kernel's context for this handler.
            unsafe { sampler.sample(ucontext, 1 + overrun) };
        } else {
            FOREIGN.fetch_add(1, Ordering::Relaxed);
        }
    }
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
}

impl Sampler {
    /// Records the interrupted stack and the thread's labels.
    ///
    /// # Safety
    /// `ucontext` must be the kernel's context for the running signal handler.
    unsafe fn sample(&self, ucontext: *mut libc::c_void, weight: u64) {
        let labels = crate::labels::current_word();
        self.buffer.push(|record| {
            // SAFETY: forwarded from the caller.
            match unsafe {
                self.unwinder
                    .capture(ucontext, &mut record.frames[..self.depth])
            } {
                Ok(n) => {
                    record.depth = n;
                    record.labels = labels;
                    record.weight = weight;
                    n > 0
                }
                Err(_) => {
                    self.busy.fetch_add(1, Ordering::Relaxed);
                    false
                }
            }
        });
    }
}
