//! `ferroprof_alloc_bench::big_heap` through `ferroprof::Allocator<System>` at Go's default rate.
#[global_allocator]
static A: ferroprof::Allocator<std::alloc::System> = ferroprof::Allocator::new(std::alloc::System);

fn main() {
    ferroprof_alloc_bench::big_heap("ferroprof");
}
