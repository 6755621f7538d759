//! Copying the interrupted thread's stack into preallocated memory with one system call.
//!
//! `process_vm_readv` on our own pid copies page by page and stops at the first unmapped page
//! instead of faulting, so the unwinder never dereferences a pointer taken from the stack:
//! hostile frame pointers (zero, unaligned, unmapped, self-loops) end the walk, never the
//! process. It is a plain system call, safe in a signal handler.

/// Pages copied per call at most; `STACK_COPY_BYTES / PAGE`.
const MAX_IOVECS: usize = 65;

/// Bytes of stack copied per capture, upward from the stack pointer. 128 KiB holds the 64
/// frames Go keeps (`maxCPUProfStack`) even with the large frames of async state machines.
pub(crate) const STACK_COPY_BYTES: usize = 128 << 10;

const PAGE: u64 = 4096;

/// Copies up to `dst.len()` bytes of this process's memory starting at `sp` into `dst`,
/// stopping at the first page that cannot be read. Returns the number of bytes copied.
/// Async-signal-safe: no allocation, one system call.
pub(crate) fn copy_stack(sp: u64, dst: &mut [u8]) -> usize {
    if sp == 0 {
        return 0;
    }
    let mut remote = [libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }; MAX_IOVECS];
    let mut n = 0;
    let mut addr = sp;
    let end = sp.saturating_add(dst.len() as u64);
    while addr < end && n < MAX_IOVECS {
        let next = ((addr / PAGE) + 1) * PAGE;
        let chunk_end = next.min(end);
        remote[n] = libc::iovec {
            iov_base: addr as *mut libc::c_void,
            iov_len: (chunk_end - addr) as usize,
        };
        n += 1;
        addr = chunk_end;
    }
    let total: usize = remote[..n].iter().map(|v| v.iov_len).sum();
    let local = libc::iovec {
        iov_base: dst.as_mut_ptr().cast(),
        iov_len: total,
    };
    // SAFETY: `local` describes `total <= dst.len()` writable bytes of `dst`; the remote iovecs
    // are only read by the kernel, which checks them and stops at the first bad one.
    let got = unsafe {
        libc::process_vm_readv(
            libc::getpid(),
            &local,
            1,
            remote.as_ptr(),
            n as libc::c_ulong,
            0,
        )
    };
    if got < 0 {
        0
    } else {
        got as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_readable_memory_and_stops_at_unmapped() {
        let src: Vec<u64> = (0..2048).collect();
        let mut dst = vec![0u8; 8 * 2048];
        let n = copy_stack(src.as_ptr() as u64, &mut dst);
        assert_eq!(n, dst.len());
        assert_eq!(
            u64::from_ne_bytes(dst[8 * 100..8 * 101].try_into().unwrap()),
            100
        );
        // A null or unmapped address copies nothing and does not fault.
        assert_eq!(copy_stack(0, &mut dst), 0);
        assert_eq!(copy_stack(8, &mut dst), 0);
    }
}
