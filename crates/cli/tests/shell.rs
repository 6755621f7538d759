//! The interactive shell: commands from a pipe and typed at a terminal (a pseudo-terminal driven
//! by a small Python script) print the same reports as the one-shot flags.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ferroprof_testsupport::{fixture, have_go, have_tool};

const SESSION: &str = "top\nlist main.sortLoop\nsample_index=alloc_space\ntop\nquit\n";

fn go119(name: &str) -> PathBuf {
    fixture(&format!("go119/{name}"))
}

fn source_path() -> String {
    format!("-source_path={}", go119("src").display())
}

fn ferroprof(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferroprof"))
        .args(args)
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ferroprof runs");
    let mut input = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut input, stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn one_shot(args: &[&str]) -> String {
    let out = ferroprof(args, "");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The reports the session prints, from the one-shot flags (the shell shows compact labels
/// and ten nodes for `top`).
fn expected_reports(profile: &Path) -> [String; 3] {
    let p = profile.to_str().unwrap();
    let sp = source_path();
    [
        one_shot(&["-top", "-nodecount=10", "-compact_labels", p]),
        one_shot(&[
            "-list=main.sortLoop",
            "-compact_labels",
            &sp,
            "-sample_index=alloc_space",
            p,
        ]),
        one_shot(&[
            "-top",
            "-nodecount=10",
            "-compact_labels",
            "-sample_index=alloc_space",
            p,
        ]),
    ]
}

#[test]
fn piped_commands_print_the_one_shot_reports() {
    let heap = go119("heap.pb.gz");
    let out = ferroprof(&[&source_path(), heap.to_str().unwrap()], SESSION);
    assert!(out.status.success());
    let [top, list, alloc_top] = expected_reports(&heap);
    // inuse_space has no samples in main.sortLoop: its list fails on standard error.
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        format!("(pprof) {top}(pprof) (pprof) (pprof) {alloc_top}(pprof) ")
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.ends_with(
            "Entering interactive mode (type \"help\" for commands, \"o\" for options)\n\
         no matches found for regexp: main.sortLoop\n"
        ),
        "{stderr}"
    );
    assert!(!list.is_empty());
}

#[test]
fn piped_sessions_match_go_tool_pprof() {
    if !have_go("piped_sessions_match_go_tool_pprof") {
        return;
    }
    let heap = go119("heap.pb.gz");
    let session = "top\nsample_index=alloc_space\nlist main.sortLoop\ntop5 -cum\nfocus=json\n\
                   nodecount=4\ntree\n:\npeek sortLoop\ntraces -main\ntopp\ncum\nq\n";
    let ours = ferroprof(&[&source_path(), heap.to_str().unwrap()], session);
    let mut go = Command::new("go")
        .args(["tool", "pprof", &source_path(), heap.to_str().unwrap()])
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = go.stdin.take().unwrap();
    std::io::Write::write_all(&mut input, session.as_bytes()).unwrap();
    drop(input);
    let go = go.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&go.stdout)
    );
    let errors = |o: &Output| -> Vec<String> {
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(errors(&ours), errors(&go));
}

#[test]
fn shell_errors_do_not_end_the_session() {
    let cpu = go119("cpu.pb.gz");
    let out = ferroprof(
        &[cpu.to_str().unwrap()],
        "topp\nlist\nfocus\nnodecount=x\nsample_index=bogus\ncum\ntop2\n",
    );
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    for message in [
        "unrecognized command: \"topp\"",
        "command list requires an argument",
        "please specify a value, e.g. focus=<val>",
        "sample_index \"bogus\" must be one of: [samples cpu]",
        "unknown config field \"cum\"",
    ] {
        assert!(stderr.contains(message), "{message}: {stderr}");
    }
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Showing top 2 nodes out of"), "{stdout}");
}

/// Drives `ferroprof` on a pseudo-terminal: waits for each prompt, types a line, and prints
/// everything the terminal showed.
const PTY_DRIVER: &str = r#"
import os, pty, select, sys, time
argv, lines = sys.argv[1:], os.environ["SESSION"].splitlines()
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
screen, deadline = b"", time.time() + 120
def read_until(done):
    global screen
    start = len(screen)
    while not done(screen[start:]):
        ready, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
        if not ready:
            sys.exit("timed out; the screen so far:\n" + screen.decode(errors="replace"))
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        screen += chunk
read_until(lambda new: b"(pprof) " in new)
for line in lines:
    os.write(fd, line.encode() + b"\r")
    if line == "quit":
        read_until(lambda new: False)
        break
    read_until(lambda new: b"\n" in new and b"(pprof) " in new[new.index(b"\n"):])
os.waitpid(pid, 0)
sys.stdout.buffer.write(screen)
"#;

/// The screen without terminal control sequences and carriage returns.
fn plain(screen: &str) -> String {
    let escapes = regex::Regex::new(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>])").unwrap();
    escapes.replace_all(screen, "").replace('\r', "")
}

#[test]
fn typed_commands_on_a_terminal_print_the_one_shot_reports() {
    if !have_tool(
        "python3",
        "python3",
        "typed_commands_on_a_terminal_print_the_one_shot_reports",
    ) {
        return;
    }
    let heap = go119("heap.pb.gz");
    let out = Command::new("python3")
        .args(["-c", PTY_DRIVER, env!("CARGO_BIN_EXE_ferroprof")])
        .arg(source_path())
        .arg(&heap)
        .env("SESSION", SESSION)
        .env("TZ", "UTC")
        .env("TERM", "xterm")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let screen = plain(&String::from_utf8_lossy(&out.stdout));
    let [top, _, alloc_top] = expected_reports(&heap);
    let first = screen
        .find(&top)
        .unwrap_or_else(|| panic!("top missing:\n{screen}"));
    let error = screen[first..]
        .find("no matches found for regexp: main.sortLoop")
        .unwrap_or_else(|| panic!("list error missing:\n{screen}"));
    assert!(
        screen[first + error..].contains(&alloc_top),
        "alloc_space top missing:\n{screen}"
    );
    for typed in [
        "(pprof) top",
        "(pprof) sample_index=alloc_space",
        "(pprof) quit",
    ] {
        assert!(screen.contains(typed), "{typed} not echoed:\n{screen}");
    }
}
