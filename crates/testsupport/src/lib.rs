//! Test support shared by every ferroprof crate: where the shared fixtures are, where the `go`
//! oracle is, and golden files with one bless switch (`FERROPROF_BLESS=1`).
//!
//! Depends on no ferroprof crate, so that each crate's own tests see one `Profile` type.
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

pub mod cpu_time;

/// The workspace root, derived from this crate's manifest directory (never the current directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared fixtures folder: `FERROPROF_FIXTURES_DIR` (relative values are taken from the
/// workspace root), by default `../shared/fixtures` beside the workspace.
pub fn fixtures_dir() -> PathBuf {
    let root = workspace_root();
    match std::env::var_os("FERROPROF_FIXTURES_DIR") {
        Some(d) => root.join(d),
        None => root.join("../shared/fixtures"),
    }
}

/// The path of a shared fixture. A missing fixture fails the test, naming the file, the folder
/// tried and the variable that moves it; it is never skipped.
pub fn fixture(rel: &str) -> PathBuf {
    let dir = fixtures_dir();
    let path = dir.join(rel);
    assert!(
        path.exists(),
        "fixture {rel} not found in {}; set FERROPROF_FIXTURES_DIR to the shared fixtures folder \
         (default: ../shared/fixtures beside the workspace)",
        dir.display()
    );
    path
}

/// Whether `go` (the oracle, Debian's `golang-go`) is on PATH. When it is missing, says loudly on
/// standard error that `test` is skipped; in CI (`CI` set) a missing `go` fails instead.
pub fn have_go(test: &str) -> bool {
    have_tool("go", "golang-go", test)
}

/// Runs `go tool pprof ARGS` and returns its standard output; fails the test, with Go's standard
/// error, when it does not succeed. Call [`have_go`] first.
pub fn go_tool_pprof(args: &[&str]) -> String {
    let out = std::process::Command::new("go")
        .args(["tool", "pprof"])
        .args(args)
        .output()
        .expect("run go tool pprof");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "go tool pprof {args:?}: {}{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Whether `tool` is on PATH; when missing, prints a loud skip naming the Debian package, or
/// panics in CI, where `.ci/run` installs every tool the tests need.
pub fn have_tool(tool: &str, package: &str, test: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: `{tool}` is not installed, and CI must run this test (apt-get install -y {package})"
        );
        eprintln!("SKIPPED {test}: `{tool}` not found on PATH (apt-get install -y {package})");
    }
    found
}

/// Compares `actual` with the golden file at `path` (relative to the calling crate's
/// `tests/golden/`). With `FERROPROF_BLESS=1` the golden is rewritten instead. A missing golden
/// fails with the bless hint; a mismatch prints a unified-style diff of the first differing lines
/// and writes the actual output beside the temp dir.
pub fn assert_golden(crate_dir: &str, path: &str, actual: &str) {
    let golden = Path::new(crate_dir).join("tests/golden").join(path);
    if std::env::var_os("FERROPROF_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden.parent().expect("golden has a parent"))
            .expect("create golden dir");
        std::fs::write(&golden, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
        panic!(
            "golden {} is missing; run with FERROPROF_BLESS=1 to create it",
            golden.display()
        )
    });
    if expected != actual {
        let out = std::env::temp_dir().join(path.replace('/', "_"));
        let _ = std::fs::write(&out, actual);
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        let show = |s: &str| s.lines().skip(first).take(5).collect::<Vec<_>>().join("\n");
        panic!(
            "golden {} differs from line {}:\n--- expected\n{}\n+++ actual\n{}\nactual written to {}; \
             run with FERROPROF_BLESS=1 to accept",
            golden.display(),
            first + 1,
            show(&expected),
            show(actual),
            out.display()
        );
    }
}
