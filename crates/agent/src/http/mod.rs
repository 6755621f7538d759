//! Framework-agnostic HTTP types: a handler is a function of a [`Request`] returning a
//! [`Response`]; the small server in [`server`] and the optional axum router only adapt them.

mod parse;
pub mod server;

use std::fmt;
use std::sync::Arc;

pub(crate) use parse::read_request;

/// An HTTP request method, as far as the endpoints care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD` (answered like `GET`; the server drops the body).
    Head,
    /// `POST`.
    Post,
    /// Any other method, as sent.
    Other(String),
}

impl Method {
    /// The method named by a request line token.
    pub fn parse(token: &str) -> Method {
        match token {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            other => Method::Other(other.to_string()),
        }
    }
}

/// Reports whether the client that sent a request has gone away.
pub type CancelCheck = Arc<dyn Fn() -> bool + Send + Sync>;

/// One request: method, decoded path, raw query, headers and body.
#[derive(Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The percent-decoded path, e.g. `/debug/pprof/heap`.
    pub path: String,
    /// The raw query string without the `?` (Go's `URL.RawQuery`).
    pub query: String,
    /// Header names (lower case) and values, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body (bounded by the server).
    pub body: Vec<u8>,
    cancelled: Option<CancelCheck>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Request {
    /// A `GET` request for `target`, a path with an optional `?query`.
    pub fn get(target: &str) -> Request {
        Request::new(Method::Get, target, Vec::new())
    }

    /// A request from its method, its target (path with an optional `?query`) and its body.
    pub fn new(method: Method, target: &str, body: Vec<u8>) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Request {
            method,
            path: percent_decode(path, false),
            query: query.to_string(),
            headers: Vec::new(),
            body,
            cancelled: None,
        }
    }

    /// Attaches a check telling long handlers (`profile?seconds=`) that the client left.
    pub fn with_cancel_check(mut self, check: CancelCheck) -> Request {
        self.cancelled = Some(check);
        self
    }

    /// Whether the client has gone away (always false without a cancel check).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.as_ref().is_some_and(|c| c())
    }

    /// The first value of query parameter `name`, decoded as Go's `FormValue` does; empty when
    /// absent.
    pub fn form_value(&self, name: &str) -> String {
        self.query
            .split('&')
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (percent_decode(k, true) == name).then(|| percent_decode(v, true))
            })
            .next()
            .unwrap_or_default()
    }

    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Go's `strconv.Atoi(r.FormValue(name))` with errors giving 0, as the `debug` parameter is
    /// read.
    pub fn int_param(&self, name: &str) -> i64 {
        self.form_value(name).parse().unwrap_or(0)
    }
}

/// Decodes `%XX` escapes (and `+` as space in query components); invalid escapes stay as is.
fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let hex = |c: u8| (c as char).to_digit(16);
        if b == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if plus_is_space && b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A complete response: status, headers and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Go's `Content-Type` for text answers.
pub const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

impl Response {
    /// A response with `X-Content-Type-Options: nosniff`, which every pprof handler sets.
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![
                ("X-Content-Type-Options".into(), "nosniff".into()),
                ("Content-Type".into(), content_type.into()),
            ],
            body,
        }
    }

    /// A 200 text answer (`text/plain; charset=utf-8`).
    pub fn text(body: impl Into<Vec<u8>>) -> Response {
        Response::new(200, TEXT_PLAIN, body.into())
    }

    /// A 200 binary profile download named `filename` (Go's `Content-Disposition`).
    pub fn attachment(filename: &str, body: Vec<u8>) -> Response {
        let mut r = Response::new(200, "application/octet-stream", body);
        r.headers.push((
            "Content-Disposition".into(),
            format!("attachment; filename=\"{filename}\""),
        ));
        r
    }

    /// Go's `serveError`: text/plain, `X-Go-Pprof: 1` (clients print the body), no
    /// `Content-Disposition`, and the message followed by a newline.
    pub fn error(status: u16, message: &str) -> Response {
        let mut r = Response::new(status, TEXT_PLAIN, format!("{message}\n").into_bytes());
        r.headers.push(("X-Go-Pprof".into(), "1".into()));
        r
    }

    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_value_decodes_like_go() {
        let r = Request::get("/debug/pprof/profile?seconds=5&debug=%31&x=a+b");
        assert_eq!(r.form_value("seconds"), "5");
        assert_eq!(r.form_value("debug"), "1");
        assert_eq!(r.form_value("x"), "a b");
        assert_eq!(r.form_value("missing"), "");
        assert_eq!(r.int_param("x"), 0);
    }

    #[test]
    fn path_is_decoded_and_bad_escapes_kept() {
        let r = Request::get("/debug/pprof/%68eap%zz%4");
        assert_eq!(r.path, "/debug/pprof/heap%zz%4");
    }
}
