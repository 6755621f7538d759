//! Lookup costs: opening a large binary and building its DWARF context (the bench executable
//! itself), and warm lookups through the inline chains of this crate's C++ test binary.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use ferroprof_symbolize::{Demangle, ObjectSymbolizer, Svma};

fn open_and_first_lookup(c: &mut Criterion) {
    let exe = std::env::current_exe().unwrap();
    let mut group = c.benchmark_group("open_and_first_lookup");
    group.sample_size(10);
    group.bench_function("current_exe", |b| {
        b.iter(|| {
            let object = ObjectSymbolizer::open(&exe).unwrap();
            let addr = open_and_first_lookup as *const () as usize as u64;
            // The address is an avma; as an svma it is merely some address to resolve.
            object.lookup(Svma(addr), Demangle::Default).unwrap()
        })
    });
    group.finish();
}

fn warm_lookups(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bin/inline");
    let object = ObjectSymbolizer::open(&path).unwrap();
    object.lookup(Svma(0x1290), Demangle::Default).unwrap();
    c.bench_function("warm_lookups/inline_binary_text", |b| {
        b.iter(|| {
            let mut frames = 0;
            for addr in 0x1149..0x12ed {
                frames += object.lookup(Svma(addr), Demangle::Default).unwrap().len();
            }
            frames
        })
    });
}

criterion_group!(benches, open_and_first_lookup, warm_lookups);
criterion_main!(benches);
