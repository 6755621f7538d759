//! aarch64: registers from a signal's `ucontext_t`, and framehop's aarch64 types.

use framehop::aarch64::{CacheAarch64, UnwindRegsAarch64, UnwinderAarch64};
use framehop::MustNotAllocateDuringUnwind;

/// The framehop unwinder over owned unwind sections, allocation-free during unwinding.
pub(crate) type ArchUnwinder = UnwinderAarch64<Vec<u8>, MustNotAllocateDuringUnwind>;
/// Its per-capture cache.
pub(crate) type ArchCache = CacheAarch64<MustNotAllocateDuringUnwind>;
/// Its register set.
pub(crate) type ArchRegs = UnwindRegsAarch64;

/// The interrupted thread's program counter, stack pointer and unwind registers.
///
/// # Safety
/// `ucontext` must point to the `ucontext_t` the kernel passed to an `SA_SIGINFO` handler.
#[inline(always)]
pub(crate) unsafe fn regs_from_ucontext(ucontext: *const libc::c_void) -> (u64, u64, ArchRegs) {
    // SAFETY: the caller guarantees `ucontext` is the kernel-provided context.
    let uc = unsafe { &*(ucontext as *const libc::ucontext_t) };
    let m = &uc.uc_mcontext;
    let (pc, sp, fp, lr) = (m.pc, m.sp, m.regs[29], m.regs[30]);
    (pc, sp, UnwindRegsAarch64::new(lr, sp, fp))
}

/// The calling function's program counter, stack pointer and unwind registers, for walking
/// the current thread's own stack.
#[inline(always)]
pub(crate) fn current_regs() -> (u64, u64, ArchRegs) {
    let (pc, sp, fp, lr): (u64, u64, u64, u64);
    // SAFETY: reads four registers into locals; no memory is touched.
    unsafe {
        std::arch::asm!(
            "adr {pc}, .",
            "mov {sp}, sp",
            "mov {fp}, x29",
            "mov {lr}, x30",
            pc = out(reg) pc,
            sp = out(reg) sp,
            fp = out(reg) fp,
            lr = out(reg) lr,
            options(nomem, nostack, preserves_flags)
        )
    };
    (pc, sp, UnwindRegsAarch64::new(lr, sp, fp))
}
