//! Sources over HTTP: URL forms, saved copies, progress messages, errors, remote
//! symbolization, against a scripted server on 127.0.0.1 (and, where Go is installed, a real
//! net/http/pprof server and the agent's demo).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::Duration;

use ferroprof_testsupport::fixture;

/// What the scripted server answers: status line, content type, body.
type Answer = (&'static str, &'static str, Vec<u8>);

/// The longest any scripted exchange may take before the test gives up.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A server on 127.0.0.1 that answers each request with `answer(method, target, body)` and
/// reports the request lines it saw; it serves at most `max_requests` connections.
fn serve(
    max_requests: usize,
    answer: impl Fn(&str, &str, &str) -> Answer + Send + 'static,
) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max_requests) {
            let Ok(stream) = stream else { return };
            let Some((method, target, body)) = read_request(&stream) else {
                continue;
            };
            let _ = send.send(format!("{method} {target} {body}"));
            let (status, content_type, payload) = answer(&method, &target, &body);
            let mut stream = stream;
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                payload.len()
            );
            let _ = stream
                .write_all(head.as_bytes())
                .and_then(|()| stream.write_all(&payload));
        }
    });
    (addr, receive)
}

/// The method, target and body of one request.
fn read_request(stream: &TcpStream) -> Option<(String, String, String)> {
    stream.set_read_timeout(Some(IO_TIMEOUT)).ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, target, String::from_utf8_lossy(&body).into_owned()))
}

fn ferroprof(args: &[&str], tmpdir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferroprof"))
        .args(args)
        .env("TZ", "UTC")
        .env("PPROF_TMPDIR", tmpdir)
        .env("PPROF_BINARY_PATH", tmpdir.join("no-binaries"))
        .output()
        .expect("ferroprof runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn saved_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_url_is_fetched_saved_and_reported_like_the_file() {
    let heap = fixture("go119/heap.pb.gz");
    let bytes = std::fs::read(&heap).unwrap();
    let (addr, requests) = serve(1, move |_, _, _| {
        ("200 OK", "application/octet-stream", bytes.clone())
    });
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{addr}/debug/pprof/heap");
    let out = ferroprof(&["-top", &url], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(requests.recv().unwrap(), "GET /debug/pprof/heap ");
    let from_file = ferroprof(&["-top", heap.to_str().unwrap()], dir.path());
    assert_eq!(text(&out.stdout), text(&from_file.stdout));
    let saved = saved_files(dir.path());
    assert_eq!(
        saved,
        ["pprof.workload.alloc_objects.alloc_space.inuse_objects.inuse_space.001.pb.gz"]
    );
    let saved_path = dir.path().join(&saved[0]);
    assert_eq!(
        text(&out.stderr),
        format!(
            "Fetching profile over HTTP from {url}\nSaved profile in {}\n",
            saved_path.display()
        )
    );
    let again = ferroprof(&["-top", saved_path.to_str().unwrap()], dir.path());
    assert_eq!(text(&again.stdout), text(&from_file.stdout));
}

#[test]
fn host_port_means_the_cpu_profile_and_seconds_go_into_the_query() {
    let cpu = std::fs::read(fixture("go119/cpu.pb.gz")).unwrap();
    let (addr, requests) = serve(1, move |_, _, _| {
        ("200 OK", "application/octet-stream", cpu.clone())
    });
    let dir = tempfile::tempdir().unwrap();
    let out = ferroprof(&["-top", "-seconds=1", &addr], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        requests.recv().unwrap(),
        "GET /debug/pprof/profile?seconds=1 "
    );
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "Fetching profile over HTTP from http://{addr}/debug/pprof/profile?seconds=1\n\
             Please wait... (1s)\nSaved profile in "
        )),
        "{err}"
    );
    assert!(text(&out.stdout).contains("Type: cpu"));
}

/// Runs `ferroprof -top <url>` and returns its one error line, checking exit 1 and no output.
fn failure(url: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["-top"];
    args.extend_from_slice(extra);
    args.push(url);
    let out = ferroprof(&args, dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(out.stdout.is_empty());
    assert!(saved_files(dir.path()).is_empty(), "nothing is saved");
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("Fetching profile over HTTP from"),
        "{err}"
    );
    lines[1].to_string()
}

#[test]
fn http_failures_are_one_line_naming_the_source() {
    let (addr, _requests) = serve(2, |_, target, _| {
        if target.contains("heap") {
            (
                "500 Internal Server Error",
                "text/plain; charset=utf-8",
                b"profile busy\n".to_vec(),
            )
        } else {
            (
                "200 OK",
                "text/html",
                b"<html>not a profile</html>".to_vec(),
            )
        }
    });
    let url = format!("http://{addr}/debug/pprof/heap");
    assert_eq!(
        failure(&url, &[]),
        format!("ferroprof: {url}: server response: 500 Internal Server Error - profile busy")
    );
    let url = format!("http://{addr}/debug/pprof/allocs");
    let line = failure(&url, &[]);
    assert!(line.starts_with(&format!("ferroprof: {url}: ")), "{line}");
    assert!(line.contains("unrecognized profile format"), "{line}");
}

#[test]
fn an_unreachable_server_is_one_line() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let source = format!("127.0.0.1:{port}");
    let line = failure(&source, &[]);
    assert_eq!(
        line,
        format!(
            "ferroprof: {source}: Get http://{source}/debug/pprof/profile: connection failed: \
             Connection refused"
        )
    );
}

#[test]
fn a_silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Accept and hold the connection without answering until the client gives up.
    let holder = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    });
    let url = format!("http://{addr}/debug/pprof/heap");
    let line = failure(&url, &["-timeout=1"]);
    assert!(
        line.starts_with(&format!("ferroprof: {url}: Get {url}: ")),
        "{line}"
    );
    assert!(line.contains("timed out"), "{line}");
    holder.join().unwrap();
}

#[test]
fn remote_symbolization_asks_the_symbol_handler() {
    // A legacy C++ CPU profile: addresses only, binaries nowhere on this machine.
    let cpu = std::fs::read(fixture("google-pprof/profile/testdata/cppbench.cpu")).unwrap();
    let (addr, requests) = serve(4, move |method, _, body| {
        if method == "POST" {
            let names: String = body
                .split('+')
                .map(|a| format!("{a} sym_{}\n", &a[2..]))
                .collect();
            (
                "200 OK",
                "text/plain",
                format!("num_symbols: 1\n{names}").into_bytes(),
            )
        } else {
            ("200 OK", "application/octet-stream", cpu.clone())
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{addr}/pprof/profile");
    let out = ferroprof(&["-top", "-nodecount=3", &url], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(requests.recv().unwrap(), "GET /pprof/profile ");
    let post = requests.recv().unwrap();
    assert!(post.starts_with("POST /pprof/symbol 0x"), "{post}");
    let report = text(&out.stdout);
    assert!(report.contains("  sym_"), "{report}");
}

/// Starts `command`, which prints a line containing `http://ADDR` or `listening on ADDR`, and
/// returns the child and the address.
fn start_server(mut command: Command, marker: &str) -> (std::process::Child, String) {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let rest = &line[line.find(marker).unwrap_or_else(|| panic!("{line}")) + marker.len()..];
    let addr: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
        .collect();
    (child, addr)
}

/// Kills the server when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn profiles_of_a_go_net_http_pprof_server() {
    if !ferroprof_testsupport::have_go("profiles_of_a_go_net_http_pprof_server") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/pprofserver/main.go");
    let bin = work.path().join("pprofserver");
    let built = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(&src)
        .env("GOPATH", work.path().join("gopath"))
        .env("GOCACHE", work.path().join("gocache"))
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", text(&built.stderr));
    let (child, addr) = start_server(Command::new(&bin), "listening on ");
    let _server = Running(child);
    let saved = tempfile::tempdir().unwrap();
    let base = format!("http://{addr}/debug/pprof");
    let top = |what: &str| {
        let out = ferroprof(&["-top", &format!("{base}/{what}")], saved.path());
        assert!(out.status.success(), "{what}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let cpu = top("profile?seconds=2");
    assert!(
        cpu.contains("Type: cpu") && cpu.contains("main.spin"),
        "{cpu}"
    );
    assert!(top("heap").contains("Type: inuse_space"));
    assert!(top("goroutine").contains("Type: goroutine"));
    let mutex = top("mutex");
    assert!(
        mutex.contains("Type: delay") && mutex.contains("main.contend"),
        "{mutex}"
    );
    assert_eq!(
        saved_files(saved.path()),
        [
            "pprof.pprofserver.alloc_objects.alloc_space.inuse_objects.inuse_space.001.pb.gz",
            "pprof.pprofserver.contentions.delay.001.pb.gz",
            "pprof.pprofserver.goroutine.001.pb.gz",
            "pprof.pprofserver.samples.cpu.001.pb.gz",
        ]
    );
}

#[test]
fn the_cpu_profile_of_the_agent_demo_shows_its_hot_function() {
    let root = ferroprof_testsupport::workspace_root();
    // The demo is built with this test's profile, so the build reuses what is already there.
    let (profile_flag, profile_dir) = if cfg!(debug_assertions) {
        (None, "debug")
    } else {
        (Some("--release"), "release")
    };
    let built = Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "ferroprof-demo"])
        .args(profile_flag)
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", text(&built.stderr));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let mut demo = Command::new(target.join(profile_dir).join("ferroprof-demo"));
    demo.args(["--addr", "127.0.0.1:0", "--no-report"]);
    let (child, addr) = start_server(demo, "http://");
    let _server = Running(child);
    let saved = tempfile::tempdir().unwrap();
    let out = ferroprof(&["-top", "-seconds=2", &addr], saved.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("Type: cpu"), "{report}");
    assert!(report.contains("workload::checksum"), "{report}");
    assert_eq!(saved_files(saved.path()).len(), 1);
}

#[test]
fn several_urls_merge_and_bases_can_be_urls() {
    let heap = fixture("go119/heap.pb.gz");
    let bytes = std::fs::read(&heap).unwrap();
    let (addr, requests) = serve(5, move |_, _, _| {
        ("200 OK", "application/octet-stream", bytes.clone())
    });
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{addr}/debug/pprof/heap");
    let file = heap.to_str().unwrap();
    let merged = ferroprof(&["-top", &url, &url], dir.path());
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    let from_files = ferroprof(&["-top", file, file], dir.path());
    assert_eq!(text(&merged.stdout), text(&from_files.stdout));
    let diff = ferroprof(&["-top", "-diff_base", &url, &url], dir.path());
    assert!(diff.status.success(), "{}", text(&diff.stderr));
    let diff_files = ferroprof(&["-top", "-diff_base", file, file], dir.path());
    assert_eq!(text(&diff.stdout), text(&diff_files.stdout));
    assert_eq!(requests.try_iter().count(), 4);
    assert_eq!(saved_files(dir.path()).len(), 2, "one saved copy per run");
}
