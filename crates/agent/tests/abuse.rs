//! Endpoint abuse against a running server on 127.0.0.1 (RELIABILITY.md E1, E3, E4, E5):
//! `seconds=` edge values on every endpoint that takes it, floods of parallel requests, oversized
//! and malformed requests, and idle or trickling (slowloris) connections. Every test is bounded:
//! sockets carry client-side timeouts, so a server that hangs fails the test instead of hanging it.
//!
//! This binary starts the CPU profiler (a `seconds=1` profile), so its tests that may start it
//! take [`lock`].

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ferroprof::{Config, CpuConfig, Server, ServerHandle, ServerLimits};
use support::{get, send_raw, Reply};

fn lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn server_with(config: Config, limits: ServerLimits) -> ServerHandle {
    Server::new("127.0.0.1:0")
        .config(config)
        .limits(limits)
        .start()
        .expect("start server on 127.0.0.1:0")
}

fn server() -> ServerHandle {
    server_with(Config::default(), ServerLimits::default())
}

/// Go's error shape (`serveError`): plain text, `X-Go-Pprof: 1`, no attachment, `nosniff`.
fn assert_go_error(r: &Reply, status: u16, text: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.text());
    assert_eq!(r.text(), format!("{text}\n"), "{what}");
    assert_eq!(
        r.header("Content-Type"),
        Some("text/plain; charset=utf-8"),
        "{what}"
    );
    assert_eq!(r.header("X-Go-Pprof"), Some("1"), "{what}");
    assert_eq!(
        r.header("X-Content-Type-Options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("Content-Disposition"), None, "{what}");
}

/// The server still answers a plain request (after an abusive one).
fn assert_alive(addr: SocketAddr) {
    let r = get(addr, "/debug/pprof/");
    assert_eq!(r.status, 200, "the server stopped answering");
}

/// E3: on `profile`, an absent, non-positive, unparsable or overflowing `seconds` means Go's
/// 30 s, so with a 10 s cap each is refused with Go's 400; a value above the cap too
/// (`9223372037` s overflows a Go `time.Duration`); `seconds=1` profiles for one second.
#[test]
fn e3_profile_seconds_edge_values() {
    let _l = lock();
    let config = Config {
        cpu: CpuConfig {
            max_seconds: 10,
            ..CpuConfig::default()
        },
        ..Config::default()
    };
    let s = server_with(config, ServerLimits::default());
    let addr = s.local_addr();
    for q in [
        "",
        "?seconds=",
        "?seconds=0",
        "?seconds=-1",
        "?seconds=abc",
        "?seconds=1e30",
        "?seconds=99999999999999999999",
        "?seconds=9223372037",
        "?seconds=11",
        "?seconds=%00",
    ] {
        let started = Instant::now();
        let r = get(addr, &format!("/debug/pprof/profile{q}"));
        assert_go_error(
            &r,
            400,
            "profile duration exceeds server's WriteTimeout",
            &format!("profile{q}"),
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "profile{q}: refused only after {:?}",
            started.elapsed()
        );
    }
    let started = Instant::now();
    let r = get(addr, "/debug/pprof/profile?seconds=1");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(started.elapsed() >= Duration::from_secs(1));
    let p = ferroprof_profile::parse(&r.body, &ferroprof_profile::Limits::default())
        .expect("a one-second profile parses");
    assert_eq!(p.duration_nanos / 1_000_000_000, 1, "{}", p.duration_nanos);
    s.shutdown();
}

/// E3: on the delta profiles (`heap`, `allocs`, `mutex`, `block`, `goroutine`,
/// `threadcreate`), an invalid `seconds` is 400 with Go's message, one above the cap 400 with
/// the `WriteTimeout` message, and `seconds` with `debug` 400 as well.
#[test]
fn e3_delta_seconds_edge_values() {
    let s = server();
    let addr = s.local_addr();
    for name in [
        "heap",
        "allocs",
        "mutex",
        "block",
        "goroutine",
        "threadcreate",
    ] {
        for bad in ["0", "-1", "abc", "1e30", "99999999999999999999", "%20"] {
            let r = get(addr, &format!("/debug/pprof/{name}?seconds={bad}"));
            assert_go_error(
                &r,
                400,
                "invalid value for \"seconds\" - must be a positive integer",
                &format!("{name}?seconds={bad}"),
            );
        }
        for over in ["61", "9223372037", "9223372036854775807"] {
            let r = get(addr, &format!("/debug/pprof/{name}?seconds={over}"));
            assert_go_error(
                &r,
                400,
                "profile duration exceeds server's WriteTimeout",
                &format!("{name}?seconds={over}"),
            );
        }
        let r = get(addr, &format!("/debug/pprof/{name}?seconds=1&debug=1"));
        assert_go_error(
            &r,
            400,
            "seconds and debug params are incompatible",
            &format!("{name}?seconds=1&debug=1"),
        );
    }
    s.shutdown();
}

/// VmRSS of this process in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line")
}

/// E4: 100 parallel `heap` and `goroutine?debug=2` requests: each gets 200 or Go-shaped 429
/// (16 connections at once by default), none hangs, memory stays bounded, and the server
/// answers normally afterwards.
#[test]
fn e4_hundred_parallel_heap_and_goroutine_requests() {
    let s = server();
    let addr = s.local_addr();
    let before = rss_kib();
    let threads: Vec<_> = (0..100)
        .map(|i| {
            std::thread::spawn(move || {
                let target = if i % 2 == 0 {
                    "/debug/pprof/heap"
                } else {
                    "/debug/pprof/goroutine?debug=2"
                };
                let r = get(addr, target);
                (target, r.status, r.header("X-Go-Pprof").map(str::to_string))
            })
        })
        .collect();
    let mut ok = 0;
    let mut busy = 0;
    for t in threads {
        let (target, status, go) = t.join().expect("client thread");
        match status {
            200 => ok += 1,
            429 => {
                assert_eq!(go.as_deref(), Some("1"), "{target}: 429 in Go's shape");
                busy += 1
            }
            other => panic!("{target}: status {other}"),
        }
    }
    assert!(ok >= 1, "no request was served ({busy} got 429)");
    assert_eq!(ok + busy, 100);
    let grown_mib = rss_kib().saturating_sub(before) / 1024;
    assert!(
        grown_mib < 256,
        "RSS grew by {grown_mib} MiB over 100 requests"
    );
    assert_alive(addr);
    s.shutdown();
}

/// E5: a header block past `max_header_bytes` is 431, a body past `max_body_bytes` 413 before
/// it is read, a `Content-Length` that is not a number 400, and the server lives on.
#[test]
fn e5_oversized_headers_and_bodies() {
    let s = server_with(
        Config::default(),
        ServerLimits {
            max_header_bytes: 4 << 10,
            max_body_bytes: 1 << 10,
            ..ServerLimits::default()
        },
    );
    let addr = s.local_addr();
    let long = format!(
        "GET /debug/pprof/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(64 << 10)
    );
    // The server may close before reading all of it; the status line still arrives.
    let r = send_lenient(addr, long.as_bytes());
    assert_eq!(r.as_ref().map(|r| r.status), Some(431), "oversized headers");
    let many = format!(
        "GET /debug/pprof/ HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\r\n",
        "X-A: b\r\n".repeat(2000)
    );
    let r = send_lenient(addr, many.as_bytes());
    assert_eq!(r.as_ref().map(|r| r.status), Some(431), "many headers");
    let body = format!(
        "POST /debug/pprof/symbol HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
        u64::MAX
    );
    assert_eq!(send_raw(addr, body.as_bytes()).status, 413, "huge body");
    let bad = b"POST /debug/pprof/symbol HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n";
    let status = send_raw(addr, bad).status;
    assert!(status == 400 || status == 413, "negative length: {status}");
    assert_alive(addr);
    s.shutdown();
}

/// Sends `raw` and reads the answer, tolerating a reset after the answer (the server closes
/// without reading everything sent). `None` when no answer came at all.
fn send_lenient(addr: SocketAddr, raw: &[u8]) -> Option<Reply> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(raw);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some(Reply {
        status,
        headers: Vec::new(),
        body: buf[end + 4..].to_vec(),
    })
}

/// Waits (at most `limit`) for the server to close `conn`; returns how long it took.
fn time_until_closed(conn: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    conn.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 256];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(started.elapsed())
            }
            Err(_) => return None,
        }
    }
}

/// E4, E5 (slowloris): idle connections that never finish their request hold a slot only for
/// `read_timeout`; once they are dropped, the server answers again.
#[test]
fn e5_idle_connections_are_dropped_after_the_read_timeout() {
    let s = server_with(
        Config::default(),
        ServerLimits {
            max_connections: 2,
            read_timeout: Duration::from_millis(500),
            ..ServerLimits::default()
        },
    );
    let addr = s.local_addr();
    let mut idle: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut c = TcpStream::connect(addr).unwrap();
            c.write_all(b"GET /debug/pprof/ HTTP/1.1\r\n").unwrap();
            c
        })
        .collect();
    for c in &mut idle {
        let closed = time_until_closed(c, Duration::from_secs(10));
        assert!(
            closed.is_some(),
            "an idle connection was kept open for 10 s with a 500 ms read timeout"
        );
    }
    assert_alive(addr);
    s.shutdown();
}

/// E4, E5 (slowloris): a client trickling its request one byte at a time, each byte well
/// within the read timeout, is still cut off once the whole request has taken longer than
/// `read_timeout`: the timeout bounds the request, not each read.
#[test]
fn e5_trickling_request_is_cut_off() {
    let read_timeout = Duration::from_millis(600);
    let s = server_with(
        Config::default(),
        ServerLimits {
            max_connections: 2,
            read_timeout,
            ..ServerLimits::default()
        },
    );
    let addr = s.local_addr();
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_write_timeout(Some(Duration::from_secs(1))).unwrap();
    let started = Instant::now();
    let request = format!(
        "GET /debug/pprof/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}",
        "a".repeat(400)
    );
    let mut cut_off = false;
    // One byte every 50 ms: 400+ bytes would take over 20 s.
    for b in request.bytes() {
        if c.write_all(&[b]).is_err() {
            cut_off = true;
            break;
        }
        if let Some(closed) = {
            c.set_nonblocking(true).unwrap();
            let mut probe = [0u8; 64];
            let r = match c.read(&mut probe) {
                Ok(0) => Some(true),
                Ok(_) => Some(true),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
                Err(_) => Some(true),
            };
            c.set_nonblocking(false).unwrap();
            r
        } {
            cut_off = closed;
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "watchdog: still trickling after 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let took = started.elapsed();
    assert!(cut_off, "a trickling request was never cut off");
    assert!(
        took < read_timeout * 5,
        "cut off only after {took:?} with a {read_timeout:?} read timeout"
    );
    assert_alive(addr);
    s.shutdown();
}

/// E1: the agent refuses non-loopback addresses unless remote access is enabled, whatever
/// the spelling (IPv4 any, IPv6 any, a LAN-style address).
#[test]
fn e1_non_loopback_spellings_are_refused() {
    for addr in ["0.0.0.0:0", "[::]:0"] {
        let err = Server::new(addr).start().expect_err(addr);
        assert!(
            matches!(err, ferroprof::Error::NotLoopback { .. }),
            "{addr}: {err}"
        );
        assert!(err.to_string().contains(addr), "{err}");
    }
    let ok = Server::new("[::1]:0").start();
    if let Ok(s) = ok {
        // IPv6 loopback is loopback (when the host has IPv6 at all).
        s.shutdown();
    }
    let s = Server::new("localhost:0")
        .start()
        .expect("localhost is loopback");
    assert!(s.local_addr().ip().is_loopback());
    s.shutdown();
}

/// E5: a request target that is not a profile name, including a script and path tricks, is
/// Go's 404 "Unknown profile"; a method the endpoint does not take does not crash it.
#[test]
fn e5_hostile_targets_get_plain_answers() {
    let s = server();
    let addr = s.local_addr();
    for target in [
        "/debug/pprof/<script>scripty<script>",
        "/debug/pprof/..%2f..%2fetc%2fpasswd",
        "/debug/pprof/heap%00",
        "/debug/pprof/%ff%fe",
    ] {
        let r = send_lenient(
            addr,
            format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes(),
        )
        .expect("an answer");
        assert!(r.status == 404 || r.status == 400, "{target}: {}", r.status);
    }
    let r = send_raw(
        addr,
        b"DELETE /debug/pprof/heap HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    );
    assert!(r.status < 500, "DELETE heap: {}", r.status);
    assert_alive(addr);
    s.shutdown();
}

#[inline(never)]
fn e2_spin_marker(until: Instant) -> u64 {
    let mut x = 0u64;
    while Instant::now() < until {
        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
    }
    x
}

/// E2: with `symbol` off (the default), the served CPU profile already names functions with
/// files and lines (export-time symbolization), so clients need no `/debug/pprof/symbol`, which
/// answers 404. Load-tolerant: up to three one-second profiles until the spinner is sampled.
#[test]
fn e2_names_without_the_symbol_endpoint() {
    let _l = lock();
    let s = server();
    let addr = s.local_addr();
    assert_eq!(get(addr, "/debug/pprof/symbol").status, 404);
    let mut seen = None;
    for _ in 0..3 {
        let spinner =
            std::thread::spawn(|| e2_spin_marker(Instant::now() + Duration::from_millis(1500)));
        let r = get(addr, "/debug/pprof/profile?seconds=1");
        spinner.join().unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        let p = ferroprof_profile::parse(&r.body, &ferroprof_profile::Limits::default())
            .expect("the served profile parses");
        seen = p
            .function
            .iter()
            .find(|f| f.name.contains("e2_spin_marker"))
            .cloned();
        if seen.is_some() {
            break;
        }
    }
    let f = seen.expect("the spinner was never sampled in three one-second profiles");
    assert!(f.filename.ends_with("abuse.rs"), "{f:?}");
    s.shutdown();
}
