//! A dedicated stack to run the unwinder on, so a capture never depends on how much room the
//! interrupted thread (or its small signal stack) has left: DWARF evaluation needs tens of KiB
//! in debug builds, more than `SIGSTKSZ`.

/// Bytes of each unwinder stack (measured: a debug-build capture of 64 frames stays well under
/// 64 KiB; four times that for safety).
pub(crate) const RUN_STACK_BYTES: usize = 256 << 10;

const PAGE: usize = 4096;

/// An mmap'd stack with an inaccessible guard page below it.
pub(crate) struct RunStack {
    mapping: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; its users claim it exclusively.
unsafe impl Send for RunStack {}
// SAFETY: see above: shared references never touch the memory; the claiming thread does.
unsafe impl Sync for RunStack {}

impl RunStack {
    /// Maps a new stack (allocates; call before signals arrive).
    pub(crate) fn new() -> Option<RunStack> {
        let len = RUN_STACK_BYTES + PAGE;
        // SAFETY: an anonymous private mapping with no address hint has no preconditions.
        let mapping = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if mapping == libc::MAP_FAILED {
            return None;
        }
        // SAFETY: the first page lies inside the mapping just created.
        unsafe { libc::mprotect(mapping, PAGE, libc::PROT_NONE) };
        Some(RunStack { mapping, len })
    }

    /// Runs `f` on this stack and returns its result. Async-signal-safe (a stack switch).
    ///
    /// # Safety
    /// The caller must own the stack exclusively for the call, and `f` must not unwind.
    pub(crate) unsafe fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: the base is page-aligned, the size a multiple of the page size, the memory
        // mapped read-write and owned by the caller for the call; `f` does not unwind.
        unsafe { psm::on_stack((self.mapping as *mut u8).add(PAGE), RUN_STACK_BYTES, f) }
    }
}

impl Drop for RunStack {
    fn drop(&mut self) {
        // SAFETY: unmaps the mapping created in `new`, once.
        unsafe { libc::munmap(self.mapping, self.len) };
    }
}
