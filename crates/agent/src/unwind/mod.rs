//! Stack capture for signal handlers: framehop's DWARF CFI unwinder over unwind tables copied
//! before profiling starts, reading a copy of the interrupted stack.
//!
//! # Design constraints
//! - [`Unwinder::capture`] runs in a signal handler: no allocation (framehop's
//!   `MustNotAllocateDuringUnwind` policy with caches built beforehand), no lock (scratch
//!   buffers are claimed with one compare-and-swap; when all are busy the capture is dropped and
//!   counted by the caller), one system call (the stack copy, see [`stack`]).
//! - The unwinder runs on a stack of its own ([`run_stack`]), never on the interrupted
//!   thread's stack or its small signal stack.
//! - Every stack word is read from the copy, so frames are implicitly checked against the
//!   stack's bounds; depth is capped by the caller's buffer.
//! - Code built without frame pointers unwinds through `.eh_frame`; addresses outside every
//!   module fall back to framehop's frame-pointer rule, still reading only the copy.
//!
//! Ordinary code (the allocator hook, lock operations) captures its own thread's stack in place
//! through [`CurrentThreadUnwinder`] ([`current`]), whose scratch slots keep their last walk so
//! that the next takes over the outer steps whose inputs are unchanged (`history`, x86-64).

mod current;
#[cfg(target_arch = "x86_64")]
mod history;
mod modules;
mod run_stack;
mod stack;

#[cfg_attr(target_arch = "x86_64", path = "x86_64.rs")]
#[cfg_attr(target_arch = "aarch64", path = "aarch64.rs")]
mod arch;

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use framehop::Unwinder as _;

use arch::{regs_from_ucontext, ArchCache, ArchUnwinder};

use crate::thread_ordinal::thread_ordinal;
#[cfg(test)]
pub(crate) use current::stack_top_known;
pub(crate) use current::{stack_top, CurrentThreadUnwinder, WalkBuffer, MAX_WALK};

/// Working memory for one capture at a time, alone in its cache lines (threads claiming
/// neighbouring slots do not pass a line around).
#[repr(align(128))]
struct Scratch {
    busy: AtomicBool,
    stack: UnsafeCell<Box<[u8]>>,
    cache: UnsafeCell<ArchCache>,
    /// The slot's previous walk, in unwinders of the current thread's stack.
    #[cfg(target_arch = "x86_64")]
    history: UnsafeCell<Option<Box<history::History>>>,
    run_stack: run_stack::RunStack,
}

/// An unwinder for this process, built from the objects loaded when it was created.
pub(crate) struct Unwinder {
    inner: ArchUnwinder,
    scratch: Box<[Scratch]>,
}

// SAFETY: the `UnsafeCell`s in `scratch` are only accessed by the thread that won the
// `busy` compare-and-swap for that slot, until it releases it.
unsafe impl Sync for Unwinder {}
// SAFETY: the framehop unwinder owns its data (`Vec<u8>` sections); the scratch slots are
// plain owned memory.
unsafe impl Send for Unwinder {}

/// Why a capture produced nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CaptureError {
    /// Every scratch buffer was in use by a concurrent capture.
    Busy,
}

impl Unwinder {
    /// Builds the unwinder with `concurrency` scratch buffers (captures that may run at once).
    /// This allocates: call it before signals can arrive. The profiler's memory, so never
    /// sampled by the heap profiler, whichever thread builds it.
    pub(crate) fn new(concurrency: usize) -> Unwinder {
        Unwinder::build(concurrency, false)
    }

    /// Builds the unwinder like [`Unwinder::new`], each scratch slot (on x86-64) with a
    /// [`history::History`] through which [`Unwinder::capture_current`] takes over the steps of
    /// the slot's previous walk whose inputs are unchanged.
    pub(crate) fn with_histories(concurrency: usize) -> Unwinder {
        Unwinder::build(concurrency, true)
    }

    fn build(concurrency: usize, histories: bool) -> Unwinder {
        #[cfg(not(target_arch = "x86_64"))]
        let _ = histories;
        crate::heap::untracked(|| {
            let mut inner = ArchUnwinder::new();
            for m in modules::loaded_modules() {
                inner.add_module(m.into_framehop());
            }
            let scratch = (0..concurrency.max(1))
                .filter_map(|_| {
                    Some(Scratch {
                        busy: AtomicBool::new(false),
                        stack: UnsafeCell::new(
                            vec![0u8; stack::STACK_COPY_BYTES].into_boxed_slice(),
                        ),
                        cache: UnsafeCell::new(ArchCache::new_in()),
                        #[cfg(target_arch = "x86_64")]
                        history: UnsafeCell::new(histories.then(history::History::new)),
                        run_stack: run_stack::RunStack::new()?,
                    })
                })
                .collect();
            Unwinder { inner, scratch }
        })
    }

    /// Writes the interrupted thread's stack into `out`, leaf first, as lookup addresses (the
    /// leaf's program counter, then each return address − 1). Returns the number of frames.
    /// Async-signal-safe.
    ///
    /// # Safety
    /// `ucontext` must be the context the kernel passed to the running `SA_SIGINFO` handler.
    pub(crate) unsafe fn capture(
        &self,
        ucontext: *const libc::c_void,
        out: &mut [u64],
    ) -> Result<usize, CaptureError> {
        let slot = self.claim()?;
        // SAFETY: this thread owns `slot` until `busy` is released below.
        let (stack, cache) = unsafe { (&mut *slot.stack.get(), &mut *slot.cache.get()) };
        // Everything past this point runs on the slot's own stack, keeping the handler's
        // footprint on the thread's (signal) stack small.
        // SAFETY: this thread owns the slot's run stack too; nothing in the closure panics;
        // the caller passes the handler's context.
        let n = unsafe {
            slot.run_stack.run(|| {
                let (pc, sp, regs) = regs_from_ucontext(ucontext);
                let copied = stack::copy_stack(sp, stack);
                let view = StackView {
                    bytes: &stack[..copied],
                    base: sp,
                };
                self.walk(pc, regs, view, cache, out)
            })
        };
        slot.busy.store(false, Ordering::Release);
        Ok(n)
    }

    /// Writes the calling thread's own stack into `out` like [`Unwinder::capture`], from this
    /// function's frame, reading the stack in place between the stack pointer and `stack_top`
    /// (the thread's highest stack address). The walk runs on the thread's stack when the
    /// stack pointer is above `in_place_floor`, else on the scratch slot's run stack. For
    /// ordinary frames such as the allocator hook, not for signal handlers.
    #[inline(never)]
    pub(crate) fn capture_current(
        &self,
        stack_top: u64,
        in_place_floor: u64,
        out: &mut [u64],
    ) -> Result<usize, CaptureError> {
        // Threads spread over the slots instead of all contending for the first, and a thread
        // tends to find its slot's cache warm.
        let slot = self.claim_from(thread_ordinal())?;
        let (pc, sp, regs) = arch::current_regs();
        let len = stack_top.saturating_sub(sp) as usize;
        // SAFETY: [sp, stack_top) is this thread's own stack, mapped, and holds only the frames
        // of this function's callers, which stay unchanged while the walk reads them.
        let stack = StackView {
            bytes: unsafe { std::slice::from_raw_parts(sp as *const u8, len) },
            base: sp,
        };
        // SAFETY: this thread owns `slot` (its cache, history and run stack) until `busy` is
        // released.
        let n = unsafe {
            let cache = &mut *slot.cache.get();
            #[cfg(target_arch = "x86_64")]
            let history = (*slot.history.get()).as_deref_mut();
            let walk = || {
                #[cfg(target_arch = "x86_64")]
                if let Some(history) = history {
                    return history.walk(&self.inner, cache, pc, regs, stack, out);
                }
                self.walk(pc, regs, stack, cache, out)
            };
            // The walk writes only below `sp`, never into the frames it reads.
            if sp > in_place_floor {
                walk()
            } else {
                slot.run_stack.run(walk)
            }
        };
        slot.busy.store(false, Ordering::Release);
        Ok(n)
    }

    /// A free scratch slot, claimed with one compare-and-swap.
    fn claim(&self) -> Result<&Scratch, CaptureError> {
        self.claim_from(0)
    }

    /// A free scratch slot, trying slot `first` (modulo their number) first.
    fn claim_from(&self, first: usize) -> Result<&Scratch, CaptureError> {
        let (before, from) = self
            .scratch
            .split_at(first.checked_rem(self.scratch.len()).unwrap_or(0));
        from.iter()
            .chain(before)
            .find(|s| {
                s.busy
                    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            })
            .ok_or(CaptureError::Busy)
    }

    fn walk(
        &self,
        pc: u64,
        regs: arch::ArchRegs,
        stack: StackView,
        cache: &mut ArchCache,
        out: &mut [u64],
    ) -> usize {
        let mut read_stack = |addr| stack.word(addr);
        let mut frames = self.inner.iter_frames(pc, regs, cache, &mut read_stack);
        let mut n = 0;
        while n < out.len() {
            match frames.next() {
                Ok(Some(frame)) => {
                    out[n] = frame.address_for_lookup();
                    n += 1;
                }
                Ok(None) | Err(_) => break,
            }
        }
        n
    }
}

/// A stack as a walk reads it: `bytes` from address `base` up (the stack itself, in place, or
/// a copy of it).
#[derive(Clone, Copy)]
struct StackView<'a> {
    bytes: &'a [u8],
    base: u64,
}

impl StackView<'_> {
    /// The word at `addr`; an error outside the view.
    #[inline]
    fn word(&self, addr: u64) -> Result<u64, ()> {
        let off = addr.checked_sub(self.base).ok_or(())? as usize;
        let word = self
            .bytes
            .get(off..off.checked_add(8).ok_or(())?)
            .ok_or(())?;
        Ok(u64::from_ne_bytes(word.try_into().map_err(|_| ())?))
    }
}

/// One unwinder kept between uses (copying every object's unwind tables costs milliseconds),
/// rebuilt when the loader reports objects added or removed since it was built.
pub(crate) struct UnwinderCache {
    cached: Mutex<Option<(Generation, Arc<Unwinder>)>>,
}

/// The loader's (objects added, objects removed) counts.
type Generation = (u64, u64);

impl UnwinderCache {
    /// An empty cache.
    pub(crate) const fn new() -> UnwinderCache {
        UnwinderCache {
            cached: Mutex::new(None),
        }
    }

    /// The cached unwinder if no object was loaded or unloaded since, else a new one with
    /// `concurrency` scratch buffers. Call before signals that use it can arrive.
    pub(crate) fn get(&self, concurrency: usize) -> Arc<Unwinder> {
        let generation = modules::generation();
        // Never wait for the lock: in a child forked while another thread held it, it stays
        // locked forever; an uncached unwinder serves then.
        let mut cached = match self.cached.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                return Arc::new(Unwinder::new(concurrency));
            }
        };
        match cached.as_ref() {
            Some((g, u)) if *g == generation && u.scratch.len() == concurrency => u.clone(),
            _ => {
                let u = Arc::new(Unwinder::new(concurrency));
                *cached = Some((generation, u.clone()));
                u
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captures the stack of the calling thread through a real signal.
    #[test]
    fn captures_through_a_signal_and_reaches_the_caller() {
        use std::sync::atomic::AtomicPtr;
        static UNWINDER: AtomicPtr<Unwinder> = AtomicPtr::new(std::ptr::null_mut());
        static mut FRAMES: [u64; 64] = [0; 64];
        static DEPTH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        extern "C" fn on_signal(_: libc::c_int, _: *mut libc::siginfo_t, uc: *mut libc::c_void) {
            let u = UNWINDER.load(Ordering::SeqCst);
            // SAFETY: the test publishes the unwinder before raising the signal; FRAMES is only
            // written here, on the test's own thread, and read after `raise` returns.
            let n = unsafe { (*u).capture(uc, &mut *std::ptr::addr_of_mut!(FRAMES)) };
            DEPTH.store(n.unwrap_or(0), Ordering::SeqCst);
        }
        let unwinder = Box::into_raw(Box::new(Unwinder::new(1)));
        UNWINDER.store(unwinder, Ordering::SeqCst);
        // SAFETY: installs a handler for SIGUSR2, used by this test only, then raises it on
        // this thread and restores the default.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigaction(libc::SIGUSR2, &sa, std::ptr::null_mut());
            libc::raise(libc::SIGUSR2);
            libc::signal(libc::SIGUSR2, libc::SIG_DFL);
            drop(Box::from_raw(unwinder));
        }
        let depth = DEPTH.load(Ordering::SeqCst);
        assert!(depth >= 3, "only {depth} frames");
        // The test function itself must appear among the callers: code built without frame
        // pointers is unwound through .eh_frame.
        let me = captures_through_a_signal_and_reaches_the_caller as *const () as usize as u64;
        // SAFETY: the handler has returned; nothing else writes FRAMES.
        let frames = unsafe { &*std::ptr::addr_of!(FRAMES) };
        assert!(
            frames[..depth].iter().any(|&a| a > me && a < me + 4096),
            "caller {me:#x} not in {:#x?}",
            &frames[..depth]
        );
    }
}
