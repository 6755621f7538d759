//! HTTPS sources: verified against `-tls_ca`, unverified with `https+insecure://`, refused for
//! an unknown authority, and the certificate and key flags checked, against a TLS server on
//! 127.0.0.1 with a throwaway authority made by `openssl`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use ferroprof_testsupport::{fixture, have_tool};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Makes a certificate authority and a server certificate for 127.0.0.1 signed by it.
fn make_certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=ferroprof test authority",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
}

/// A TLS server on 127.0.0.1 answering every request with `body`, for `connections`
/// connections (handshakes that fail count too).
fn serve_tls(dir: &Path, body: Vec<u8>, connections: usize) -> String {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for tcp in listener.incoming().take(connections) {
            let Ok(tcp) = tcp else { return };
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(30)))
                .unwrap();
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut reader = BufReader::new(&mut tls);
            let mut line = String::new();
            // Read the request head; a failed handshake ends here.
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = tls
                .write_all(head.as_bytes())
                .and_then(|()| tls.write_all(&body));
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    addr
}

fn ferroprof(args: &[&str], tmp: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferroprof"))
        .args(args)
        .env("TZ", "UTC")
        .env("PPROF_TMPDIR", tmp)
        .output()
        .unwrap()
}

#[test]
fn https_sources_are_verified_against_the_given_authority() {
    if !have_tool(
        "openssl",
        "openssl",
        "https_sources_are_verified_against_the_given_authority",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    make_certificates(dir.path());
    let heap = std::fs::read(fixture("go119/heap.pb.gz")).unwrap();
    let addr = serve_tls(dir.path(), heap, 3);
    let url = format!("https://{addr}/debug/pprof/heap");
    let tmp = tempfile::tempdir().unwrap();

    let unknown = ferroprof(&["-top", &url], tmp.path());
    assert_eq!(unknown.status.code(), Some(1));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.lines()
            .last()
            .unwrap()
            .starts_with(&format!("ferroprof: {url}: ")),
        "{err}"
    );
    assert!(err.to_lowercase().contains("certificate"), "{err}");

    let ca = dir.path().join("ca.pem");
    let trusted = ferroprof(
        &["-top", &format!("-tls_ca={}", ca.display()), &url],
        tmp.path(),
    );
    assert!(
        trusted.status.success(),
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(String::from_utf8_lossy(&trusted.stdout).contains("Type: inuse_space"));

    let insecure = format!("https+insecure://{addr}/debug/pprof/heap");
    let out = ferroprof(&["-top", &insecure], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("Fetching profile over HTTP from {insecure}\n")),
        "{err}"
    );
}

#[test]
fn certificate_and_key_come_together() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ferroprof(
        &["-top", "-tls_cert=c.pem", "http://127.0.0.1:1/"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ferroprof: -tls_cert is specified, so -tls_key must also be specified\n"
    );
}
