//! The HTTP server and the endpoints that use no profiler: index, unknown names, headers,
//! exposure defaults (E1), bounded bodies (E5), `cmdline`, `symbol`.

mod support;

use ferroprof::{Config, Error, Server};
use support::{get, send_raw};

fn server(config: Config) -> ferroprof::ServerHandle {
    Server::new("127.0.0.1:0")
        .config(config)
        .start()
        .expect("start server")
}

fn all_enabled() -> Config {
    Config {
        enable_cmdline: true,
        enable_symbol: true,
        ..Config::default()
    }
}

#[test]
fn index_lists_served_profiles_with_go_markup() {
    let s = server(Config::default());
    let r = get(s.local_addr(), "/debug/pprof/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
    let body = r.text();
    assert!(
        body.starts_with("<html>\n<head>\n<title>/debug/pprof/</title>"),
        "{body}"
    );
    assert!(
        body.contains("<td><a href='goroutine?debug=1'>goroutine</a></td></tr>"),
        "{body}"
    );
    assert!(body.contains("<a href='profile?debug=1'>profile</a>"));
    assert!(body.contains("<a href=\"goroutine?debug=2\">full goroutine stack dump</a>"));
    // E1: cmdline and symbol are off by default, and the index lists only what is served.
    assert!(
        !body.contains("cmdline") && !body.contains("symbol"),
        "{body}"
    );
    assert_eq!(get(s.local_addr(), "/debug/pprof/cmdline").status, 404);
    s.shutdown();
}

#[test]
fn unknown_profile_is_go_404() {
    let s = server(Config::default());
    let r = get(
        s.local_addr(),
        "/debug/pprof/%3Cscript%3Escripty%3Cscript%3E",
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), "Unknown profile\n");
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("X-Go-Pprof"), Some("1"));
    assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(r.header("Content-Disposition"), None);
    s.shutdown();
}

#[test]
fn non_loopback_needs_opt_in_and_host_is_checked() {
    let err = Server::new("0.0.0.0:0").start().unwrap_err();
    assert!(matches!(err, Error::NotLoopback { .. }));
    assert!(err.to_string().contains("0.0.0.0:0"), "{err}");
    let s = server(Config::default());
    let r = send_raw(
        s.local_addr(),
        b"GET /debug/pprof/ HTTP/1.1\r\nHost: evil.example\r\n\r\n",
    );
    assert_eq!(r.status, 403);
    s.shutdown();
}

#[test]
fn oversized_and_malformed_requests() {
    let s = server(all_enabled());
    let big = format!(
        "POST /debug/pprof/symbol HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
        100 << 20
    );
    assert_eq!(send_raw(s.local_addr(), big.as_bytes()).status, 413);
    assert_eq!(send_raw(s.local_addr(), b"NONSENSE\r\n\r\n").status, 400);
    s.shutdown();
}

#[test]
fn cmdline_joins_args_with_nul() {
    let s = server(all_enabled());
    let r = get(s.local_addr(), "/debug/pprof/cmdline");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    let want: Vec<String> = std::env::args().collect();
    assert_eq!(r.text(), want.join("\0"));
    s.shutdown();
}

#[inline(never)]
fn symbol_target_function() -> u64 {
    std::hint::black_box(3)
}

#[test]
fn symbol_get_and_post() {
    let s = server(all_enabled());
    let pc = symbol_target_function as *const () as usize as u64 + 1;
    let r = get(
        s.local_addr(),
        &format!("/debug/pprof/symbol?{pc:#x}+0x0+0x1"),
    );
    assert_eq!(r.status, 200);
    let body = r.text();
    assert!(body.starts_with("num_symbols: 1\n"), "{body}");
    assert!(
        body.contains(&format!("{pc:#x} server::symbol_target_function")),
        "{body}"
    );
    assert_eq!(
        body.lines().count(),
        2,
        "foreign addresses answer nothing: {body}"
    );
    let post = format!(
        "POST /debug/pprof/symbol HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{pc:#x}",
        format!("{pc:#x}").len()
    );
    assert_eq!(send_raw(s.local_addr(), post.as_bytes()).text(), body);
    s.shutdown();
}

#[test]
fn excess_connections_get_429() {
    use std::net::TcpStream;
    let limits = ferroprof::ServerLimits {
        max_connections: 2,
        ..Default::default()
    };
    let s = Server::new("127.0.0.1:0").limits(limits).start().unwrap();
    // Two idle connections hold both slots (they never send a request).
    let _a = TcpStream::connect(s.local_addr()).unwrap();
    let _b = TcpStream::connect(s.local_addr()).unwrap();
    let mut status = 0;
    // The accept thread may not have counted the idle ones yet; retry briefly.
    for _ in 0..50 {
        status = get(s.local_addr(), "/debug/pprof/").status;
        if status == 429 {
            break;
        }
    }
    assert_eq!(status, 429);
    s.shutdown();
}

/// E1: an auth hook guards every endpoint.
#[test]
fn auth_hook_rejects_without_token() {
    let s = Server::new("127.0.0.1:0")
        .auth(|r| r.header("authorization") == Some("Bearer sesame"))
        .start()
        .unwrap();
    assert_eq!(get(s.local_addr(), "/debug/pprof/").status, 401);
    let ok = send_raw(
        s.local_addr(),
        b"GET /debug/pprof/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sesame\r\n\r\n",
    );
    assert_eq!(ok.status, 200);
    s.shutdown();
}
