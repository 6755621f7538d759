//! Measures the flame graph page of a profile in headless Chromium, for ferroprof's web UI
//! (served in-process) and for `go tool pprof -http`: bytes transferred and the times from
//! navigation start to the response, DOMContentLoaded, load, first contentful paint and the
//! first frame after load (the first full paint; both UIs draw the flame graph before `load`).
//!
//! ```text
//! cargo run --release -p ferroprof-browsertests --bin flame-bench -- [PROFILE] [RUNS] [--no-go]
//! ```
//! PROFILE defaults to the fixture `google-pprof/internal/proftest/testdata/large.cpu`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ferroprof_browsertests::webdriver::Browser;
use ferroprof_browsertests::{load_profile, serve};
use serde_json::{json, Value};

const MARK_FULL_PAINT: &str = "addEventListener('load', () => requestAnimationFrame(() => \
     requestAnimationFrame(() => { window.__fullPaint = performance.now(); })));";

const MEASURE: &str = "const n = performance.getEntriesByType('navigation')[0];\
     const res = performance.getEntriesByType('resource');\
     const sum = (k) => res.reduce((a, r) => a + r[k], 0);\
     const fcp = performance.getEntriesByName('first-contentful-paint')[0];\
     return {html_bytes: n.decodedBodySize, resource_bytes: sum('decodedBodySize'),\
       response_end: n.responseEnd, dom_content_loaded: n.domContentLoadedEventEnd,\
       load: n.loadEventEnd, first_contentful_paint: fcp ? fcp.startTime : null,\
       full_paint: window.__fullPaint || null};";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let no_go = args.iter().any(|a| a == "--no-go");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let profile = positional.first().map(PathBuf::from).unwrap_or_else(|| {
        ferroprof_testsupport::fixture("google-pprof/internal/proftest/testdata/large.cpu")
    });
    let runs: usize = positional.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let settings = tempfile::tempdir().expect("temp dir");
    let ours = serve(load_profile(&profile), settings.path());
    report("ferroprof", ours, runs);
    if !no_go {
        let (mut go, addr) = start_go(&profile);
        report("go tool pprof", addr, runs);
        let _ = go.kill();
        let _ = go.wait();
    }
}

fn report(name: &str, addr: SocketAddr, runs: usize) {
    let browser = Browser::start().expect("chromium and chromedriver");
    browser
        .on_new_document(MARK_FULL_PAINT)
        .expect("CDP script");
    for run in 1..=runs {
        browser.goto("about:blank").expect("blank page");
        let started = Instant::now();
        browser
            .goto(&format!("http://{addr}/ui/flamegraph"))
            .expect("flame graph page loads");
        let full = browser
            .wait_for("window.__fullPaint", 600)
            .expect("a frame after load");
        let m = browser.eval(MEASURE, json!([])).expect("timings");
        println!(
            "{name} run {run}: {} (wall {:.0} ms, full paint {full})",
            summary(&m),
            started.elapsed().as_secs_f64() * 1e3
        );
    }
}

fn summary(m: &Value) -> String {
    let ms = |k: &str| m[k].as_f64().map_or("-".into(), |v| format!("{v:.0} ms"));
    let mb = |k: &str| {
        m[k].as_f64()
            .map_or("-".into(), |v| format!("{:.2} MB", v / 1e6))
    };
    format!(
        "page {} + resources {}; response end {}, DOMContentLoaded {}, load {}, FCP {}, \
         first full paint {}",
        mb("html_bytes"),
        mb("resource_bytes"),
        ms("response_end"),
        ms("dom_content_loaded"),
        ms("load"),
        ms("first_contentful_paint"),
        ms("full_paint")
    )
}

/// Starts `go tool pprof -http` on a free loopback port and waits until it answers.
fn start_go(profile: &std::path::Path) -> (Child, SocketAddr) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // `go tool` runs pprof as its child; start the tool itself so that it can be stopped.
    let tool = Command::new("go")
        .args(["tool", "-n", "pprof"])
        .output()
        .expect("go tool -n pprof");
    let tool = String::from_utf8_lossy(&tool.stdout).trim().to_string();
    let child = Command::new(tool)
        .args([&format!("-http=127.0.0.1:{port}"), "-no_browser"])
        .arg(profile)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("go tool pprof");
    let deadline = Instant::now() + Duration::from_secs(120);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "go tool pprof did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    (child, addr)
}
