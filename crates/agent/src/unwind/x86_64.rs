//! x86_64: registers from a signal's `ucontext_t`, and framehop's x86_64 types.

use framehop::x86_64::{CacheX86_64, UnwindRegsX86_64, UnwinderX86_64};
use framehop::MustNotAllocateDuringUnwind;

/// The framehop unwinder over owned unwind sections, allocation-free during unwinding.
pub(crate) type ArchUnwinder = UnwinderX86_64<Vec<u8>, MustNotAllocateDuringUnwind>;
/// Its per-capture cache.
pub(crate) type ArchCache = CacheX86_64<MustNotAllocateDuringUnwind>;
/// Its register set.
pub(crate) type ArchRegs = UnwindRegsX86_64;

/// The interrupted thread's program counter, stack pointer and unwind registers.
///
/// # Safety
/// `ucontext` must point to the `ucontext_t` the kernel passed to an `SA_SIGINFO` handler.
#[inline(always)]
pub(crate) unsafe fn regs_from_ucontext(ucontext: *const libc::c_void) -> (u64, u64, ArchRegs) {
    // SAFETY: the caller guarantees `ucontext` is the kernel-provided context.
    let uc = unsafe { &*(ucontext as *const libc::ucontext_t) };
    let g = &uc.uc_mcontext.gregs;
    let pc = g[libc::REG_RIP as usize] as u64;
    let sp = g[libc::REG_RSP as usize] as u64;
    let bp = g[libc::REG_RBP as usize] as u64;
    (pc, sp, UnwindRegsX86_64::new(pc, sp, bp))
}

/// The calling function's program counter, stack pointer and unwind registers, for walking
/// the current thread's own stack.
#[inline(always)]
pub(crate) fn current_regs() -> (u64, u64, ArchRegs) {
    let (pc, sp, bp): (u64, u64, u64);
    // SAFETY: reads three registers into locals; no memory is touched.
    unsafe {
        std::arch::asm!(
            "lea {pc}, [rip]",
            "mov {sp}, rsp",
            "mov {bp}, rbp",
            pc = out(reg) pc,
            sp = out(reg) sp,
            bp = out(reg) bp,
            options(nomem, nostack, preserves_flags)
        )
    };
    (pc, sp, UnwindRegsX86_64::new(pc, sp, bp))
}
