//! Reports opened in a viewer (`-web`, `web` in the shell): rendered, written to a temporary
//! file and handed to `$BROWSER`.

use std::path::Path;
use std::process::{Command, Stdio};

use ferroprof_testsupport::{fixture, have_tool};

/// A `$BROWSER` that records the file it is given (its path and first bytes) in `log`.
fn recording_browser(dir: &Path, log: &Path) -> String {
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n{{ echo \"$1\"; head -c 200 \"$1\"; }} > {}.tmp && mv {0}.tmp {0}\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    script.display().to_string()
}

/// Waits (bounded) for the browser, which runs on its own, to have written its log.
fn read_log(log: &Path) -> String {
    for _ in 0..200 {
        if let Ok(text) = std::fs::read_to_string(log) {
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the browser was not started");
}

#[test]
fn web_hands_an_svg_to_the_browser_from_the_flag_and_the_shell() {
    if !have_tool("dot", "graphviz", "web_hands_an_svg_to_the_browser") {
        return;
    }
    let cpu = fixture("go119/cpu.pb.gz");
    for (args, stdin) in [(vec!["-web"], ""), (vec![], "web\nquit\n")] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("opened.txt");
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferroprof"))
            .args(&args)
            .arg(&cpu)
            .env("BROWSER", recording_browser(dir.path(), &log))
            .env_remove("DISPLAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let opened = read_log(&log);
        let (file, head) = opened.split_once('\n').unwrap();
        assert!(file.ends_with(".svg"), "{opened}");
        assert!(
            head.contains("<svg") || head.starts_with("<?xml"),
            "{opened}"
        );
        let _ = std::fs::remove_file(file);
    }
}
