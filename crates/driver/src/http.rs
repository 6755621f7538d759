//! Profiles over HTTP: which sources are URLs (Go's `adjustURL` rules), the client with its TLS
//! settings (`-tls_cert`, `-tls_key`, `-tls_ca`, `https+insecure://`), the bounded download
//! with its progress display, and the POST of remote symbolization.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};
use crate::ui::Ui;

/// The handler a bare `host:port` (or a URL without a path) is taken to mean, as `go tool
/// pprof` takes it: the CPU profile of net/http/pprof.
const CPU_PROFILE_PATH: &str = "/debug/pprof/profile";

/// The timeout of a fetch without `-timeout` or `seconds`, as in Go.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Sources fetched at once, as pprof's `chunkedGrab` (a bound on open connections and threads).
const MAX_CONCURRENT_FETCHES: usize = 128;

/// Go's client waits this much longer than the collection timeout for the response headers.
const HEADER_GRACE: Duration = Duration::from_secs(5);

/// A source that is a URL, with the collection time and timeout that apply to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSource {
    /// The URL to fetch, `seconds=` set and the path defaulted.
    pub url: String,
    /// How long the server collects (`seconds`), zero for snapshots.
    pub seconds: u64,
    /// How long the fetch may take.
    pub timeout: Duration,
}

/// Go's `adjustURL`: `source` as a URL (a `host:port[/path]` gets `http://`), with
/// `-seconds` put into the query (or the query's `seconds` read back), the path defaulted to
/// the CPU profile, and the timeout derived (`-timeout`, else 1.5 × seconds, else 60 s).
/// `None` when the source is not a URL (a file).
pub fn adjust_url(
    source: &str,
    seconds: Option<u64>,
    timeout: Option<u64>,
) -> Option<RemoteSource> {
    let mut url = parse_with_host(source)?;
    if url.path().is_empty() || url.path() == "/" {
        url.set_path(CPU_PROFILE_PATH);
    }
    let mut query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let seconds = match seconds.filter(|s| *s > 0) {
        Some(s) => {
            query.retain(|(k, _)| k != "seconds");
            query.push(("seconds".into(), s.to_string()));
            s
        }
        None => query
            .iter()
            .find(|(k, _)| k == "seconds")
            .and_then(|(_, v)| v.parse::<i32>().ok())
            .map_or(0, |s| s.max(0) as u64),
    };
    // Go encodes the query with its keys sorted (url.Values.Encode).
    query.sort_by(|a, b| a.0.cmp(&b.0));
    if query.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(&query);
    }
    let timeout = match timeout.filter(|t| *t > 0) {
        Some(t) => Duration::from_secs(t),
        None if seconds > 0 => Duration::from_millis(seconds * 1500),
        None => DEFAULT_TIMEOUT,
    };
    Some(RemoteSource {
        url: url.to_string(),
        seconds,
        timeout,
    })
}

/// Parses `source` as a URL with a host, retrying with `http://` in front as Go does when the
/// first path segment holds a colon (`host:port/path`, which is either a parse error or read
/// as scheme `host`); anything else without a host is a file.
fn parse_with_host(source: &str) -> Option<Url> {
    let has_host = |u: &Url| u.host_str().is_some_and(|h| !h.is_empty());
    if let Ok(u) = Url::parse(source) {
        if has_host(&u) {
            return Some(u);
        }
        if u.scheme() == "file" {
            return None;
        }
    }
    if !source.split('/').next().unwrap_or("").contains(':') {
        return None;
    }
    Url::parse(&format!("http://{source}"))
        .ok()
        .filter(has_host)
}

/// The TLS files of `-tls_cert`, `-tls_key` and `-tls_ca`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// Client certificate (PEM).
    pub cert: Option<String>,
    /// Client key (PEM).
    pub key: Option<String>,
    /// Certificate authorities to trust instead of the built-in roots (PEM).
    pub ca: Option<String>,
}

/// An HTTP client for profile and symbol requests: verified TLS and, for `https+insecure://`
/// URLs, unverified TLS.
#[derive(Clone)]
pub struct HttpClient {
    verified: Arc<rustls::ClientConfig>,
    insecure: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpClient")
    }
}

impl HttpClient {
    /// Loads the TLS files (errors worded as Go's transport words them).
    pub fn new(tls: &TlsFiles) -> Result<HttpClient> {
        let certs = crate::tls::client_identity(tls)?;
        let roots = crate::tls::roots(tls.ca.as_deref())?;
        Ok(HttpClient {
            verified: Arc::new(crate::tls::config(roots, certs.clone(), false)?),
            insecure: Arc::new(crate::tls::config(
                rustls::RootCertStore::empty(),
                certs,
                true,
            )?),
        })
    }

    /// The agent for `url` (its TLS config by scheme) and the URL to request.
    fn agent(&self, url: &str, timeout: Duration) -> (ureq::Agent, String) {
        let (tls, url) = match url.strip_prefix("https+insecure://") {
            Some(rest) => (self.insecure.clone(), format!("https://{rest}")),
            None => (self.verified.clone(), url.to_string()),
        };
        let agent = ureq::AgentBuilder::new()
            .tls_config(tls)
            .timeout_connect(timeout)
            .timeout(timeout + HEADER_GRACE)
            .redirects(10)
            .build();
        (agent, url)
    }

    /// GETs a profile within `limit` bytes. `ui` shows Go's messages, and a progress bar while
    /// the server collects when standard error is a terminal.
    pub fn fetch_profile(
        &self,
        remote: &RemoteSource,
        limit: u64,
        ui: &mut dyn Ui,
    ) -> Result<Vec<u8>> {
        ui.print_err(&format!("Fetching profile over HTTP from {}", remote.url));
        if remote.seconds > 0 && !ui.is_err_terminal() {
            ui.print_err(&format!("Please wait... ({}s)", remote.seconds));
        }
        if remote.seconds > 0 && ui.is_err_terminal() {
            let (client, remote) = (self.clone(), remote.clone());
            return crate::progress::while_collecting(remote.seconds, move || {
                client.download(&remote, limit)
            });
        }
        self.download(remote, limit)
    }

    /// GETs several profiles at once, [`MAX_CONCURRENT_FETCHES`] at a time (as pprof's
    /// `chunkedGrab`), each within `limit` bytes; one alone is fetched as
    /// [`HttpClient::fetch_profile`] does, progress bar included.
    pub fn fetch_profiles(
        &self,
        remotes: &[&RemoteSource],
        limit: u64,
        ui: &mut dyn Ui,
    ) -> Vec<Result<Vec<u8>>> {
        if let [only] = remotes {
            return vec![self.fetch_profile(only, limit, ui)];
        }
        let mut results = Vec::with_capacity(remotes.len());
        for chunk in remotes.chunks(MAX_CONCURRENT_FETCHES) {
            for remote in chunk {
                ui.print_err(&format!("Fetching profile over HTTP from {}", remote.url));
                if remote.seconds > 0 {
                    ui.print_err(&format!("Please wait... ({}s)", remote.seconds));
                }
            }
            std::thread::scope(|scope| {
                let running: Vec<_> = chunk
                    .iter()
                    .map(|remote| scope.spawn(move || self.download(remote, limit)))
                    .collect();
                for thread in running {
                    results.push(thread.join().unwrap_or_else(|_| {
                        Err(Error::Fetch("the fetching thread panicked".into()))
                    }));
                }
            });
        }
        results
    }

    /// The GET itself, without messages.
    fn download(&self, remote: &RemoteSource, limit: u64) -> Result<Vec<u8>> {
        let (agent, url) = self.agent(&remote.url, remote.timeout);
        let response = agent
            .get(&url)
            .call()
            .map_err(|e| request_error(None, &url, e))?;
        read_body(response, limit, &url)
    }

    /// POSTs `body` to `url` (remote symbolization) and returns the response.
    pub fn post(&self, url: &str, body: &str, limit: u64) -> Result<Vec<u8>> {
        let (agent, url) = self.agent(url, DEFAULT_TIMEOUT);
        let response = agent
            .post(&url)
            .set("Content-Type", "application/octet-stream")
            .send_string(body)
            .map_err(|e| request_error(Some("http post"), &url, e))?;
        read_body(response, limit, &url)
    }
}

/// Reads a response body, failing past `limit` bytes.
fn read_body(response: ureq::Response, limit: u64, url: &str) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    response
        .into_reader()
        .take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| Error::Fetch(format!("reading the response from {url}: {e}")))?;
    if data.len() as u64 > limit {
        return Err(Error::Fetch(format!(
            "{url}: profile size exceeds limit of {limit} bytes (raise it with \
             -max_profile_bytes=N)"
        )));
    }
    Ok(data)
}

/// The longest server error body shown (Go shows it whole; a page of HTML is no help on one
/// line).
const MAX_ERROR_BODY: usize = 512;

/// One line for a failed request: the server's status and, as Go shows it, its plain-text
/// explanation; or the transport's cause. `post` names the request for status errors (a
/// profile's source is named by the caller).
fn request_error(post: Option<&str>, url: &str, error: ureq::Error) -> Error {
    let status_prefix = post.map_or(String::new(), |verb| format!("{verb} {url}: "));
    match error {
        ureq::Error::Status(_, response) => {
            let status = format!("{} {}", response.status(), response.status_text());
            let plain = response.content_type().starts_with("text/plain");
            let mut body = String::new();
            if plain {
                let _ = response
                    .into_reader()
                    .take(MAX_ERROR_BODY as u64)
                    .read_to_string(&mut body);
            }
            let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
            if body.is_empty() {
                Error::Fetch(format!("{status_prefix}server response: {status}"))
            } else {
                Error::Fetch(format!("{status_prefix}server response: {status} - {body}"))
            }
        }
        ureq::Error::Transport(t) => {
            let verb = post.unwrap_or("Get");
            Error::Fetch(format!("{verb} {url}: {}", transport_cause(&t)))
        }
    }
}

/// The cause of a transport error as a user reads it: what failed and the system's reason.
fn transport_cause(t: &ureq::Transport) -> String {
    use std::error::Error as _;
    let what = match t.kind() {
        ureq::ErrorKind::Dns => "host not found".to_string(),
        ureq::ErrorKind::ConnectionFailed => "connection failed".to_string(),
        kind => kind.to_string(),
    };
    let reason = t
        .source()
        .map(|s| s.to_string())
        .or_else(|| t.message().map(String::from))
        .unwrap_or_default();
    let reason = reason.split(" (os error").next().unwrap_or("");
    if reason.contains("timed out") || reason.contains("WouldBlock") {
        return format!("{what}: timed out (raise it with -timeout=N)");
    }
    if reason.is_empty() {
        what
    } else {
        format!("{what}: {reason}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adjusted(
        source: &str,
        seconds: Option<u64>,
        timeout: Option<u64>,
    ) -> Option<(String, u64, u64)> {
        adjust_url(source, seconds, timeout)
            .map(|r| (r.url, r.seconds, r.timeout.as_millis() as u64))
    }

    #[test]
    fn host_port_means_the_cpu_profile_and_files_are_not_urls() {
        assert_eq!(
            adjusted("localhost:6060", None, None),
            Some((
                "http://localhost:6060/debug/pprof/profile".into(),
                0,
                60_000
            ))
        );
        assert_eq!(
            adjusted("http://h:1/", Some(10), None),
            Some((
                "http://h:1/debug/pprof/profile?seconds=10".into(),
                10,
                15_000
            ))
        );
        assert_eq!(
            adjusted("h:6060/debug/pprof/heap", None, Some(3)),
            Some(("http://h:6060/debug/pprof/heap".into(), 0, 3_000))
        );
        for file in [
            "cpu.pb.gz",
            "dir/cpu.pb.gz",
            "a:b/c",
            "/abs/path",
            "file:///x",
            "c:x",
        ] {
            assert_eq!(adjusted(file, None, None), None, "{file}");
        }
    }

    #[test]
    fn seconds_override_the_query_and_keys_are_sorted() {
        assert_eq!(
            adjusted(
                "http://h:1/debug/pprof/heap?z=1&seconds=5&a=2",
                Some(3),
                None
            )
            .unwrap(),
            (
                "http://h:1/debug/pprof/heap?a=2&seconds=3&z=1".into(),
                3,
                4_500
            )
        );
        let (url, seconds, timeout) = adjusted(
            "https+insecure://h:1/debug/pprof/profile?seconds=4",
            None,
            None,
        )
        .unwrap();
        assert_eq!(url, "https+insecure://h:1/debug/pprof/profile?seconds=4");
        assert_eq!((seconds, timeout), (4, 6_000));
    }
}
