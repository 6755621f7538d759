//! Input limits through the `ferroprof` binary (RELIABILITY.md P5, P9): a gzip bomb from a
//! file or a URL, a URL that streams forever, and a parse that runs too long each end with the
//! limit and its flag on stderr and exit status 1, never an out-of-memory kill; peak RSS stays
//! near the limit. Bombs are built at run time from `gzip` members of zeros (several members
//! read as one stream), so nothing large is committed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const MIB: u64 = 1 << 20;

/// One gzip member inflating to 64 MiB of zeros (about 64 KiB), made with the system's gzip.
fn member_64mib() -> &'static [u8] {
    static MEMBER: OnceLock<Vec<u8>> = OnceLock::new();
    MEMBER.get_or_init(|| {
        let mut child = Command::new("gzip")
            .args(["-9", "-c"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("gzip (Debian's gzip package) is needed to build the bomb");
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let zeros = vec![0u8; MIB as usize];
            for _ in 0..64 {
                stdin.write_all(&zeros).unwrap();
            }
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        assert!(out.status.success());
        out.stdout
    })
}

/// About 10 MiB of gzip inflating to 10 GiB of zeros (160 members of 64 MiB).
fn bomb_bytes() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| member_64mib().repeat(160))
}

fn bomb_file(dir: &Path) -> PathBuf {
    let path = dir.join("bomb.pb.gz");
    std::fs::write(&path, bomb_bytes()).unwrap();
    path
}

/// What a run of `ferroprof` left: exit code, stderr, and the highest `VmHWM` seen.
struct Run {
    code: Option<i32>,
    stderr: String,
    peak_rss_mib: u64,
    took: Duration,
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `ferroprof args`, sampling its peak RSS every few milliseconds (the kernel's high-water
/// mark, so only growth in the last few milliseconds before exit could be missed). A run longer
/// than two minutes is killed and fails the test.
fn run_measured(args: &[&str]) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferroprof"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut err_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        s
    });
    let mut peak_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Some(kib) = vm_hwm_kib(pid) {
            peak_kib = peak_kib.max(kib);
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("watchdog: ferroprof {args:?} still running after 120 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code(),
        stderr: reader.join().unwrap(),
        peak_rss_mib: peak_kib / 1024,
        took: started.elapsed(),
    }
}

fn assert_limit_error(run: &Run, limit: u64, flag: &str) {
    assert_eq!(run.code, Some(1), "exit status; stderr: {}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("size exceeds limit of {limit} bytes")),
        "the error names the limit: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("-{flag}")),
        "the error names -{flag}: {}",
        run.stderr
    );
    // One error line (a URL source is announced first, as Go announces it).
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("ferroprof:"))
            .count(),
        1,
        "one error line: {}",
        run.stderr
    );
}

/// P5: a 10 MiB file inflating to 10 GiB stops at `-max_decompressed_bytes=64MiB` while
/// streaming, with peak RSS at most the limit + 64 MiB (the short variant of the default-limit
/// test below).
#[test]
fn p5_gzip_bomb_file_stops_at_the_decompressed_limit() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = bomb_file(dir.path());
    let limit = 64 * MIB;
    let flag = format!("-max_decompressed_bytes={limit}");
    let run = run_measured(&["-top", &flag, bomb.to_str().unwrap()]);
    assert_limit_error(&run, limit, "max_decompressed_bytes");
    assert!(run.stderr.contains("decompressed size"), "{}", run.stderr);
    assert!(
        run.stderr.contains("bomb.pb.gz"),
        "names the input: {}",
        run.stderr
    );
    assert!(
        run.peak_rss_mib <= limit / MIB + 64,
        "peak RSS {} MiB for a {} MiB limit",
        run.peak_rss_mib,
        limit / MIB
    );
}

/// P5: with the defaults (1 GiB decompressed, 1 GiB read), the same bomb stops at 1 GiB with
/// peak RSS at most 1 GiB + 64 MiB. Ignored by default: it inflates and touches 1 GiB
/// (`cargo test --release -p ferroprof-cli --test limits -- --ignored`).
#[test]
#[ignore = "inflates 1 GiB: about 3 s and 1 GiB of RSS in release"]
fn p5_gzip_bomb_file_stops_at_the_default_limit() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = bomb_file(dir.path());
    let run = run_measured(&["-top", bomb.to_str().unwrap()]);
    assert_limit_error(&run, 1 << 30, "max_decompressed_bytes");
    assert!(
        run.peak_rss_mib <= 1024 + 64,
        "peak RSS {} MiB for the 1 GiB default",
        run.peak_rss_mib
    );
    eprintln!(
        "default-limit bomb: {:?}, peak RSS {} MiB",
        run.took, run.peak_rss_mib
    );
}

/// A one-shot HTTP server on 127.0.0.1 that answers every request with `body` (`None`: zeros,
/// forever, until the client hangs up or 60 s pass). Returns the base URL.
fn serve(body: Option<&'static [u8]>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            std::thread::spawn(move || {
                conn.set_write_timeout(Some(Duration::from_secs(10))).ok();
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                match body {
                    Some(body) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                             Content-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = conn.write_all(head.as_bytes());
                        let _ = conn.write_all(body);
                    }
                    None => {
                        let _ = conn.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                              Connection: close\r\n\r\n",
                        );
                        let chunk = vec![0u8; 64 << 10];
                        let started = Instant::now();
                        while started.elapsed() < Duration::from_secs(60) {
                            if conn.write_all(&chunk).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// P9: a URL that streams forever stops at `-max_profile_bytes`.
#[test]
fn p9_url_streaming_forever_stops_at_the_profile_size_limit() {
    let url = format!("{}/endless.pb", serve(None));
    let limit = 8 * MIB;
    let flag = format!("-max_profile_bytes={limit}");
    let run = run_measured(&["-top", &flag, &url]);
    assert_limit_error(&run, limit, "max_profile_bytes");
    assert!(
        run.peak_rss_mib <= limit / MIB + 64,
        "peak RSS {} MiB",
        run.peak_rss_mib
    );
}

/// P5, P9: a gzip bomb served over HTTP stops at `-max_decompressed_bytes` like a file.
#[test]
fn p9_url_gzip_bomb_stops_at_the_decompressed_limit() {
    let url = format!("{}/bomb.pb.gz", serve(Some(bomb_bytes())));
    let limit = 64 * MIB;
    let flag = format!("-max_decompressed_bytes={limit}");
    let run = run_measured(&["-top", &flag, &url]);
    assert_limit_error(&run, limit, "max_decompressed_bytes");
    assert!(
        run.peak_rss_mib <= limit / MIB + 64,
        "peak RSS {} MiB",
        run.peak_rss_mib
    );
}

/// P9: a parse that runs past `-parse_timeout` stops with the timeout and its flag. The bomb
/// is allowed 6 GiB, far more than one second of inflating and zero-filling reaches.
#[test]
fn p9_parse_timeout_stops_a_long_parse() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = bomb_file(dir.path());
    let run = run_measured(&[
        "-top",
        "-parse_timeout=1",
        "-max_decompressed_bytes=6442450944",
        bomb.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("parsing took longer than 1s (raise it with -parse_timeout=N)"),
        "{}",
        run.stderr
    );
    assert!(run.took < Duration::from_secs(30), "took {:?}", run.took);
}
