//! Binding, the accept loop and the checks every request passes before routing: the peer
//! (loopback binds serve local peers only), the `Host` header and, for state changes, `Origin`.

use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferroprof_profile::Profile;

use super::http::{self, make_query, ReadError, Request, Response};
use super::App;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ui::Ui;

/// The most requests handled at once; more wait in the listen queue.
const MAX_CONNECTIONS: usize = 32;

/// A bound web UI server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
    host: String,
    loopback: bool,
}

impl Server {
    /// Binds `addr` (`host:port`; an empty host is `localhost`, port 0 picks a free one).
    pub fn bind(addr: &str, app: App) -> std::io::Result<Server> {
        let (host, port) = addr.rsplit_once(':').unwrap_or((addr, "0"));
        let host = match host.trim_start_matches('[').trim_end_matches(']') {
            "" => "localhost".to_string(),
            h => h.to_string(),
        };
        let port: u16 = port.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("bad port in {addr:?}"),
            )
        })?;
        let addrs: Vec<SocketAddr> = (host.as_str(), port).to_socket_addrs()?.collect();
        let listener = TcpListener::bind(&addrs[..])?;
        let loopback = addrs.iter().all(|a| a.ip().is_loopback());
        Ok(Server {
            listener,
            app: Arc::new(app),
            host,
            loopback,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The UI's base URL (`http://localhost:8080`).
    pub fn url(&self) -> String {
        let port = self.local_addr().map(|a| a.port()).unwrap_or(0);
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("http://{host}:{port}")
    }

    /// Whether the server only accepts loopback peers and host names.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// Serves requests until the process ends.
    pub fn run(self) {
        let active = Arc::new(AtomicUsize::new(0));
        let checks = Arc::new(Checks {
            loopback: self.loopback,
        });
        for stream in self.listener.incoming().flatten() {
            while active.load(Ordering::Acquire) >= MAX_CONNECTIONS {
                std::thread::sleep(Duration::from_millis(5));
            }
            active.fetch_add(1, Ordering::AcqRel);
            let (app, checks, active) = (self.app.clone(), checks.clone(), active.clone());
            std::thread::spawn(move || {
                handle(stream, &app, &checks);
                active.fetch_sub(1, Ordering::AcqRel);
            });
        }
    }
}

#[derive(Debug)]
struct Checks {
    loopback: bool,
}

fn handle(mut stream: TcpStream, app: &App, checks: &Checks) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let peer = stream.peer_addr().ok();
    let response = match http::read_request(&stream) {
        Ok(req) => match checks.refuse(&req, peer) {
            Some(refusal) => refusal,
            None => app.route(&req),
        }
        .with_method(&req),
        Err(ReadError::Bad(status, why)) => (Response::text(status, why), false),
        Err(ReadError::Io) => return,
    };
    let _ = response.0.write_to(&mut stream, response.1);
}

impl Response {
    fn with_method(self, req: &Request) -> (Response, bool) {
        (self, req.method == "HEAD")
    }
}

impl Checks {
    /// The 403 a request gets from a foreign peer, host name or origin; `None` to serve it.
    fn refuse(&self, req: &Request, peer: Option<SocketAddr>) -> Option<Response> {
        if self.loopback {
            if !peer.is_some_and(|p| p.ip().is_loopback()) {
                return Some(Response::text(403, "permission denied"));
            }
            let host = req.header("host").map(host_name).unwrap_or_default();
            if !is_local_name(&host) {
                return Some(Response::text(403, "forbidden host"));
            }
        }
        let changes_state = !matches!(req.method.as_str(), "GET" | "HEAD");
        if changes_state {
            if let (Some(origin), Some(host)) = (req.header("origin"), req.header("host")) {
                if origin != format!("http://{host}") {
                    return Some(Response::text(403, "forbidden origin"));
                }
            }
        }
        None
    }
}

/// The host name of a `Host` header, without port or brackets.
fn host_name(header: &str) -> String {
    let h = header.trim();
    let name = if let Some(rest) = h.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        h.rsplit_once(':').map_or(h, |(n, _)| n)
    };
    name.to_ascii_lowercase()
}

fn is_local_name(name: &str) -> bool {
    name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `-http`: serves the UI over `profile` until the process ends, opening a browser on it
/// unless `no_browser`.
pub fn serve(
    addr: &str,
    profile: Profile,
    config: Config,
    no_browser: bool,
    ui: &mut dyn Ui,
) -> Result<()> {
    let query = make_query(&config.url_params());
    let server = Server::bind(addr, App::new(profile, config, None))
        .map_err(|e| Error::Usage(format!("could not serve the web UI on {addr}: {e}")))?;
    let url = server.url();
    if !server.is_loopback() {
        ui.print_err(&format!(
            "Warning: the web UI on {url} is reachable from other machines; anyone who can reach \
             it can read the profile and the source files under the source path"
        ));
    }
    ui.print_err(&format!("Serving web UI on {url}"));
    let page = if query.is_empty() {
        format!("{url}/ui/")
    } else {
        format!("{url}/ui/?{query}")
    };
    if !no_browser {
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(500));
            if !open_browser(&page) {
                let _ = writeln!(std::io::stderr(), "Open {page} in your browser.");
            }
        });
    }
    server.run();
    Ok(())
}

/// Tries `$BROWSER` (a `:`-separated list) and then `xdg-open`.
fn open_browser(url: &str) -> bool {
    let listed = std::env::var("BROWSER").unwrap_or_default();
    let candidates = listed
        .split(':')
        .filter(|b| !b.is_empty())
        .map(str::to_string)
        .chain(["xdg-open".to_string()]);
    for browser in candidates {
        let started = std::process::Command::new(&browser)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if started.is_ok() {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hosts_bind_loopback_and_wildcards_do_not() {
        let app = || App::new(Profile::default(), Config::default(), None);
        let local = Server::bind(":0", app()).unwrap();
        assert!(local.is_loopback() && local.url().starts_with("http://localhost:"));
        let any = Server::bind("0.0.0.0:0", app()).unwrap();
        assert!(!any.is_loopback());
        assert!(Server::bind("127.0.0.1:x", app()).is_err());
    }

    #[test]
    fn host_headers_name_local_hosts_only() {
        for local in [
            "localhost:8080",
            "127.0.0.1:1",
            "[::1]:80",
            "LOCALHOST",
            "127.0.0.2",
        ] {
            assert!(is_local_name(&host_name(local)), "{local}");
        }
        for foreign in [
            "evil.example",
            "evil.example:8080",
            "10.0.0.1:80",
            "",
            "localhost.evil",
        ] {
            assert!(!is_local_name(&host_name(foreign)), "{foreign}");
        }
    }
}
