//! The `ferroprof` binary as a user runs it: exit codes, error lines naming the input, output
//! files, broken pipes.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use ferroprof_testsupport::fixture;

fn ferroprof(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferroprof"))
        .args(args)
        .env("TZ", "UTC")
        .output()
        .expect("ferroprof runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 fixture path")
}

#[test]
fn a_report_succeeds_with_output_on_stdout() {
    let cpu = fixture("go119/cpu.pb.gz");
    let out = ferroprof(&["-top", "-nodecount=3", path(&cpu)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("File: "), "{text}");
    assert!(text.contains("Showing top 3 nodes out of"), "{text}");
}

#[test]
fn a_missing_source_fails_with_one_line_naming_it() {
    let out = ferroprof(&["-top", "does/not/exist.pb.gz"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("does/not/exist.pb.gz"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn an_unparsable_source_fails_naming_it() {
    let src = fixture("go119/goroutine.debug2.txt");
    let out = ferroprof(&["-top", path(&src)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("goroutine.debug2.txt"), "{err}");
}

#[test]
fn flag_errors_exit_1_with_one_line() {
    let cpu = fixture("go119/cpu.pb.gz");
    for (args, want) in [
        (
            vec!["-nosuchflag", path(&cpu)],
            "flag provided but not defined: -nosuchflag",
        ),
        (vec!["-top", "-focus=(", path(&cpu)], "parsing focus regexp"),
        (
            vec!["-top", "-raw", path(&cpu)],
            "must set at most one output format",
        ),
        (
            vec!["-top", "-nodecount"],
            "flag needs an argument: -nodecount",
        ),
        (vec!["-top"], "no profile source specified"),
    ] {
        let out = ferroprof(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn a_bad_sample_index_names_the_choices() {
    let heap = fixture("go119/heap.pb.gz");
    let out = ferroprof(&["-top", "-sample_index=nosuch", path(&heap)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("inuse_space"), "{}", stderr(&out));
}

#[test]
fn help_prints_usage_and_succeeds() {
    let out = ferroprof(&["-help"]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("Output formats (select at most one):"),
        "{err}"
    );
    assert!(err.contains("-nodecount"), "{err}");
}

#[test]
fn proto_output_is_written_whole_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.pb.gz");
    let cpu = fixture("go119/cpu.pb.gz");
    let out = ferroprof(&["-proto", "-output", path(&dest), path(&cpu)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Generating report in"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );
    // The written profile gives the same report as the original.
    let again = ferroprof(&["-top", path(&dest)]);
    let first = ferroprof(&["-top", path(&cpu)]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(again.stdout, first.stdout);
}

#[test]
fn a_failing_report_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.txt");
    let heap = fixture("go119/heap.pb.gz");
    let out = ferroprof(&[
        "-top",
        "-sample_index=nosuch",
        "-output",
        path(&dest),
        path(&heap),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!dest.exists());
    let unwritable = dir.path().join("missing/out.txt");
    let out = ferroprof(&["-top", "-output", path(&unwritable), path(&heap)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("missing/out.txt"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_closed_pipe_is_success() {
    let big = fixture("google-pprof/internal/proftest/testdata/large.cpu");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferroprof"))
        .args(["-traces", path(&big)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn several_sources_are_merged() {
    let cpu = fixture("go119/cpu.pb.gz");
    let one = ferroprof(&["-top", path(&cpu)]);
    let two = ferroprof(&["-top", path(&cpu), path(&cpu)]);
    assert!(two.status.success(), "{}", stderr(&two));
    let (one, two) = (
        String::from_utf8(one.stdout).unwrap(),
        String::from_utf8(two.stdout).unwrap(),
    );
    assert_ne!(one, two);
    assert_eq!(one.lines().count(), two.lines().count());
}

#[test]
fn help_matches_its_snapshot() {
    let out = ferroprof(&["-help"]);
    ferroprof_testsupport::assert_golden(
        env!("CARGO_MANIFEST_DIR"),
        "help/help.txt",
        &stderr(&out),
    );
}

#[test]
fn input_limits_stop_with_the_limit_and_its_flag() {
    let cpu = fixture("go119/cpu.pb.gz");
    for (flag, want) in [
        (
            "-max_profile_bytes=1000",
            "profile size exceeds limit of 1000 bytes",
        ),
        (
            "-max_decompressed_bytes=1000",
            "decompressed size exceeds limit of 1000 bytes",
        ),
    ] {
        let out = ferroprof(&["-top", flag, path(&cpu)]);
        assert_eq!(out.status.code(), Some(1), "{flag}");
        let err = stderr(&out);
        assert!(
            err.contains(want) && err.contains(flag.split('=').next().unwrap()),
            "{err}"
        );
    }
    let out = ferroprof(&[
        "-top",
        "-max_profile_bytes=100000000",
        "-parse_timeout=60",
        path(&cpu),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ferroprof(&["-top", "-parse_timeout=0", path(&cpu)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("-parse_timeout must be positive"),
        "{}",
        stderr(&out)
    );
}
