//! Graph building and whole reports on google/pprof's `large.cpu` (43,789 samples, at function
//! granularity as the driver reports it by default): the graph
//! alone (without and with the tags DOT nodelets need), then `-top`, `-tree` and `-dot` through
//! [`generate`], as the driver calls it after parsing and filtering.
//!
//! `cargo bench -p ferroprof-report --bench graph`; end-to-end figures against `go tool pprof`
//! are `benches/reports.sh` (see benches/RESULTS.md).

use criterion::{criterion_group, criterion_main, Criterion};
use ferroprof_profile::{ops, parse, Limits, Profile};
use ferroprof_report::graph::{build_graph, GraphOptions};
use ferroprof_report::{generate, OutputFormat, ReportOptions};

/// large.cpu as the driver hands it to the report: parsed, merged (Go merges even one source)
/// and aggregated to the default `-granularity=functions`.
fn large_cpu() -> Profile {
    let path = ferroprof_testsupport::fixture("google-pprof/internal/proftest/testdata/large.cpu");
    let data = std::fs::read(path).expect("large.cpu");
    let parsed = parse(&data, &Limits::default()).expect("large.cpu parses");
    let mut p = ops::merge(&[&parsed]).expect("large.cpu merges");
    ops::aggregate_granularity(&mut p, ops::Granularity::Functions, false);
    p
}

/// The options of `ferroprof -<format>` on a CPU profile (pprof's defaults for the command).
fn options(p: &Profile, format: OutputFormat, node_count: Option<usize>) -> ReportOptions {
    let mut o = ReportOptions::for_sample_index(p, p.sample_type.len() - 1);
    o.output_format = format;
    o.node_count = node_count;
    o
}

fn graph(c: &mut Criterion) {
    let p = large_cpu();
    let mut group = c.benchmark_group("large.cpu");
    group.sample_size(10);
    let plain = GraphOptions {
        sample_index: p.sample_type.len() - 1,
        ..Default::default()
    };
    let tagged = GraphOptions {
        tags: true,
        ..plain.clone()
    };
    group.bench_function("build_graph", |b| b.iter(|| build_graph(&p, &plain)));
    group.bench_function("build_graph with tags", |b| {
        b.iter(|| build_graph(&p, &tagged))
    });
    for (name, format, count) in [
        ("top", OutputFormat::Text, None),
        ("tree", OutputFormat::Tree, None),
        ("dot", OutputFormat::Dot, Some(80)),
    ] {
        let opts = options(&p, format, count);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(1 << 20);
                generate(&p, &opts, &mut out).expect("report");
                out
            })
        });
    }
    group.finish();
}

criterion_group!(benches, graph);
criterion_main!(benches);
