//! Stack capture for the allocator hook: a frame-pointer walk bounded by the thread's stack.
//!
//! Runs in an ordinary frame (not a signal handler), with the hook's re-entrancy guard held. It
//! reads only the current thread's stack, checks every frame pointer against the stack's bounds,
//! alignment and direction, and stops at the first bad one, so a frame built without frame pointers
//! truncates the stack rather than faulting.

use std::cell::Cell;

thread_local! {
    /// The current thread's stack top (highest address), 0 while unknown, `usize::MAX` when it
    /// cannot be found (then nothing is captured).
    static STACK_TOP: Cell<usize> = const { Cell::new(0) };
}

/// The top of the current thread's stack from `pthread_getattr_np`. glibc allocates through its
/// own `malloc` here (never through the Rust global allocator) and, for the main thread, reads
/// `/proc/self/maps` once; the result is cached per thread.
fn stack_top() -> usize {
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

#[inline(always)]
fn frame_pointer() -> usize {
    let fp: usize;
    // SAFETY: reads the frame-pointer register into a local; no memory is touched.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::asm!("mov {}, rbp", out(reg) fp, options(nomem, nostack, preserves_flags))
    };
    // SAFETY: as above, for aarch64's frame pointer x29.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        std::arch::asm!("mov {}, x29", out(reg) fp, options(nomem, nostack, preserves_flags))
    };
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        fp = 0;
    }
    fp
}

/// Writes the return addresses of the callers of this function's caller into `buf`, innermost
/// first, and returns how many were written.
#[inline(never)]
pub fn capture(buf: &mut [u64]) -> usize {
    let top = stack_top();
    if top == usize::MAX {
        return 0;
    }
    let mut fp = frame_pointer();
    let bottom = fp;
    let mut n = 0;
    while n < buf.len() {
        let in_stack = fp >= bottom && fp.checked_add(16).is_some_and(|end| end <= top);
        if !in_stack || fp % std::mem::align_of::<usize>() != 0 {
            break;
        }
        // SAFETY: `fp` is aligned and lies, with the 16 bytes read, inside this thread's own
        // stack between the current frame and the stack top, which is mapped.
        let (next, ret) = unsafe {
            let frame = fp as *const usize;
            (frame.read(), frame.add(1).read())
        };
        if ret == 0 {
            break;
        }
        // The first return address is in the caller of `capture`: skip it.
        if fp != bottom {
            buf[n] = ret as u64;
            n += 1;
        }
        if next <= fp {
            break;
        }
        fp = next;
    }
    n
}
