//! Reading one HTTP/1.1 request from a stream, with bounded header and body sizes.

use std::io::Read;

use super::{Method, Request};

/// Why a request could not be read; each maps to the status the server answers with.
#[derive(Debug)]
pub(crate) enum ParseError {
    /// The connection closed or timed out before a complete request arrived.
    Io,
    /// The request line or a header is malformed.
    Malformed(&'static str),
    /// The header block exceeds the limit.
    HeadersTooLarge,
    /// `Content-Length` exceeds the body limit.
    BodyTooLarge,
    /// A request body without `Content-Length` (chunked uploads are not accepted).
    LengthRequired,
}

impl ParseError {
    /// The status code and body the server answers with, if the peer is still there.
    pub(crate) fn status(&self) -> Option<(u16, &'static str)> {
        match self {
            ParseError::Io => None,
            ParseError::Malformed(what) => Some((400, what)),
            ParseError::HeadersTooLarge => Some((431, "request headers too large")),
            ParseError::BodyTooLarge => Some((413, "request body too large")),
            ParseError::LengthRequired => Some((411, "length required")),
        }
    }
}

/// Reads one request: the header block (at most `max_header_bytes`), then a body of
/// `Content-Length` bytes (at most `max_body_bytes`).
pub(crate) fn read_request(
    stream: &mut dyn Read,
    max_header_bytes: usize,
    max_body_bytes: usize,
) -> Result<Request, ParseError> {
    let mut buf = Vec::with_capacity(1024);
    let header_end = loop {
        if let Some(pos) = find_header_end(&buf) {
            break pos;
        }
        if buf.len() >= max_header_bytes {
            return Err(ParseError::HeadersTooLarge);
        }
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).map_err(|_| ParseError::Io)?;
        if n == 0 {
            return Err(ParseError::Io);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..header_end])
        .map_err(|_| ParseError::Malformed("request header is not UTF-8"))?;
    let mut request = parse_head(head)?;
    let content_length = body_length(&request)?;
    if content_length > max_body_bytes {
        return Err(ParseError::BodyTooLarge);
    }
    let mut body = buf[header_end + 4..].to_vec();
    body.truncate(content_length);
    if body.len() < content_length {
        let missing = content_length - body.len();
        let mut rest = vec![0u8; missing];
        stream.read_exact(&mut rest).map_err(|_| ParseError::Io)?;
        body.extend_from_slice(&rest);
    }
    request.body = body;
    Ok(request)
}

fn find_header_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

fn parse_head(head: &str) -> Result<Request, ParseError> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::Malformed("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Err(ParseError::Malformed("malformed request line"));
    }
    let mut request = Request::new(Method::parse(method), target, Vec::new());
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or(ParseError::Malformed("malformed header line"))?;
        request
            .headers
            .push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok(request)
}

fn body_length(request: &Request) -> Result<usize, ParseError> {
    if request.header("transfer-encoding").is_some() {
        return Err(ParseError::LengthRequired);
    }
    match request.header("content-length") {
        None => Ok(0),
        Some(v) => v
            .parse()
            .map_err(|_| ParseError::Malformed("invalid Content-Length")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(raw: &str) -> Result<Request, ParseError> {
        read_request(&mut raw.as_bytes(), 1024, 16)
    }

    #[test]
    fn reads_request_line_headers_and_body() {
        let r =
            read("POST /debug/pprof/symbol HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n0x1+2")
                .unwrap();
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.path, "/debug/pprof/symbol");
        assert_eq!(r.header("HOST"), Some("x"));
        assert_eq!(r.body, b"0x1+2");
    }

    #[test]
    fn bounds_are_enforced() {
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(2000));
        assert!(matches!(read(&big), Err(ParseError::HeadersTooLarge)));
        let body = "POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n";
        assert!(matches!(read(body), Err(ParseError::BodyTooLarge)));
        let chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(matches!(read(chunked), Err(ParseError::LengthRequired)));
        assert!(matches!(
            read("GARBAGE\r\n\r\n"),
            Err(ParseError::Malformed(_))
        ));
        assert!(matches!(read("GET / HTTP/1.1\r\n"), Err(ParseError::Io)));
    }
}
