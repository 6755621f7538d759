//! jemalloc (built with profiling support): run as is for the baseline, with
//! `_RJEM_MALLOC_CONF=prof:true,lg_prof_sample:19` for jemalloc's own heap profiling at a mean
//! of 512 KiB between samples; the variant printed says which.
#[global_allocator]
static A: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let variant = if ferroprof_alloc_bench::jemalloc_prof() {
        "jemalloc+prof"
    } else {
        "jemalloc"
    };
    ferroprof_alloc_bench::run(variant);
}
