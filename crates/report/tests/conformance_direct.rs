//! Runs the report writers directly (no driver) on the conformance cases whose flags only
//! concern the report, and compares with `go tool pprof`'s recorded output.

use std::path::PathBuf;

use ferroprof_profile::ops::{
    aggregate_granularity, merge, remove_uninteresting, sample_index_by_name, Granularity,
};
use ferroprof_profile::{parse, Limits, Profile};
use ferroprof_report::{
    generate_with_sources, OutputFormat, ReportOptions, SortOrder, SourceReader,
};

/// Reads files relative to the fixtures folder, the working directory of the recorded cases.
struct FixtureSources;

impl SourceReader for FixtureSources {
    fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(ferroprof_testsupport::fixtures_dir().join(path))
    }

    fn current_dir(&self) -> String {
        ferroprof_testsupport::fixtures_dir().display().to_string()
    }
}

struct Case {
    id: String,
    args: Vec<String>,
}

fn cases() -> Vec<Case> {
    let dir = conformance_dir();
    let text = std::fs::read_to_string(dir.join("cases.tsv")).expect("cases.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(id, args)| Case {
            id: id.to_string(),
            args: args.split(' ').map(str::to_string).collect(),
        })
        .collect()
}

fn conformance_dir() -> PathBuf {
    ferroprof_testsupport::fixtures_dir().join("../conformance")
}

/// The report settings of one case, or `None` when it uses a flag only the driver handles.
struct Setup {
    opts: ReportOptions,
    granularity: Granularity,
    noinlines: bool,
    node_count: Option<i64>,
    file: String,
    sample_index: Option<String>,
}

fn setup(args: &[String]) -> Option<Setup> {
    let mut s = Setup {
        opts: ReportOptions::default(),
        granularity: Granularity::Functions,
        noinlines: false,
        node_count: None,
        file: String::new(),
        sample_index: None,
    };
    let mut files = Vec::new();
    for a in args {
        let (flag, value) = match a.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (a.as_str(), None),
        };
        let o = &mut s.opts;
        match (flag, value) {
            ("-top", None) => o.output_format = OutputFormat::Text,
            ("-tree", None) => o.output_format = OutputFormat::Tree,
            ("-dot", None) => o.output_format = OutputFormat::Dot,
            ("-callgrind", None) => o.output_format = OutputFormat::Callgrind,
            ("-topproto", None) => o.output_format = OutputFormat::TopProto,
            ("-peek", Some(v)) => {
                o.output_format = OutputFormat::Peek;
                o.symbol = Some(regex::Regex::new(v).ok()?);
            }
            ("-list", Some(v)) => {
                o.output_format = OutputFormat::List;
                o.symbol = Some(regex::Regex::new(v).ok()?);
            }
            ("-cum", None) => o.sort = SortOrder::Cum,
            ("-nodecount", Some(v)) => s.node_count = Some(v.parse().ok()?),
            ("-nodefraction", Some(v)) => o.node_fraction = v.parse().ok()?,
            ("-edgefraction", Some(v)) => o.edge_fraction = v.parse().ok()?,
            ("-trim", Some("false")) => o.trim = false,
            ("-unit", Some(v)) => o.output_unit = v.to_string(),
            ("-divide_by", Some(v)) => o.divide_by = v.parse().ok()?,
            ("-compact_labels", None) => o.compact_labels = true,
            ("-call_tree", None) => o.call_tree = true,
            ("-mean", None) => o.mean = true,
            ("-sample_index", Some(v)) => s.sample_index = Some(v.to_string()),
            ("-noinlines", None) => s.noinlines = true,
            ("-source_path", Some(v)) => o.source_path = v.to_string(),
            ("-trim_path", Some(v)) => o.trim_path = v.to_string(),
            ("-lines", None) => s.granularity = Granularity::Lines,
            ("-files", None) => s.granularity = Granularity::Files,
            ("-functions", None) => s.granularity = Granularity::Functions,
            ("-filefunctions", None) => s.granularity = Granularity::FileFunctions,
            ("-addresses", None) => s.granularity = Granularity::Addresses,
            (f, _) if f.starts_with('-') => return None,
            (f, _) => files.push(f.to_string()),
        }
    }
    if files.len() != 1 {
        return None;
    }
    s.file = files.remove(0);
    Some(s)
}

fn sample_index(p: &Profile, name: Option<&str>) -> Option<usize> {
    sample_index_by_name(p, name.unwrap_or("")).ok()
}

fn run(s: Setup) -> Option<String> {
    render(s).map(|out| String::from_utf8_lossy(&out).into_owned())
}

/// The report bytes of one case, prepared as the driver does: merge, drop uninteresting frames,
/// per-command overrides, total before aggregation.
fn render(s: Setup) -> Option<Vec<u8>> {
    let data = std::fs::read(ferroprof_testsupport::fixtures_dir().join(&s.file)).ok()?;
    let parsed = parse(&data, &Limits::default()).ok()?;
    let mut p = merge(&[&parsed]).ok()?;
    remove_uninteresting(&mut p).ok()?;
    let mut o = s.opts;
    let idx = sample_index(&p, s.sample_index.as_deref())?;
    let template = ReportOptions::for_sample_index(&p, idx);
    o.sample_index = idx;
    o.sample_type = template.sample_type;
    o.sample_unit = template.sample_unit;
    o.num_label_units = template.num_label_units;
    let is_top = matches!(o.output_format, OutputFormat::Text | OutputFormat::TopProto);
    o.node_count = match s.node_count {
        None | Some(-1) if is_top => None,
        None | Some(-1) => Some(80),
        Some(n) => usize::try_from(n).ok().filter(|&n| n > 0),
    };
    let mut granularity = s.granularity;
    let mut noinlines = s.noinlines;
    match o.output_format {
        OutputFormat::Peek => o.trim = false,
        OutputFormat::List => {
            o.trim = false;
            granularity = Granularity::Lines;
        }
        OutputFormat::Callgrind => {
            o.trim = false;
            granularity = Granularity::Addresses;
            noinlines = false;
        }
        _ => {}
    }
    o.total = Some(ferroprof_report::compute_total(&p, &o));
    aggregate_granularity(&mut p, granularity, noinlines);
    let mut out = Vec::new();
    generate_with_sources(&p, &o, &FixtureSources, &mut out).ok()?;
    Some(out)
}

/// `go tool pprof -raw` of a profile file.
fn go_raw(path: &std::path::Path) -> String {
    let out = std::process::Command::new("go")
        .args(["tool", "pprof", "-raw"])
        .arg(path)
        .env("HOME", "")
        .output()
        .expect("go tool pprof");
    String::from_utf8(out.stdout).unwrap()
}

/// Gzip streams differ between implementations, so `-topproto` is compared by what `go tool
/// pprof -raw` reads back from each.
#[test]
fn topproto_matches_go() {
    if !ferroprof_testsupport::have_go("topproto_matches_go") {
        return;
    }
    let dir = std::env::temp_dir();
    for file in ["go119/cpu.pb.gz", "go119/heap.pb.gz"] {
        let ours = dir.join(format!(
            "ferroprof-report-topproto-{}.pb.gz",
            std::process::id()
        ));
        let theirs = dir.join(format!(
            "ferroprof-report-topproto-go-{}.pb.gz",
            std::process::id()
        ));
        let args: Vec<String> = ["-topproto", file].iter().map(|s| s.to_string()).collect();
        std::fs::write(&ours, render(setup(&args).unwrap()).unwrap()).unwrap();
        let status = std::process::Command::new("go")
            .args(["tool", "pprof", "-topproto", "-output"])
            .arg(&theirs)
            .arg(file)
            .current_dir(ferroprof_testsupport::fixtures_dir())
            .env("HOME", "")
            .output()
            .expect("go tool pprof");
        assert!(status.status.success(), "go tool pprof -topproto {file}");
        let (got, expected) = (go_raw(&ours), go_raw(&theirs));
        let _ = (std::fs::remove_file(&ours), std::fs::remove_file(&theirs));
        assert!(!expected.is_empty());
        assert_eq!(got, expected, "-topproto {file}");
    }
}

#[test]
fn report_only_cases_match_go() {
    let filter = std::env::var("CASES").unwrap_or_default();
    let (mut pass, mut fail, mut shown) = (0, 0, 0);
    for case in cases() {
        // The large profile's cases take seconds each in debug builds; the CLI conformance run
        // covers them.
        if !case.id.contains(&filter) || case.id.contains("proftest.large") {
            continue;
        }
        let Some(setup) = setup(&case.args) else {
            continue;
        };
        let expected_path = conformance_dir()
            .join("expected")
            .join(format!("{}.out", case.id));
        let Ok(expected) = std::fs::read_to_string(&expected_path) else {
            continue;
        };
        let got = run(setup).unwrap_or_default();
        if got == expected {
            pass += 1;
        } else {
            fail += 1;
            if shown < 2 {
                shown += 1;
                eprintln!("FAIL {}\n--- expected\n{expected}\n--- got\n{got}", case.id);
            } else {
                eprintln!("FAIL {}", case.id);
            }
        }
    }
    eprintln!("direct conformance: {pass} passed, {fail} failed");
    assert_eq!(fail, 0, "{pass} passed, {fail} failed");
    assert!(
        filter.is_empty() || pass > 0,
        "no case matches CASES={filter}"
    );
    assert!(!filter.is_empty() || pass >= 400, "only {pass} cases ran");
}

/// Go's output with node numbers, callgrind name ids and `[i/n]` indices masked, sorted: what
/// stays fixed when ties between same-named call-tree nodes are broken either way.
fn tie_free(text: &str) -> Vec<String> {
    let masks = [
        (regex::Regex::new(r"N[0-9]+(_[0-9]+)?").unwrap(), "N"),
        (regex::Regex::new(r"node[0-9]+").unwrap(), "node"),
        (regex::Regex::new(r"\([0-9]+\)").unwrap(), "(#)"),
        (regex::Regex::new(r"\[[0-9]+/").unwrap(), "[#/"),
    ];
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            masks.iter().fold(l.to_string(), |l, (re, to)| {
                re.replace_all(&l, *to).into_owned()
            })
        })
        .collect();
    lines.sort();
    lines
}

/// `-call_tree` is left out of the recorded cases because `go tool pprof` breaks ties between
/// same-named tree nodes differently from run to run; compare everything else with `go`.
#[test]
fn call_tree_matches_go_up_to_tie_order() {
    if !ferroprof_testsupport::have_go("call_tree_matches_go_up_to_tie_order") {
        return;
    }
    // Callgrind addresses are relative to the previous node, so they move with tie order too;
    // pprof-rs's profile has no ties.
    let cases = [
        ("-dot", "go119/cpu.pb.gz"),
        ("-dot", "go119/heap.pb.gz"),
        ("-dot", "pprof-rs/cpu.pb"),
        ("-callgrind", "pprof-rs/cpu.pb"),
        ("-callgrind", "google-pprof/profile/testdata/cppbench.cpu"),
    ];
    for (format, file) in cases {
        let args: Vec<String> = [format, "-call_tree", file]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let go = std::process::Command::new("go")
            .args(["tool", "pprof"])
            .args(&args)
            .current_dir(ferroprof_testsupport::fixtures_dir())
            .env("TZ", "UTC")
            .env("HOME", "")
            .output()
            .expect("go tool pprof");
        let expected = String::from_utf8(go.stdout).unwrap();
        let got = run(setup(&args).unwrap()).unwrap();
        let (got, expected) = (tie_free(&got), tie_free(&expected));
        let differ = got.iter().zip(&expected).find(|(g, e)| g != e);
        assert!(
            got.len() == expected.len() && differ.is_none(),
            "{format} -call_tree {file}: {} vs {} lines, first difference {differ:?}",
            got.len(),
            expected.len()
        );
    }
}
