//! `ferroprof::Allocator<System>` at Go's default rate (512 KiB).
#[global_allocator]
static A: ferroprof::Allocator<std::alloc::System> = ferroprof::Allocator::new(std::alloc::System);

fn main() {
    assert_eq!(
        ferroprof::heap::sample_rate(),
        ferroprof::heap::DEFAULT_SAMPLE_RATE
    );
    ferroprof_alloc_bench::run("ferroprof");
}
