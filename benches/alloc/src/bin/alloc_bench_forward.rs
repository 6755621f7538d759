//! A global allocator that only forwards to System: what any wrapper costs.
use std::alloc::{GlobalAlloc, Layout, System};

struct Forward;

// SAFETY: every method forwards to System unchanged.
unsafe impl GlobalAlloc for Forward {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded under the caller's contract.
        unsafe { System.alloc(layout) }
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded under the caller's contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded under the caller's contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static A: Forward = Forward;

fn main() {
    ferroprof_alloc_bench::run("forward");
}
