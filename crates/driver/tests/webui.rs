//! The web UI over HTTP: every view and parameter, errors, the network model (RELIABILITY.md
//! W2), source confinement (W3) and a hostile profile's strings (W1).

mod webui_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;

use ferroprof_driver::webui::{App, Server};
use ferroprof_driver::Config;
use ferroprof_profile::{Limits, Profile};
use webui_support::hostile::{hostile_profile, PAYLOADS};

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }
}

fn start(profile: Profile, settings: &Path) -> SocketAddr {
    start_with(profile, Config::default(), settings)
}

fn start_with(profile: Profile, config: Config, settings: &Path) -> SocketAddr {
    let app = App::new(profile, config, Some(settings.join("pprof/settings.json")));
    let server = Server::bind("127.0.0.1:0", app).unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || server.run());
    addr
}

fn request(addr: SocketAddr, method: &str, target: &str, extra: &str) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    let host = if extra.contains("Host:") {
        String::new()
    } else {
        format!("Host: {addr}\r\n")
    };
    write!(stream, "{method} {target} HTTP/1.1\r\n{host}{extra}\r\n").unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Reply {
        status: head[9..12].parse().unwrap(),
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn get(addr: SocketAddr, target: &str) -> Reply {
    request(addr, "GET", target, "")
}

fn fixture_profile(rel: &str) -> Profile {
    let data = std::fs::read(ferroprof_testsupport::fixture(rel)).unwrap();
    ferroprof_profile::parse(&data, &Limits::default()).unwrap()
}

const CPU: &str = "go119/cpu.pb.gz";

#[test]
fn every_view_answers_with_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(fixture_profile(CPU), dir.path());
    for target in [
        "/ui/top",
        "/ui/flamegraph",
        "/ui/peek?f=.",
        "/ui/source?f=main",
        "/ui/disasm",
        "/ui/assets/common.js",
        "/ui/assets/flame.js",
        "/ui/assets/style.css",
    ] {
        let r = get(addr, target);
        assert_eq!(r.status, 200, "{target}: {}", r.body);
        let csp = r.header("Content-Security-Policy").unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("object-src 'none'"));
        assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
        assert!(r.header("Access-Control-Allow-Origin").is_none());
        if !target.contains("assets") {
            assert!(
                !r.body.contains("<script>"),
                "{target} has an inline script"
            );
        }
    }
    let download = get(addr, "/ui/download");
    assert_eq!(
        download.header("Content-Type"),
        Some("application/vnd.google.protobuf+gzip")
    );
    assert!(download
        .header("Content-Disposition")
        .unwrap()
        .contains("profile.pb.gz"));
}

#[test]
fn views_follow_their_url_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(fixture_profile(CPU), dir.path());
    let all = get(addr, "/ui/top").body;
    let focused = get(addr, "/ui/top?f=sort&h=insertionSort").body;
    assert!(focused.contains("focus=sort") && focused.contains("hide=insertionSort"));
    assert!(focused.matches("<tr>").count() < all.matches("<tr>").count());
    let ignored = get(addr, "/ui/top?i=.").body;
    assert!(ignored.contains("matched no samples") || !ignored.contains("<td class=\"name\">"));
    let lines = get(addr, "/ui/top?g=lines&n=3").body;
    assert!(lines.contains(".go:"), "{lines}");
    let samples = get(addr, "/ui/top?si=samples").body;
    assert!(samples.contains("Type: samples"));
    let peek = get(addr, "/ui/peek?f=partition").body;
    assert!(peek.contains("class=\"listing\"") && peek.contains("sort.partition"));
    let flame = get(addr, "/ui/flamegraph?f=sort").body;
    assert!(flame.contains("id=\"view-data\"") && flame.contains("\"Stacks\":[{"));
    let source = get(addr, "/ui/source").body;
    assert!(source.contains("Select a function"));
    let disasm = get(addr, "/ui/disasm?f=sort.partition");
    assert_eq!(disasm.status, 400, "no binaries for the fixture: Go's 400");
    assert!(disasm
        .body
        .contains("no matches found for regexp: sort.partition"));
}

#[test]
fn bad_parameters_are_400s_with_gos_messages() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(fixture_profile(CPU), dir.path());
    let r = get(addr, "/ui/top?f=%5B");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("parsing focus regexp"), "{}", r.body);
    let r = get(addr, "/ui/top?si=bogus");
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("sample_index \"bogus\" must be one of"),
        "{}",
        r.body
    );
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    for bad in [
        "/ui/top?n=x",
        "/ui/flamegraph?g=bogus",
        "/ui/peek?f=(",
        "/ui/top?nf=x",
    ] {
        assert_eq!(get(addr, bad).status, 400, "{bad}");
    }
    assert_eq!(get(addr, "/ui/nosuchview").status, 404);
}

#[test]
fn routes_redirect_as_gos_do() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(fixture_profile(CPU), dir.path());
    let r = get(addr, "/?f=x");
    assert_eq!((r.status, r.header("Location")), (307, Some("/ui?f=x")));
    let r = get(addr, "/ui");
    assert_eq!((r.status, r.header("Location")), (301, Some("/ui/")));
    let r = get(addr, "/ui/flamegraph2?si=cpu");
    assert_eq!(
        (r.status, r.header("Location")),
        (301, Some("flamegraph?si=cpu"))
    );
    let head = request(addr, "HEAD", "/ui/top", "");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn foreign_hosts_and_origins_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(fixture_profile(CPU), dir.path());
    for host in ["evil.example", "evil.example:80", "localhost.evil.example"] {
        let r = request(addr, "GET", "/ui/top", &format!("Host: {host}\r\n"));
        assert_eq!(r.status, 403, "{host}");
    }
    for host in ["localhost", "127.0.0.1:1", "[::1]:8080"] {
        let r = request(
            addr,
            "GET",
            "/ui/assets/style.css",
            &format!("Host: {host}\r\n"),
        );
        assert_eq!(r.status, 200, "{host}");
    }
    let r = request(
        addr,
        "POST",
        "/ui/saveconfig?config=x",
        "Origin: http://evil.example\r\n",
    );
    assert_eq!(r.status, 403);
    assert!(!dir.path().join("pprof/settings.json").exists());
}

#[test]
fn configs_change_only_by_post_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(fixture_profile(CPU), dir.path());
    let settings = dir.path().join("pprof/settings.json");
    assert_eq!(get(addr, "/ui/saveconfig?config=x&f=main").status, 405);
    assert!(!settings.exists());
    assert_eq!(
        request(addr, "POST", "/ui/saveconfig?f=main", "").status,
        400
    );
    let slash = request(addr, "POST", "/ui/saveconfig?config=a%2Fb", "");
    assert_eq!(
        (slash.status, slash.body.as_str()),
        (400, "invalid config name\n")
    );
    let big = format!("Content-Length: {}\r\n", 10 << 20);
    assert_eq!(
        request(addr, "POST", "/ui/saveconfig?config=x", &big).status,
        413
    );
    let origin = format!("Origin: http://{addr}\r\n");
    let saved = request(
        addr,
        "POST",
        "/ui/saveconfig?config=mine&f=main&n=7",
        &origin,
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    assert_eq!(json["configs"][0]["name"], "mine");
    assert_eq!(json["configs"][0]["focus"], "main");
    assert_eq!(json["configs"][0]["nodecount"], 7);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&settings).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let page = get(addr, "/ui/top?f=main&n=7").body;
    assert!(
        page.contains("\u{2713} mine"),
        "the saved config is marked current"
    );
    assert!(page.contains("href=\"top?f=main&amp;n=7\""));
    assert_eq!(
        request(addr, "POST", "/ui/deleteconfig?config=mine", "").status,
        405
    );
    assert_eq!(
        request(addr, "DELETE", "/ui/deleteconfig?config=mine", "").status,
        200
    );
    let gone = request(addr, "DELETE", "/ui/deleteconfig?config=mine", "");
    assert_eq!(
        (gone.status, gone.body.as_str()),
        (400, "config mine not found\n")
    );
}

#[test]
fn source_view_reads_only_under_the_source_roots() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let secret = dir.path().join("secret.go");
    std::fs::write(&secret, "TOPSECRET\n").unwrap();
    std::fs::write(root.join("ok.go"), "line1\nVISIBLE\n").unwrap();
    std::os::unix::fs::symlink(&secret, root.join("link.go")).unwrap();
    let mut p = hostile_profile();
    let files = [
        secret.display().to_string(),
        format!("{}/../secret.go", root.display()),
        root.join("link.go").display().to_string(),
        root.join("ok.go").display().to_string(),
    ];
    for (f, file) in p.function.iter_mut().zip(&files) {
        f.filename = file.clone();
        f.name = format!("fn{}", f.id.0);
    }
    p.location.iter_mut().for_each(|l| l.line[0].line = 2);
    let mut config = Config::default();
    config.set("source_path", root.to_str().unwrap()).unwrap();
    let addr = start_with(p, config, dir.path());
    let page = get(addr, "/ui/source?f=fn").body;
    assert!(page.contains("VISIBLE"), "{page}");
    assert!(!page.contains("TOPSECRET"), "{page}");
}

#[test]
fn hostile_strings_are_inert_in_every_view() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(hostile_profile(), dir.path());
    let graphviz = ferroprof_testsupport::have_tool("dot", "graphviz", "hostile graph view");
    for view in [
        "top",
        "flamegraph",
        "peek?f=.",
        "source?f=.",
        "disasm",
        "graph",
    ] {
        if view == "graph" && !graphviz {
            continue;
        }
        let reply = get(addr, &format!("/ui/{view}"));
        assert_eq!(reply.status, 200, "{view}: {}", reply.body);
        let body = reply.body;
        assert_eq!(
            body.matches("<script").count(),
            body.matches("<script src=").count()
                + body.matches("<script type=\"application/json\"").count(),
            "{view}"
        );
        for needle in [
            "<img",
            "<svg onload",
            "onerror=\"",
            "onmouseover=\"",
            "href=\"javascript",
            "<script>window",
        ] {
            assert!(!body.contains(needle), "{view} contains {needle}");
        }
        if let Some(start) = body.find("<script type=\"application/json\" id=\"view-data\">") {
            let json = &body[start..];
            let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
            assert!(!json.contains('<') && !json.contains('&'), "{view}");
            let data: serde_json::Value = serde_json::from_str(json).unwrap();
            let names: Vec<&str> = data["Sources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["FullName"].as_str().unwrap())
                .collect();
            assert!(PAYLOADS
                .iter()
                .all(|p| names.contains(&format!("pkg.{p}").as_str())));
        }
    }
}

#[test]
fn a_diff_base_keeps_its_negative_stacks_for_the_flame_graph() {
    let dir = tempfile::tempdir().unwrap();
    let cpu = fixture_profile(CPU);
    let base = fixture_profile("go119/cpu2.pb.gz");
    let diff = ferroprof_profile::ops::subtract_base(
        cpu,
        base,
        ferroprof_profile::ops::BaseKind::DiffBase,
        false,
    )
    .unwrap();
    let addr = start(diff, dir.path());
    let body = get(addr, "/ui/flamegraph").body;
    let start = body.find("id=\"view-data\">").unwrap() + "id=\"view-data\">".len();
    let json = &body[start..start + body[start..].find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    let values: Vec<i64> = data["Stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Value"].as_i64().unwrap())
        .collect();
    assert!(values.iter().any(|v| *v < 0) && values.iter().any(|v| *v > 0));
}
