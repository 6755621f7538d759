//! Every writer handles a 1,000,000-frame sample and a 100,000-deep recursion without
//! recursing on input depth (which would overflow the stack) and with the right totals.

use ferroprof_profile::{
    Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType,
};
use ferroprof_report::{generate_with_sources, OutputFormat, ReportOptions, SourceReader};

/// Sources with one long file, so that `-list` has something to show.
struct OneFile;

impl SourceReader for OneFile {
    fn read(&self, _path: &str) -> std::io::Result<Vec<u8>> {
        Ok("line\n".repeat(20).into_bytes())
    }

    fn current_dir(&self) -> String {
        "/src".to_string()
    }
}

/// A profile with one sample whose stack has `depth` frames; frame `i` calls function
/// `i % functions` (so `functions == 1` is a direct recursion). With `addresses` every frame has
/// its own address (as at address granularity), else none (as at function granularity).
fn deep_profile(depth: usize, functions: usize, addresses: bool) -> Profile {
    let mut p = Profile {
        sample_type: vec![ValueType::new("cpu", "nanoseconds")],
        ..Default::default()
    };
    for f in 0..functions {
        let id = FunctionId::new(f as u64 + 1).unwrap();
        p.function.push(Function {
            name: format!("pkg.f{f}"),
            filename: "a.go".into(),
            start_line: 1,
            ..Function::new(id)
        });
    }
    let mut stack = Vec::with_capacity(depth);
    for i in 0..depth {
        let id = LocationId::new(i as u64 + 1).unwrap();
        let f = FunctionId::new((i % functions) as u64 + 1).unwrap();
        p.location.push(Location {
            address: if addresses { 0x1000 + i as u64 } else { 0 },
            line: vec![Line {
                function_id: Some(f),
                line: 3,
                column: 0,
            }],
            ..Location::new(id)
        });
        stack.push(id);
    }
    p.sample.push(Sample {
        location: stack,
        value: vec![10_000_000],
        ..Default::default()
    });
    p
}

fn run_every_writer(p: &Profile) {
    let formats = [
        (OutputFormat::Text, false),
        (OutputFormat::Tree, false),
        (OutputFormat::Peek, false),
        (OutputFormat::Dot, false),
        (OutputFormat::Dot, true),
        (OutputFormat::Callgrind, false),
        (OutputFormat::Callgrind, true),
        (OutputFormat::List, false),
        (OutputFormat::TopProto, false),
    ];
    let symbol = regex::Regex::new(r"pkg\.f[01]\b").unwrap();
    for (format, call_tree) in formats {
        let mut o = ReportOptions::for_sample_index(p, 0);
        o.output_format = format;
        o.call_tree = call_tree;
        o.node_count = Some(80);
        o.symbol = Some(symbol.clone());
        let mut out = Vec::new();
        let start = std::time::Instant::now();
        generate_with_sources(p, &o, &OneFile, &mut out)
            .unwrap_or_else(|e| panic!("{format:?} (call_tree {call_tree}): {e}"));
        eprintln!("{format:?} (call_tree {call_tree}): {:?}", start.elapsed());
        assert!(!out.is_empty(), "{format:?} wrote nothing");
        if format == OutputFormat::Text {
            let text = String::from_utf8(out).unwrap();
            assert!(
                text.contains("Showing nodes accounting for 10ms, 100% of 10ms total"),
                "{text}"
            );
        }
    }
}

#[test]
fn million_frame_sample() {
    run_every_writer(&deep_profile(1_000_000, 1_000, false));
}

#[test]
fn hundred_thousand_deep_recursion() {
    run_every_writer(&deep_profile(100_000, 1, true));
}

/// The worst case: a million distinct frames, so a million nodes. Slow in debug builds; run with
/// `cargo test --release -p ferroprof-report --test deep_stacks -- --ignored`.
#[test]
#[ignore]
fn million_distinct_frames() {
    run_every_writer(&deep_profile(1_000_000, 1_000_000, true));
}
