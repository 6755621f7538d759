//! dhat-rs's heap profiler: `dhat::Alloc` with a profiler running, which records every
//! allocation with its backtrace (dhat does not sample).
#[global_allocator]
static A: dhat::Alloc = dhat::Alloc;

fn main() {
    let profiler = dhat::Profiler::new_heap();
    ferroprof_alloc_bench::run("dhat");
    // Writing dhat's JSON is not part of the allocations' cost.
    std::mem::forget(profiler);
}
