//! `ferroprof_alloc_bench::big_heap` over `System` (glibc malloc), no profiler.
#[global_allocator]
static A: std::alloc::System = std::alloc::System;

fn main() {
    ferroprof_alloc_bench::big_heap("system");
}
