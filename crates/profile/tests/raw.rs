//! `write_raw(parse(file))` against Go's own `profile.ParseData(file).String()`, the text
//! `go tool pprof -raw` prints before its driver merges the profile.
//!
//! The oracle is a ten-line Go program built from the pprof package vendored in the installed
//! Go (`$GOROOT/src/cmd/vendor/github.com/google/pprof/profile`), so it is exactly Go 1.19's
//! parser and `String()`. The conformance suite's `-raw` outputs cannot serve directly: `go tool
//! pprof` merges every source first (renumbering ids, combining samples), which is the driver's
//! business, not the parser's.

use std::path::{Path, PathBuf};
use std::process::Command;

use ferroprof_profile::{parse, write_raw, Limits};
use ferroprof_testsupport::{fixture, have_go};

/// Every protobuf profile among the shared fixtures.
const PROTOBUF_FIXTURES: &[&str] = &[
    "go119/cpu.pb.gz",
    "go119/cpu2.pb.gz",
    "go119/heap.pb.gz",
    "go119/heap2.pb.gz",
    "go119/allocs.pb.gz",
    "go119/goroutine.pb.gz",
    "go119/mutex.pb.gz",
    "go119/block.pb.gz",
    "go119/threadcreate.pb.gz",
    "pprof-rs/cpu.pb",
    "google-pprof/internal/report/testdata/sample.cpu",
    "google-pprof/internal/proftest/testdata/large.cpu",
    "google-pprof/internal/driver/testdata/go.nomappings.crash",
    "google-pprof/internal/driver/testdata/cppbench.cpu_no_samples_type",
];

const ORACLE_MAIN: &str = r#"package main

import (
	"fmt"
	"os"

	"oracle/profile"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err == nil {
		var p *profile.Profile
		if p, err = profile.ParseData(data); err == nil {
			fmt.Print(p.String())
			return
		}
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
"#;

/// Builds the oracle into `dir`, returning its path.
fn build_oracle(dir: &Path) -> PathBuf {
    let goroot = Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("go env GOROOT");
    let goroot = PathBuf::from(String::from_utf8_lossy(&goroot.stdout).trim());
    let vendored = goroot.join("src/cmd/vendor/github.com/google/pprof/profile");
    let pkg = dir.join("profile");
    std::fs::create_dir_all(&pkg).expect("oracle package dir");
    for entry in std::fs::read_dir(&vendored).expect("vendored pprof package") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "go") {
            std::fs::copy(&path, pkg.join(path.file_name().expect("file name"))).expect("copy");
        }
    }
    std::fs::write(dir.join("go.mod"), "module oracle\n\ngo 1.19\n").expect("go.mod");
    std::fs::write(dir.join("main.go"), ORACLE_MAIN).expect("main.go");
    let bin = dir.join("oracle");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(dir)
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOCACHE", dir.join("cache"))
        .status()
        .expect("go build");
    assert!(status.success(), "building the Go oracle failed");
    bin
}

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
    let oracle = build_oracle(dir.path());
    let mut failures = Vec::new();
    for rel in PROTOBUF_FIXTURES {
        let path = fixture(rel);
        let go = Command::new(&oracle)
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
