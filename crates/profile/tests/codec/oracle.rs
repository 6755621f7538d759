//! An oracle built from the pprof package vendored in the installed Go
//! (`$GOROOT/src/cmd/vendor/github.com/google/pprof/profile`): `oracle raw FILE` prints Go's
//! `profile.ParseData(FILE).String()`, `oracle proto FILE` writes `WriteUncompressed`'s bytes.
#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every protobuf profile among the shared fixtures.
pub const PROTOBUF_FIXTURES: &[&str] = &[
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
	data, err := os.ReadFile(os.Args[2])
	if err == nil {
		var p *profile.Profile
		if p, err = profile.ParseData(data); err == nil {
			if os.Args[1] == "raw" {
				fmt.Print(p.String())
			} else {
				err = p.WriteUncompressed(os.Stdout)
			}
			if err == nil {
				return
			}
		}
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
"#;

/// Builds the oracle into `dir`, returning its path.
pub fn build(dir: &Path) -> PathBuf {
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
