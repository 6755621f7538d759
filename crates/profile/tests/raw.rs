//! `write_raw(parse(file))` against Go's own `profile.ParseData(file).String()`, the text
//! `go tool pprof -raw` prints before its driver merges the profile.
//!
//! The oracle is a ten-line Go program built from the pprof package vendored in the installed
//! Go (`$GOROOT/src/cmd/vendor/github.com/google/pprof/profile`), so it is exactly Go 1.19's
//! parser and `String()`. The conformance suite's `-raw` outputs cannot serve directly: `go tool
//! pprof` merges every source first (renumbering ids, combining samples), which is the driver's
//! business, not the parser's.

use std::path::Path;
use std::process::Command;

use ferroprof_profile::{parse, write_raw, Limits};
use ferroprof_testsupport::{fixture, have_go};

#[path = "codec/oracle.rs"]
mod oracle;

fn ours(path: &Path) -> Vec<u8> {
    let data = std::fs::read(path).expect("read fixture");
    let p = parse(&data, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    write_raw(&p, &mut out).expect("write to a Vec");
    out
}

#[test]
fn raw_dump_matches_go_profile_string() {
    if !have_go("raw_dump_matches_go_profile_string") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let oracle = oracle::build(dir.path());
    let mut failures = Vec::new();
    for rel in oracle::PROTOBUF_FIXTURES {
        let path = fixture(rel);
        let go = Command::new(&oracle)
            .arg("raw")
            .arg(&path)
            .output()
            .expect("run oracle");
        assert!(go.status.success(), "Go cannot parse {rel}");
        let ours = ours(&path);
        if ours != go.stdout {
            let (a, e) = (
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&go.stdout),
            );
            let line = a.lines().zip(e.lines()).position(|(a, e)| a != e);
            failures.push(format!("{rel}: first differing line {line:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "differences from Go:\n{}",
        failures.join("\n")
    );
}

/// Without Go, the raw dump still has its fixed shape.
#[test]
fn raw_dump_of_a_go_cpu_profile_has_go_header() {
    let out = String::from_utf8(ours(&fixture("go119/cpu.pb.gz"))).expect("utf-8");
    let head: Vec<&str> = out.lines().take(6).collect();
    assert_eq!(head[0], "PeriodType: cpu nanoseconds");
    assert_eq!(head[1], "Period: 10000000");
    assert!(
        head[2].starts_with("Time: 2026-11-27 03:55:07.081887996 +0000 UTC"),
        "{}",
        head[2]
    );
    assert_eq!(head[3], "Duration: 8.12");
    assert_eq!(head[4], "Samples:");
    assert_eq!(head[5], "samples/count cpu/nanoseconds");
    assert!(out.contains("\nLocations\n") && out.contains("\nMappings\n"));
}
