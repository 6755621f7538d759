//! `-folded` and `-flame` end to end: sample index, filters and granularity apply, the shell's
//! commands print what the flags do, and `-flame -diff_base` colours frames by sign.

use std::io::Write;
use std::process::{Command, Stdio};

use ferroprof_testsupport::fixture;

const SAMPLE_CPU: &str = "google-pprof/internal/report/testdata/sample.cpu";

/// Runs ferroprof with `args` and `stdin`, asserting success; returns standard output.
fn run(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferroprof"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn folded_total(text: &str) -> i64 {
    text.lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<i64>().unwrap())
        .sum()
}

#[test]
fn folded_honours_sample_index_and_filters() {
    let heap = fixture("go119/heap.pb.gz");
    let heap = heap.to_str().unwrap();
    let objects = run(&["-folded", "-sample_index=alloc_objects", heap], "");
    let space = run(&["-folded", "-sample_index=alloc_space", heap], "");
    assert_ne!(folded_total(&objects), folded_total(&space));
    assert_eq!(objects.lines().count(), space.lines().count());

    let cpu = fixture(SAMPLE_CPU);
    let cpu = cpu.to_str().unwrap();
    let all = run(&["-folded", cpu], "");
    let focused = run(&["-folded", "-focus=evacuate", cpu], "");
    assert!(folded_total(&focused) < folded_total(&all));
    assert!(focused.lines().all(|l| l.contains("runtime.evacuate")));
    assert!(all
        .lines()
        .any(|l| l.starts_with("runtime.main;main.main;main.busyLoop;")));
}

#[test]
fn folded_at_file_granularity_names_files() {
    let cpu = fixture(SAMPLE_CPU);
    let text = run(&["-folded", "-files", cpu.to_str().unwrap()], "");
    assert!(
        text.lines()
            .all(|l| l.starts_with("/usr/lib/google-golang/src/runtime/proc.go;")),
        "{text}"
    );
}

#[test]
fn the_shell_commands_write_what_the_flags_write() {
    let cpu = fixture(SAMPLE_CPU);
    let cpu = cpu.to_str().unwrap();
    let shell = run(&[cpu], "folded\nquit\n");
    assert!(shell.contains(&run(&["-folded", cpu], "")));
    // Like `svg`, the shell's `flame` goes to a file.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shell.svg");
    run(&[cpu], &format!("flame >{}\nquit\n", out.display()));
    let svg = std::fs::read_to_string(&out).unwrap();
    assert_eq!(svg, run(&["-flame", cpu], ""));
}

#[test]
fn flame_with_a_diff_base_colours_frames_by_sign() {
    let (cpu, cpu2) = (fixture("go119/cpu.pb.gz"), fixture("go119/cpu2.pb.gz"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("flame.svg");
    run(
        &[
            "-flame",
            "-output",
            out.to_str().unwrap(),
            "-diff_base",
            cpu.to_str().unwrap(),
            cpu2.to_str().unwrap(),
        ],
        "",
    );
    let svg = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let fills: Vec<&str> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("rect") && n.parent().and_then(|g| g.attribute("class")) == Some("f")
        })
        .map(|r| r.attribute("fill").unwrap())
        .collect();
    assert!(
        fills.iter().any(|f| f.starts_with("rgb(255,")),
        "a frame grew"
    );
    assert!(fills.iter().any(|f| f.ends_with(",255)")), "a frame shrank");

    let plain = run(&["-flame", cpu2.to_str().unwrap()], "");
    assert!(roxmltree::Document::parse(&plain).is_ok());
    assert!(!plain.contains("Differential"));
}

#[test]
fn weblist_shows_source_lines_and_their_instructions() {
    let dir = fixture("google-pprof/internal/report/testdata");
    let page = tempfile::tempdir().unwrap();
    let out = page.path().join("weblist.html");
    let status = Command::new(env!("CARGO_BIN_EXE_ferroprof"))
        .args(["-weblist=busyLoop", "-output"])
        .arg(&out)
        .arg(dir.join("sample.cpu"))
        .env("PPROF_BINARY_PATH", &dir)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<h2>main.busyLoop</h2>"));
    assert!(html.contains("260ms 1.76s (flat, cum) 100% of Total"));
    // abs.go:16 holds 100ms, on the jbe at 0x4b4463, which names its target escaped.
    assert!(html.contains("     100ms      100ms abs.go:16"));
    assert!(html.contains(
        "<pre>     100ms      100ms     4b4463: jbe    4b4473 &lt;main.busyLoop+0x163&gt;</pre>"
    ));
    assert!(html.contains("sample.go:29"));
    assert!(!html.contains("<main."));
}
