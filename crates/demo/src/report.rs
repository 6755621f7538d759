//! The self-report: fetch each profile from our own endpoints, as a client would, and print
//! its top with the analyzer, plus the commands to dig further.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// CPU profile length when the run has no time limit.
const CPU_SECONDS: u64 = 5;

/// Profiles fetched besides `profile` when the index lists them (the CPU profile first).
const NAMED: [&str; 5] = ["heap", "allocs", "goroutine", "mutex", "block"];

/// Fetches and summarizes every served profile within `budget` (if any).
pub fn run(addr: SocketAddr, base: &str, budget: Option<Duration>) {
    let served = match get(addr, "/debug/pprof/") {
        Ok(index) => index,
        Err(e) => return eprintln!("ferroprof-demo: cannot read the index: {e}"),
    };
    let seconds = budget.map_or(CPU_SECONDS, |b| {
        b.as_secs().saturating_sub(1).clamp(1, CPU_SECONDS)
    });
    let mut targets = vec![(format!("profile?seconds={seconds}"), "profile")];
    for name in NAMED {
        if served.contains(&format!("href='{name}?debug=1'")) {
            targets.push((name.to_string(), name));
        }
    }
    let dir = std::env::temp_dir().join(format!("ferroprof-demo-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    for (path, name) in targets {
        println!("\n=== {name}: {base}/{path}");
        match get(addr, &format!("/debug/pprof/{path}")) {
            Ok(body) => {
                let file = dir.join(format!("{name}.pb.gz"));
                let _ = std::fs::write(&file, body.as_bytes());
                top(&file);
            }
            Err(e) => println!("(fetch failed: {e})"),
        }
        println!("dig further:  ferroprof -top {base}/{path}");
        println!("              go tool pprof -http=127.0.0.1:8080 {base}/{path}");
    }
}

/// Prints the top 10 of a saved profile through the analyzer library.
fn top(file: &std::path::Path) {
    let args = [
        "-top".to_string(),
        "-nodecount=10".to_string(),
        file.display().to_string(),
    ];
    let mut out = Vec::new();
    let mut ui = ferroprof_driver::CapturedUi::default();
    match ferroprof_driver::run(args, &mut ui, &mut out) {
        Ok(()) => print!("{}", String::from_utf8_lossy(&out)),
        Err(e) => println!(
            "(the analyzer could not read it: {e}; try: ferroprof -top {})",
            file.display()
        ),
    }
}

/// A GET on our own server; the body as text (profiles are binary: bytes kept in the string
/// only to be written out again).
fn get(addr: SocketAddr, target: &str) -> Result<Body, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    write!(s, "GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).map_err(|e| e.to_string())?;
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no header end")?;
    let status = String::from_utf8_lossy(&buf[..end]);
    let body = buf[end + 4..].to_vec();
    if !status.starts_with("HTTP/1.1 200") {
        return Err(format!(
            "{}: {}",
            status.lines().next().unwrap_or(""),
            String::from_utf8_lossy(&body).trim()
        ));
    }
    Ok(Body(body))
}

/// A response body.
pub struct Body(Vec<u8>);

impl Body {
    fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn contains(&self, needle: &str) -> bool {
        self.0.windows(needle.len()).any(|w| w == needle.as_bytes())
    }
}
