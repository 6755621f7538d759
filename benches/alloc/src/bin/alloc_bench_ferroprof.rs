//! `ferroprof::Allocator<System>` at Go's default rate (512 KiB), or at the rate in bytes given
//! by `ALLOC_BENCH_RATE` (0: the hook counts but never samples; separates the fast path's cost
//! from the samples').
#[global_allocator]
static A: ferroprof::Allocator<std::alloc::System> = ferroprof::Allocator::new(std::alloc::System);

fn main() {
    assert_eq!(
        ferroprof::heap::sample_rate(),
        ferroprof::heap::DEFAULT_SAMPLE_RATE
    );
    if let Ok(rate) = std::env::var("ALLOC_BENCH_RATE") {
        ferroprof::heap::set_sample_rate(rate.parse().expect("ALLOC_BENCH_RATE: bytes"));
    }
    ferroprof_alloc_bench::run("ferroprof");
}
