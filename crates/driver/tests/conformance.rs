//! The driver's table test: the recorded `go tool pprof` cases of the shared conformance suite,
//! run in-process through [`ferroprof_driver::run`], each twice: directly, and after a round trip
//! of its source through `-proto` (which must not change the report).

use std::path::{Path, PathBuf};

use ferroprof_driver::{run, CapturedUi};
use ferroprof_testsupport::fixtures_dir;

/// One case of `cases.tsv`: its id and arguments (paths relative to the fixtures folder).
struct Case {
    id: String,
    args: Vec<String>,
}

fn conformance_dir() -> PathBuf {
    fixtures_dir().join("../conformance")
}

/// Splits a case's argument string as the shell does for the quoting the suite uses.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, ' ' | '\t') => words.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

fn cases() -> Vec<Case> {
    let table = std::fs::read_to_string(conformance_dir().join("cases.tsv"))
        .expect("the conformance suite beside the fixtures");
    table
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(id, args)| Case {
            id: id.to_string(),
            args: shell_words(args),
        })
        .collect()
}

/// The arguments with fixture paths made absolute (the suite runs from the fixtures folder):
/// the sources and the values of `-base` and `-diff_base`.
fn absolute(args: &[String]) -> Vec<String> {
    let dir = fixtures_dir();
    let resolve = |p: &str| {
        let path = dir.join(p);
        if path.exists() {
            path.display().to_string()
        } else {
            p.to_string()
        }
    };
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((flag @ ("-base" | "-diff_base"), v)) => format!("{flag}={}", resolve(v)),
            _ if !a.starts_with('-') => resolve(a),
            _ => a.clone(),
        })
        .collect()
}

fn run_case(args: &[String]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut ui = CapturedUi::default();
    run(args.iter().cloned(), &mut ui, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn expected(id: &str) -> (Vec<u8>, bool) {
    let dir = conformance_dir().join("expected");
    let out = std::fs::read(dir.join(format!("{id}.out"))).unwrap_or_default();
    let rc = std::fs::read_to_string(dir.join(format!("{id}.rc"))).unwrap_or_else(|_| "0".into());
    (out, rc.trim() == "0")
}

/// Whether the round trip through `-proto` is expected to keep the report: one source, no base,
/// no filters or divisor (which `-proto` applies to what it writes), no source listings (which
/// depend on the working directory).
fn round_trips(args: &[String]) -> bool {
    let changes = [
        "-base",
        "-diff_base",
        "-divide_by",
        "-focus",
        "-ignore",
        "-hide",
        "-show",
        "-prune_from",
        "-tag",
        "-list",
        "-source_path",
        "-trim_path",
        "-normalize",
    ];
    let sources = args.iter().filter(|a| !a.starts_with('-')).count();
    sources == 1
        && !args
            .iter()
            .any(|a| changes.iter().any(|c| a.starts_with(c)))
}

/// Whether the profile has samples without frames: every report but `-raw` drops them, so the
/// total of a profile written by `-proto` differs from the original's (as in Go).
fn has_empty_stacks(source: &Path) -> bool {
    let data = std::fs::read(source).unwrap_or_default();
    ferroprof_profile::parse(&data, &ferroprof_profile::Limits::default())
        .is_ok_and(|p| p.sample.iter().any(|s| s.location.is_empty()))
}

/// Replaces the source (the last argument) with `path`.
fn with_source(args: &[String], path: &Path) -> Vec<String> {
    let mut args = args.to_vec();
    if let Some(last) = args.last_mut() {
        *last = path.display().to_string();
    }
    args
}

#[test]
fn recorded_cases_pass_directly_and_through_proto() {
    let scratch = tempfile::tempdir().unwrap();
    let (mut checked, mut failures) = (0, Vec::new());
    for case in cases() {
        if case
            .args
            .iter()
            .any(|a| a.starts_with("-list") || a.starts_with("-source_path"))
        {
            continue; // source listings read paths relative to the suite's working directory
        }
        if case.id.starts_with("internal.proftest.large") {
            continue; // 1.2 MB of legacy samples: seconds per case in debug builds; run covers it
        }
        let args = absolute(&case.args);
        let (want, want_ok) = expected(&case.id);
        let got = run_case(&args);
        checked += 1;
        match (&got, want_ok) {
            (Ok(out), true) if *out == want => {}
            (Err(_), false) => continue,
            _ => {
                failures.push(format!("{}: direct run differs ({:?})", case.id, got.err()));
                continue;
            }
        }
        if !round_trips(&case.args) || has_empty_stacks(Path::new(args.last().unwrap())) {
            continue;
        }
        let proto = scratch.path().join(format!("{}.pb.gz", case.id));
        let source = args.last().cloned().unwrap_or_default();
        let written = run_case(&[
            "-proto".to_string(),
            "-output".to_string(),
            proto.display().to_string(),
            source,
        ]);
        if let Err(e) = written {
            failures.push(format!("{}: -proto failed: {e}", case.id));
            continue;
        }
        match run_case(&with_source(&args, &proto)) {
            Ok(out) if out == want => {}
            other => failures.push(format!(
                "{}: differs after -proto ({:?})",
                case.id,
                other.err()
            )),
        }
    }
    assert!(checked > 580, "only {checked} cases found");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn shell_words_follow_the_suites_quoting() {
    assert_eq!(
        shell_words("-top '-focus=(' a.pb"),
        ["-top", "-focus=(", "a.pb"]
    );
    assert_eq!(shell_words("-x \"a b\"  c"), ["-x", "a b", "c"]);
}
