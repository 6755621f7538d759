//! The demo end to end: it serves, profiles itself through its endpoints and prints each top.

use std::process::Command;

#[test]
fn demo_reports_its_hot_function_and_the_commands() {
    let out = Command::new(env!("CARGO_BIN_EXE_ferroprof-demo"))
        .args(["--addr", "127.0.0.1:0", "--seconds", "4"])
        .output()
        .expect("run ferroprof-demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("=== profile: http://127.0.0.1:"),
        "{stdout}"
    );
    assert!(stdout.contains("Type: cpu"), "{stdout}");
    assert!(
        stdout.contains("workload::checksum"),
        "the hot function is in the top: {stdout}"
    );
    assert_eq!(
        top_function(&stdout, "heap"),
        "ferroprof_demo::workload::remember_response",
        "the leak tops inuse_space: {stdout}"
    );
    assert_eq!(
        top_function(&stdout, "allocs"),
        "ferroprof_demo::workload::build_response",
        "the churn tops alloc_space: {stdout}"
    );
    assert!(stdout.contains("=== goroutine:"), "{stdout}");
    assert!(
        stdout.contains("dig further:  ferroprof -top http://127.0.0.1:"),
        "{stdout}"
    );
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_ferroprof-demo"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: ferroprof-demo"));
}

/// The function of the first row of the `-top` table in the report's `=== name:` section,
/// after checking that the section shows the profile's default sample type (heap:
/// `inuse_space`, allocs: `alloc_space`).
fn top_function(stdout: &str, name: &str) -> String {
    let start = stdout
        .find(&format!("\n=== {name}: "))
        .unwrap_or_else(|| panic!("no {name} section: {stdout}"));
    let section = &stdout[start + 1..];
    let section = &section[..section[1..].find("\n=== ").map_or(section.len(), |e| e + 1)];
    let sample_type = if name == "heap" {
        "inuse_space"
    } else {
        "alloc_space"
    };
    assert!(
        section.contains(&format!("\nType: {sample_type}\n")),
        "{section}"
    );
    let row = section
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("flat  flat%"))
        .nth(1)
        .unwrap_or_else(|| panic!("no top row: {section}"));
    // flat, flat%, sum%, cum, cum%, then the name.
    row.split_whitespace().skip(5).collect::<Vec<_>>().join(" ")
}
