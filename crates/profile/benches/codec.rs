//! Decode and encode throughput, after google/pprof's `BenchmarkParse`/`BenchmarkWrite`: on
//! google/pprof's `large.cpu` and on a generated ~100 MB (uncompressed) profile.
//!
//! The generated profile is made by
//! `cargo run -p xtask --release -- gen --samples 1070000 --stacks 50000 --depth 32 \
//!   --functions 20000 --labels 2 --uncompressed --out testdata/generated/large.pb`;
//! without it only `large.cpu` is measured.

use std::io::Read;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferroprof_profile::{parse, proto, Limits, Profile};

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

/// (name, uncompressed protobuf bytes) of each input available.
fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let large_cpu =
        ferroprof_testsupport::fixture("google-pprof/internal/proftest/testdata/large.cpu");
    let mut out = vec![(
        "large.cpu",
        gunzip(&std::fs::read(large_cpu).expect("large.cpu")),
    )];
    let generated = ferroprof_testsupport::workspace_root().join("testdata/generated/large.pb");
    match std::fs::read(&generated) {
        Ok(data) => out.push(("generated-100MB", data)),
        Err(_) => eprintln!(
            "{} missing: see benches/codec.rs to generate it",
            show(&generated)
        ),
    }
    out
}

fn show(p: &Path) -> String {
    p.display().to_string()
}

fn codec(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("codec");
    group.sample_size(10);
    for (name, plain) in inputs() {
        let profile: Profile = proto::decode(&plain, &limits).expect("decode");
        let mut gz = Vec::new();
        proto::encode(&profile, &mut gz).expect("encode");
        group.throughput(Throughput::Bytes(plain.len() as u64));
        group.bench_with_input(BenchmarkId::new("decode", name), &plain, |b, plain| {
            b.iter(|| proto::decode(plain, &limits).expect("decode"))
        });
        // The same, without the time to free the profile (a command can exit without it).
        group.bench_with_input(
            BenchmarkId::new("decode_no_drop", name),
            &plain,
            |b, plain| b.iter_with_large_drop(|| proto::decode(plain, &limits).expect("decode")),
        );
        group.bench_with_input(BenchmarkId::new("parse_gzip", name), &gz, |b, gz| {
            b.iter(|| parse(gz, &limits).expect("parse"))
        });
        group.bench_with_input(
            BenchmarkId::new("encode_uncompressed", name),
            &profile,
            |b, p| {
                b.iter(|| {
                    let mut out = Vec::with_capacity(plain.len());
                    proto::encode_uncompressed(p, &mut out).expect("encode");
                    out
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("encode_gzip", name), &profile, |b, p| {
            b.iter(|| {
                let mut out = Vec::new();
                proto::encode(p, &mut out).expect("encode");
                out
            })
        });
    }
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
