//! `ferroprof::Allocator<Jemalloc>` at Go's default rate, jemalloc's own profiling off: the
//! direct comparison with jemalloc's profiling.
#[global_allocator]
static A: ferroprof::Allocator<tikv_jemallocator::Jemalloc> =
    ferroprof::Allocator::new(tikv_jemallocator::Jemalloc);

fn main() {
    assert!(!ferroprof_alloc_bench::jemalloc_prof());
    ferroprof_alloc_bench::run("ferroprof+jemalloc");
}
