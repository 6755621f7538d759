//! Installing and restoring signal handlers, errno preservation, and fork safety.

use std::cell::Cell;
use std::sync::Once;

use crate::error::{Error, Result};

/// The signature of an `SA_SIGINFO` handler.
pub(crate) type SigHandler = extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void);

/// A handler we installed, with the disposition it replaced.
pub(crate) struct Installed {
    signal: libc::c_int,
    previous: libc::sigaction,
}

/// Installs `handler` for `signal` with `SA_RESTART | SA_ONSTACK | SA_SIGINFO`, blocking both
/// profiling signals while it runs. Fails with
/// [`Error::SignalInUse`] when another function already handles `signal` (the default and
/// ignore dispositions are replaced).
pub(crate) fn install(signal: libc::c_int, handler: SigHandler) -> Result<Installed> {
    // SAFETY: sigaction with a null new action only reads the current disposition.
    let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: `previous` is a valid out-pointer.
    if unsafe { libc::sigaction(signal, std::ptr::null(), &mut previous) } != 0 {
        return Err(Error::last_os("sigaction"));
    }
    let ours = handler as usize;
    let current = previous.sa_sigaction;
    if current != libc::SIG_DFL && current != libc::SIG_IGN && current != ours {
        return Err(Error::SignalInUse { signal });
    }
    // SAFETY: a zeroed sigaction is a valid starting point; the mask is emptied explicitly.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = ours;
    action.sa_flags = libc::SA_RESTART | libc::SA_ONSTACK | libc::SA_SIGINFO;
    // Our handlers never nest: each blocks the other's signal, so two of them never stack up
    // on a thread's small signal stack.
    // SAFETY: `action.sa_mask` is a valid sigset_t; `action` is fully initialised.
    unsafe {
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaddset(&mut action.sa_mask, libc::SIGPROF);
        libc::sigaddset(&mut action.sa_mask, crate::threads::dump_signal());
    }
    // SAFETY: installs a handler that is async-signal-safe (see the callers).
    if unsafe { libc::sigaction(signal, &action, std::ptr::null_mut()) } != 0 {
        return Err(Error::last_os("sigaction"));
    }
    register_atfork();
    Ok(Installed { signal, previous })
}

impl Installed {
    /// Puts the previous disposition back. A previous `SIG_DFL` becomes `SIG_IGN`, so that a
    /// late signal from a timer being deleted cannot terminate the process.
    pub(crate) fn restore(self) {
        let mut previous = self.previous;
        if previous.sa_sigaction == libc::SIG_DFL {
            previous.sa_sigaction = libc::SIG_IGN;
        }
        // SAFETY: `previous` came from the kernel (or is SIG_IGN), so it is a valid action.
        unsafe { libc::sigaction(self.signal, &previous, std::ptr::null_mut()) };
    }
}

/// Whether `handler` is still installed for `signal` (another library may have replaced it).
pub(crate) fn is_installed(signal: libc::c_int, handler: SigHandler) -> bool {
    // SAFETY: see `install`.
    let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: `current` is a valid out-pointer.
    unsafe { libc::sigaction(signal, std::ptr::null(), &mut current) };
    current.sa_sigaction == handler as usize
}

/// Saves errno when created and restores it when dropped; every handler holds one.
pub(crate) struct ErrnoGuard(libc::c_int);

impl ErrnoGuard {
    /// Saves the calling thread's errno.
    #[inline(always)]
    pub(crate) fn save() -> ErrnoGuard {
        // SAFETY: `__errno_location` returns the calling thread's errno slot; always valid.
        ErrnoGuard(unsafe { *libc::__errno_location() })
    }
}

impl Drop for ErrnoGuard {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: as in `save`.
        unsafe { *libc::__errno_location() = self.0 };
    }
}

thread_local! {
    static FORK_MASK: Cell<Option<libc::sigset_t>> = const { Cell::new(None) };
}

/// Blocks the profiling signals in the forking thread during `fork`, and resets the
/// profilers' state in the child, which has neither their timers nor their threads.
fn register_atfork() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: the three callbacks only change the calling thread's signal mask and store
        // atomics, which is allowed between fork and exec.
        unsafe {
            libc::pthread_atfork(
                Some(before_fork),
                Some(after_fork_parent),
                Some(after_fork_child),
            )
        };
    });
}

extern "C" fn before_fork() {
    // SAFETY: sigset operations on local, initialised sets.
    unsafe {
        let mut block: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut block);
        libc::sigaddset(&mut block, libc::SIGPROF);
        libc::sigaddset(&mut block, crate::threads::dump_signal());
        libc::pthread_sigmask(libc::SIG_BLOCK, &block, &mut old);
        FORK_MASK.with(|m| m.set(Some(old)));
    }
}

fn restore_fork_mask() {
    if let Some(old) = FORK_MASK.with(|m| m.take()) {
        // SAFETY: `old` is the mask saved by `before_fork` in this thread.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    }
}

extern "C" fn after_fork_parent() {
    restore_fork_mask();
}

extern "C" fn after_fork_child() {
    crate::cpu::reset_after_fork();
    crate::threads::reset_after_fork();
    restore_fork_mask();
}
