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
