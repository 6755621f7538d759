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

#[path = "codec/builder.rs"]
mod builder;
#[path = "codec/oracle.rs"]
mod oracle;

use builder::Msg;

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

/// Hand-made profiles exercising Go's decoding rules, each checked against Go: numeric labels
/// with and without units (padding), a label with neither (dropped), a string label beating a
/// number, a dangling mapping id (dropped), fields newer than Go 1.19 with odd wire types
/// (skipped), a zero time before a real one, packed and unpacked repeated fields, a comment list.
fn crafted() -> Vec<(&'static str, Vec<u8>)> {
    let strings = ["", "samples", "count", "main", "main.go", "bytes", "k", "v"];
    let vt = Msg::default().uint(1, 1).uint(2, 2);
    let func = Msg::default().uint(1, 1).uint(2, 3).uint(3, 3).uint(4, 4);
    let line = Msg::default().uint(1, 1).uint(2, 9);
    let label = |key, str, num, unit| {
        Msg::default()
            .uint(1, key)
            .uint(2, str)
            .uint(3, num)
            .uint(4, unit)
    };
    let labels = Msg::default()
        .uint(1, 1)
        .uint(2, 5)
        .msg(3, label(6, 0, 0, 5))
        .msg(3, label(6, 0, 7, 0))
        .msg(3, label(6, 0, 0, 0))
        .msg(3, label(3, 7, 4, 0))
        .msg(3, label(4, 0, 1, 0))
        .msg(3, label(4, 1, 0, 0));
    let base = || Msg::default().msg(1, vt.clone()).msg(5, func.clone());
    let loc = |mapping| {
        Msg::default()
            .uint(1, 1)
            .uint(2, mapping)
            .msg(4, line.clone())
    };
    vec![
        (
            "labels",
            base().msg(2, labels).msg(4, loc(0)).strings(&strings).0,
        ),
        (
            "dangling mapping",
            base()
                .msg(2, Msg::default().uint(1, 1).uint(2, 1))
                .msg(4, loc(7))
                .strings(&strings)
                .0,
        ),
        (
            "newer fields with odd wire types",
            base()
                .msg(2, Msg::default().uint(1, 1).uint(2, 1))
                .msg(
                    4,
                    Msg::default()
                        .uint(1, 1)
                        .msg(4, line.clone().bytes(3, b"x")),
                )
                .strings(&strings)
                .bytes(15, b"doc")
                .uint(15, 99)
                .0,
        ),
        (
            "times, packed values, comments, period type",
            base()
                .msg(2, Msg::default().bytes(1, &[1, 1, 1]).bytes(2, &[3]))
                .msg(4, loc(0))
                .msg(
                    3,
                    Msg::default()
                        .uint(1, 2)
                        .uint(2, 0x1000)
                        .uint(6, 5)
                        .uint(7, 1)
                        .uint(10, 1),
                )
                .strings(&strings)
                .uint(9, 0)
                .uint(9, 1_795_750_674_533_597_982)
                .uint(10, 16_500_000_000_000)
                .bytes(13, &[6, 7, 3])
                .uint(13, 4)
                .msg(11, Msg::default().uint(1, 5).uint(2, 5))
                .uint(12, 100)
                .uint(14, 1)
                .0,
        ),
    ]
}

#[test]
fn crafted_profiles_decode_as_go_decodes_them() {
    if !have_go("crafted_profiles_decode_as_go_decodes_them") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let oracle = oracle::build(dir.path());
    for (name, data) in crafted() {
        let path = dir.path().join("crafted.pb");
        std::fs::write(&path, &data).expect("write crafted profile");
        let go = Command::new(&oracle)
            .arg("raw")
            .arg(&path)
            .output()
            .expect("oracle");
        assert!(
            go.status.success(),
            "{name}: Go rejects it: {}",
            String::from_utf8_lossy(&go.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&ours(&path)),
            String::from_utf8_lossy(&go.stdout),
            "{name}"
        );
    }
}
