//! Done-when 1 of the agent's issue, against the running demo: `go tool pprof` (the reference)
//! and the `ferroprof` analyzer (its driver, which is all the `ferroprof` binary runs) read the
//! demo's CPU profile — the hot loop with the share of the process's CPU its thread really used,
//! `-list` of the hot function with its source lines — and its goroutine profile at every debug
//! level. Runs when `go` is installed (CI installs it).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use ferroprof_testsupport::{go_tool_pprof, have_go};

/// The demo, killed when the test ends however it ends.
struct Demo {
    child: Child,
    /// `http://127.0.0.1:PORT/debug/pprof`
    base: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_demo() -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferroprof-demo"))
        .args(["--addr", "127.0.0.1:0", "--no-report", "--seconds", "300"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run ferroprof-demo");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    Demo { child, base }
}

/// The CPU time (clock ticks) of the process and of its thread named `name`, from `/proc`.
fn cpu_ticks(pid: u32, name: &str) -> (u64, u64) {
    let ticks = |stat: &str| -> u64 {
        let (_, rest) = stat.rsplit_once(") ").expect("stat line");
        let fields: Vec<&str> = rest.split(' ').collect();
        // utime and stime are fields 14 and 15; `rest` starts at field 3.
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    let process = ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap());
    let thread = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|t| {
            let dir = t.ok()?.path();
            let comm = std::fs::read_to_string(dir.join("comm")).ok()?;
            (comm.trim() == name).then(|| std::fs::read_to_string(dir.join("stat")).ok())?
        })
        .map(|s| ticks(&s))
        .sum();
    (process, thread)
}

/// Runs `ferroprof ARGS` through the driver; its standard output.
fn ferroprof(args: &[&str]) -> String {
    let mut out = Vec::new();
    let mut ui = ferroprof_driver::CapturedUi::default();
    ferroprof_driver::run(args.iter().copied(), &mut ui, &mut out)
        .unwrap_or_else(|e| panic!("ferroprof {args:?}: {e}"));
    String::from_utf8(out).unwrap()
}

/// The `cum%` of the `-top` row naming `function`.
fn cum_percent(top: &str, function: &str) -> f64 {
    let row = top
        .lines()
        .find(|l| l.ends_with(function) || l.ends_with(&format!("{function} (inline)")))
        .unwrap_or_else(|| panic!("{function} not in\n{top}"));
    let cum = row.split_whitespace().nth(4).unwrap();
    cum.trim_end_matches('%').parse().unwrap()
}

/// `-top` of a 3-second CPU profile by `tool`: the hot loop's thread has the share of the
/// process's CPU that `/proc` says it used in the same window (±10 points), and the hot
/// function has the most flat time. Returns the `-top` text.
fn top_has_the_real_share(demo: &Demo, tool: &dyn Fn(&[&str]) -> String, who: &str) -> String {
    let url = format!("{}/profile?seconds=3", demo.base);
    let before = cpu_ticks(demo.child.id(), "hot-loop");
    let top = tool(&["-top", &url]);
    let after = cpu_ticks(demo.child.id(), "hot-loop");
    let real = 100.0 * (after.1 - before.1) as f64 / (after.0 - before.0).max(1) as f64;
    assert!(top.contains("Type: cpu"), "{who}:\n{top}");
    let reported = cum_percent(&top, "ferroprof_demo::workload::hot_loop");
    assert!(
        (reported - real).abs() <= 10.0,
        "{who}: hot_loop has {reported}% of the samples, its thread used {real:.1}% of the CPU\n{top}"
    );
    let first = top
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("flat"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        first.ends_with("ferroprof_demo::workload::checksum"),
        "{who}: the hot function leads the flat column\n{top}"
    );
    eprintln!("{who}: hot_loop {reported}% of samples, {real:.1}% of the CPU by /proc");
    top
}

/// `-list` shows the hot function's source lines, the loop's with samples (cumulative: its
/// flat time may sit on the lines of inlined iterator code).
fn list_shows_source_lines(list: &str, who: &str) {
    assert!(
        list.contains("ROUTINE ======================== ferroprof_demo::workload::checksum in ")
            && list.contains("crates/demo/src/workload.rs"),
        "{who}:\n{list}"
    );
    let source = "    for i in 0..rounds {";
    let row = list
        .lines()
        .find(|l| l.ends_with(source))
        .unwrap_or_else(|| panic!("{who}: no source line {source:?}\n{list}"));
    let cum = row.split_whitespace().nth(1).unwrap();
    assert!(
        cum != ".",
        "{who}: the loop line has no samples: {row}\n{list}"
    );
    assert!(
        list.contains("pub fn checksum(rounds: u64) -> u64 {"),
        "{who}:\n{list}"
    );
}

/// The profile `go tool pprof` saved in `dir` whose name contains `kind`.
fn saved(dir: &Path, kind: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().contains(kind))
        .unwrap_or_else(|| panic!("no saved {kind} profile in {}", dir.display()))
}

/// A GET on the demo; the body as text.
fn get_text(base: &str, path: &str) -> String {
    let addr = base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET /debug/pprof/{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    text.split_once("\r\n\r\n").unwrap().1.to_string()
}

#[test]
fn go_tool_pprof_and_ferroprof_read_the_demo() {
    if !have_go("go_tool_pprof_and_ferroprof_read_the_demo") {
        return;
    }
    let tmp = std::env::temp_dir().join(format!("ferroprof-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    // Both tools save fetched profiles in $PPROF_TMPDIR. This binary has one test, so no other
    // thread reads the environment while it changes.
    std::env::set_var("PPROF_TMPDIR", &tmp);
    std::env::set_var("HOME", &tmp);
    let demo = start_demo();
    let go = |args: &[&str]| go_tool_pprof(args);

    // Symbolize once, so the export's first DWARF parse is not in the measured windows.
    get_text(&demo.base, "goroutine?debug=1");
    top_has_the_real_share(&demo, &go, "go tool pprof");
    top_has_the_real_share(&demo, &ferroprof, "ferroprof");
    let cpu = saved(&tmp, ".samples.cpu.");
    let cpu = cpu.to_str().unwrap();
    let re = "workload::checksum";
    list_shows_source_lines(&go(&["-list", re, cpu]), "go tool pprof -list");
    list_shows_source_lines(&ferroprof(&["-list", re, cpu]), "ferroprof -list");

    // goroutine: debug=0 (proto) and debug=1 (Go's text, symbolized through /symbol) name the
    // demo's threads; debug=2 is a dump for people, which neither tool reads (as for Go's own).
    for debug in ["0", "1"] {
        let url = format!("{}/goroutine?debug={debug}", demo.base);
        for (who, top) in [
            ("go tool pprof", go(&["-top", "-nodecount=200", &url])),
            ("ferroprof", ferroprof(&["-top", "-nodecount=200", &url])),
        ] {
            assert!(
                top.contains("Type: goroutine"),
                "{who} debug={debug}:\n{top}"
            );
            for f in ["hot_loop", "contended_lock", "leaky_cache", "wait_forever"] {
                assert!(
                    top.contains(&format!("ferroprof_demo::workload::{f}")),
                    "{who} debug={debug}: no {f}\n{top}"
                );
            }
        }
    }
    let dump = get_text(&demo.base, "goroutine?debug=2");
    let hot = dump
        .split("\n\n")
        .find(|t| t.contains(", thread \"hot-loop\"]:\n"))
        .unwrap_or_else(|| panic!("no hot-loop thread in\n{dump}"));
    assert!(hot.contains("ferroprof_demo::workload::hot_loop"), "{hot}");
    let url = format!("{}/goroutine?debug=2", demo.base);
    let out = Command::new("go")
        .args(["tool", "pprof", "-top", &url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized profile format"));
    let mut sink = Vec::new();
    let err = ferroprof_driver::run(
        ["-top", url.as_str()],
        &mut ferroprof_driver::CapturedUi::default(),
        &mut sink,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("unrecognized profile format"),
        "{err}"
    );
    drop(demo);
    let _ = std::fs::remove_dir_all(&tmp);
}
