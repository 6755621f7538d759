//! Behaviour of the writers on small hand-made profiles: inline marks, trimming legends, residual
//! edges, nodelets, peek and list errors, source lookup.

use std::collections::BTreeMap;

use ferroprof_profile::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};
use ferroprof_report::{
    generate, generate_with_sources, Error, OutputFormat, ReportOptions, SourceReader,
};

/// Builds profiles from stacks of frame names. A frame `a+b` is one location holding `a`
/// inlined into `b`. Without sources, frames carry only function names, as after the driver's
/// aggregation by function; with them, a file and lines from 12 on.
#[derive(Default)]
struct Builder {
    p: Profile,
    functions: BTreeMap<String, FunctionId>,
    locations: BTreeMap<String, LocationId>,
    sources: bool,
}

impl Builder {
    fn with_sources() -> Self {
        Builder {
            sources: true,
            ..Builder::new()
        }
    }

    fn new() -> Self {
        let mut b = Builder::default();
        b.p.sample_type = vec![ValueType::new("cpu", "nanoseconds")];
        b.p.mapping.push(Mapping::new(MappingId::new(1).unwrap()));
        b.p.mapping[0].filename = "/bin/srv".into();
        b
    }

    fn function(&mut self, name: &str) -> FunctionId {
        let next = self.functions.len() as u64 + 1;
        *self.functions.entry(name.to_string()).or_insert_with(|| {
            let id = FunctionId::new(next).unwrap();
            self.p.function.push(Function {
                name: name.into(),
                filename: if self.sources {
                    "/src/app/main.go".into()
                } else {
                    String::new()
                },
                start_line: if self.sources { 10 } else { 0 },
                ..Function::new(id)
            });
            id
        })
    }

    fn location(&mut self, frame: &str) -> LocationId {
        if let Some(&id) = self.locations.get(frame) {
            return id;
        }
        let lines = frame
            .split('+')
            .enumerate()
            .map(|(i, f)| Line {
                function_id: Some(self.function(f)),
                line: if self.sources { 12 + i as i64 } else { 0 },
                column: 0,
            })
            .collect();
        let id = LocationId::new(self.locations.len() as u64 + 1).unwrap();
        self.p.location.push(Location {
            mapping_id: MappingId::new(1),
            line: lines,
            ..Location::new(id)
        });
        self.locations.insert(frame.to_string(), id);
        id
    }

    fn sample(mut self, stack: &[&str], value: i64) -> Self {
        let location = stack.iter().map(|f| self.location(f)).collect();
        self.p.sample.push(Sample {
            location,
            value: vec![value],
            ..Default::default()
        });
        self
    }
}

fn report(p: &Profile, format: OutputFormat, tweak: impl FnOnce(&mut ReportOptions)) -> String {
    let mut o = ReportOptions::for_sample_index(p, 0);
    o.output_format = format;
    tweak(&mut o);
    let mut out = Vec::new();
    generate(p, &o, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

const MS: i64 = 1_000_000;

#[test]
fn top_marks_inline_and_partial_inline_callers() {
    let p = Builder::new()
        .sample(&["leaf+mid", "main"], 30 * MS)
        .sample(&["leaf", "other", "main"], 10 * MS)
        .p;
    let text = report(&p, OutputFormat::Text, |_| {});
    assert!(text.starts_with("File: srv\nType: cpu\n"), "{text}");
    assert!(
        text.contains("      40ms   100%   100%       40ms   100%  leaf (partial-inline)\n"),
        "{text}"
    );
    // `mid` is called from another location, so its caller edge is not inlined.
    assert!(text.contains("  mid\n"), "{text}");
    let only_inlined = Builder::new().sample(&["a+b", "main"], 30 * MS).p;
    let text = report(&only_inlined, OutputFormat::Text, |_| {});
    assert!(text.contains("  a (inline)\n"), "{text}");
}

#[test]
fn top_legend_counts_dropped_and_shown_nodes() {
    let mut b = Builder::new().sample(&["hot", "main"], 1000 * MS);
    for i in 0..5 {
        b = b.sample(&[&format!("cold{i}"), "main"], MS);
    }
    for i in 0..3 {
        b = b.sample(&[&format!("warm{i}"), "main"], 100 * MS);
    }
    let text = report(&b.p, OutputFormat::Text, |o| o.node_count = Some(2));
    assert!(text.contains("Dropped 5 nodes (cum <= 6.53ms)\n"), "{text}");
    assert!(text.contains("Showing top 2 nodes out of 5\n"), "{text}");
    assert!(
        text.contains("Showing nodes accounting for 1100ms, 84.29% of 1305ms total\n"),
        "{text}"
    );
}

#[test]
fn compact_labels_and_active_filters() {
    let p = Builder::new().sample(&["main"], MS).p;
    let long = format!("focus={}", "x".repeat(100));
    let text = report(&p, OutputFormat::Text, |o| {
        o.compact_labels = true;
        o.active_filters = vec![long.clone()];
    });
    let expected = format!("Active filters:\n   {}…\nShowing nodes", &long[..80]);
    assert!(text.starts_with(&expected), "{text}");
}

#[test]
fn peek_without_a_match_is_an_error() {
    let p = Builder::new().sample(&["main"], MS).p;
    let mut o = ReportOptions::for_sample_index(&p, 0);
    o.output_format = OutputFormat::Peek;
    o.symbol = Some(regex::Regex::new("nothing").unwrap());
    let err = generate(&p, &o, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(err, Error::NoMatches(ref r) if r == "nothing"),
        "{err}"
    );
    assert_eq!(err.to_string(), "no matches found for regexp: nothing");
}

#[test]
fn dot_draws_residual_edges_across_dropped_nodes() {
    let mut b = Builder::new();
    for i in 0..20 {
        b = b.sample(&["leaf", &format!("step{i}"), "main"], MS);
    }
    let dot = report(&b.p, OutputFormat::Dot, |o| o.node_count = Some(2));
    assert!(
        dot.starts_with("digraph \"srv\" {\nnode [style=filled fillcolor=\"#f8f8f8\"]\n"),
        "{dot}"
    );
    assert!(dot.contains("Showing top 2 nodes out of 22"), "{dot}");
    let residual = dot
        .lines()
        .find(|l| l.contains("style=\"dotted\""))
        .expect(&dot);
    assert!(
        residual.contains("tooltip=\"main ... leaf (20ms)\""),
        "{residual}"
    );
    assert!(dot.ends_with("}\n"));
}

#[test]
fn dot_hangs_label_nodelets_off_nodes() {
    let mut p = Builder::new().sample(&["main"], 5 * MS).p;
    p.sample[0]
        .label
        .insert("worker".into(), vec!["burner".into()]);
    let dot = report(&p, OutputFormat::Dot, |_| {});
    assert!(
        dot.contains(
            "N1_0 [label = \"worker:burner\" id=\"N1_0\" fontsize=8 shape=box3d tooltip=\"5ms\"]"
        ),
        "{dot}"
    );
    assert!(
        dot.contains("N1 -> N1_0 [label=\" 5ms\" weight=100 tooltip=\"5ms\" labeltooltip=\"5ms\"]"),
        "{dot}"
    );
}

#[test]
fn call_tree_splits_nodes_by_path() {
    let p = Builder::new()
        .sample(&["leaf", "a", "main"], MS)
        .sample(&["leaf", "b", "main"], MS)
        .p;
    let dot = report(&p, OutputFormat::Dot, |o| o.call_tree = true);
    let leaves = dot
        .lines()
        .filter(|l| l.contains("tooltip=\"leaf (1ms)\""))
        .count();
    assert_eq!(leaves, 2, "{dot}");
    let graph = report(&p, OutputFormat::Dot, |_| {});
    assert_eq!(
        graph
            .lines()
            .filter(|l| l.contains("tooltip=\"leaf (2ms)\""))
            .count(),
        1
    );
}

/// Serves one file, `/src/app/main.go`, of 30 numbered lines.
struct AppSource;

impl SourceReader for AppSource {
    fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        if path == "/src/app/main.go" {
            Ok((1..=30)
                .map(|i| format!("line {i}\n"))
                .collect::<String>()
                .into_bytes())
        } else {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }

    fn current_dir(&self) -> String {
        "/work".into()
    }
}

fn list(p: &Profile, symbol: &str, tweak: impl FnOnce(&mut ReportOptions)) -> String {
    let mut o = ReportOptions::for_sample_index(p, 0);
    o.output_format = OutputFormat::List;
    o.symbol = Some(regex::Regex::new(symbol).unwrap());
    tweak(&mut o);
    let mut out = Vec::new();
    generate_with_sources(p, &o, &AppSource, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn list_shows_lines_from_the_start_line_to_the_margin() {
    let p = Builder::with_sources().sample(&["leaf", "main"], 20 * MS).p;
    let text = list(&p, "^leaf$", |_| {});
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("Total: 20ms"));
    assert_eq!(
        lines.next(),
        Some("ROUTINE ======================== leaf in /src/app/main.go")
    );
    assert_eq!(
        lines.next(),
        Some("      20ms       20ms (flat, cum)   100% of Total")
    );
    assert_eq!(lines.next(), Some("         .          .     10:line 10"));
    assert!(
        text.contains("      20ms       20ms     12:line 12\n"),
        "{text}"
    );
    assert!(
        text.ends_with("         .          .     17:line 17\n"),
        "{text}"
    );
}

#[test]
fn list_reports_files_it_cannot_find() {
    let p = Builder::with_sources().sample(&["leaf", "main"], 20 * MS).p;
    let text = list(&p, "^main$", |o| o.source_path = "/elsewhere".into());
    assert!(
        text.contains("ROUTINE ======================== main in /src/app/main.go\n"),
        "{text}"
    );
    // The absolute path is opened as is, so the listing works from any search path.
    assert!(text.contains("     12:line 12\n"), "{text}");
    let mut relative = p.clone();
    relative.function[1].filename = "pkg/main.go".into();
    let text = list(&relative, "^main$", |o| o.source_path = "/a/b".into());
    assert!(
        text.ends_with(" Error: could not find file pkg/main.go on path /a/b\n"),
        "{text}"
    );
    let mut unnamed = p;
    unnamed.function[1].filename.clear();
    let text = list(&unnamed, "^main$", |_| {});
    assert!(text.ends_with("No source information for main\n"), "{text}");
}

#[test]
fn list_trims_build_prefixes_to_find_sources() {
    let mut p = Builder::with_sources().sample(&["leaf"], MS).p;
    p.function[0].filename = "/build/xyz/app/main.go".into();
    let text = list(&p, "leaf", |o| {
        o.source_path = "/src".into();
        o.trim_path = "/build/xyz".into();
    });
    assert!(
        text.contains("ROUTINE ======================== leaf in app/main.go\n"),
        "{text}"
    );
    assert!(text.contains("     12:line 12\n"), "{text}");
}

#[test]
fn callgrind_compresses_names_and_addresses() {
    let mut p = Builder::with_sources().sample(&["leaf", "main"], 3 * MS).p;
    p.location[0].address = 0x401000;
    p.location[1].address = 0x401010;
    let text = report(&p, OutputFormat::Callgrind, |o| o.trim = false);
    assert!(
        text.starts_with("positions: instr line\nevents: cpu(ms)\n"),
        "{text}"
    );
    assert!(text.contains("fn=(1) leaf\n0x401000 12 3\n"), "{text}");
    // Call addresses are relative to the previous node's (here the callee itself).
    assert!(
        text.contains("\nfn=(2) main\n+16 12 0\ncfl=(1)\ncfn=(1)\ncalls=0 * 12\n* * 3\n"),
        "{text}"
    );
}

#[test]
fn mean_keeps_edges_to_weightless_nodes_as_pprof_does() {
    // Two columns: count (the mean divisor) and delay. The `zero` sample has a count but no
    // delay, so its node has no weight and is not shown, yet its edge from `main` stays.
    let mut p = Builder::new()
        .sample(&["hot", "main"], 10)
        .sample(&["zero", "main"], 0)
        .p;
    p.sample_type = vec![
        ValueType::new("contentions", "count"),
        ValueType::new("delay", "nanoseconds"),
    ];
    p.sample[0].value = vec![2, 10 * MS];
    p.sample[1].value = vec![3, 0];
    let dot = report(&p, OutputFormat::Dot, |o| {
        o.sample_index = 1;
        o.sample_type = "delay".into();
        o.sample_unit = "nanoseconds".into();
        o.mean = true;
        o.edge_fraction = 0.0;
    });
    assert!(dot.contains("tooltip=\"main -> zero (0)\""), "{dot}");
    assert!(
        dot.lines()
            .any(|l| l.ends_with("]") && l.contains(" -> N0 [")),
        "{dot}"
    );
    assert!(!dot.contains("tooltip=\"zero ("), "{dot}");
}
