//! A small HTTP/1.1 server on its own thread: one request per connection, a thread per
//! connection up to a cap, bounded request sizes, read and write timeouts, and a `Host` check
//! against DNS rebinding when bound to loopback.

use std::io::{self, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{read_request, Method, Request, Response};
use crate::error::{Error, Result};

/// The function every request is handed to.
pub type HandlerFn = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// Limits of the server; the defaults suit a profiling endpoint.
#[derive(Clone, Debug)]
pub struct ServerLimits {
    /// Largest accepted request header block (default 16 KiB).
    pub max_header_bytes: usize,
    /// Largest accepted request body (default 1 MiB: a `symbol` POST of ~50k addresses).
    pub max_body_bytes: usize,
    /// Connections served at once; more get 429 (default 16).
    pub max_connections: usize,
    /// Time allowed to receive a whole request (default 10 s): a deadline for the request, not
    /// for each read, so a client trickling bytes cannot hold a connection (RELIABILITY.md E5).
    pub read_timeout: Duration,
    /// Time allowed to send a response (default 30 s).
    pub write_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_header_bytes: 16 << 10,
            max_body_bytes: 1 << 20,
            max_connections: 16,
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// A running server. Dropping the handle leaves the server running; call
/// [`ServerHandle::shutdown`] to stop accepting connections.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address the server listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and waits for the accept thread to end. Requests already
    /// being served finish on their own threads.
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept; an error only means the listener is already gone.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Binds `addr` and serves `handler` on a new thread. A non-loopback address is refused unless
/// `allow_remote`.
pub(crate) fn start(
    addr: &str,
    allow_remote: bool,
    limits: ServerLimits,
    handler: HandlerFn,
) -> Result<ServerHandle> {
    let sock = resolve(addr)?;
    let loopback = sock.ip().is_loopback();
    if !loopback && !allow_remote {
        return Err(Error::NotLoopback {
            addr: addr.to_string(),
        });
    }
    let bind_err = |source| Error::Bind {
        addr: addr.to_string(),
        source,
    };
    let listener = TcpListener::bind(sock).map_err(bind_err)?;
    let local = listener.local_addr().map_err(bind_err)?;
    let stop = Arc::new(AtomicBool::new(false));
    let ctx = Arc::new(Context {
        handler,
        limits,
        check_host: loopback,
        active: AtomicUsize::new(0),
    });
    let stop2 = stop.clone();
    let thread = std::thread::Builder::new()
        .name("ferroprof-http".into())
        // The server's threads are the profiler's: their allocations are never sampled.
        .spawn(move || crate::heap::untracked(|| accept_loop(listener, stop2, ctx)))
        .map_err(bind_err)?;
    Ok(ServerHandle {
        addr: local,
        stop,
        thread: Some(thread),
    })
}

fn resolve(addr: &str) -> Result<SocketAddr> {
    let invalid = |reason: String| Error::InvalidAddress {
        addr: addr.to_string(),
        reason,
    };
    addr.to_socket_addrs()
        .map_err(|e| invalid(e.to_string()))?
        .next()
        .ok_or_else(|| invalid("resolves to no address".into()))
}

struct Context {
    handler: HandlerFn,
    limits: ServerLimits,
    check_host: bool,
    active: AtomicUsize,
}

fn accept_loop(listener: TcpListener, stop: Arc<AtomicBool>, ctx: Arc<Context>) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = conn else { continue };
        let _ = stream.set_read_timeout(Some(ctx.limits.read_timeout));
        let _ = stream.set_write_timeout(Some(ctx.limits.write_timeout));
        if ctx.active.fetch_add(1, Ordering::SeqCst) >= ctx.limits.max_connections {
            ctx.active.fetch_sub(1, Ordering::SeqCst);
            reject_busy(stream);
            continue;
        }
        let ctx2 = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("ferroprof-conn".into())
            .spawn(move || {
                crate::heap::untracked(|| serve_connection(stream, &ctx2));
                ctx2.active.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            ctx.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Answers 429 without a thread. The request is read first (briefly), since closing a socket
/// with unread input makes the kernel reset the connection before the client sees the answer.
fn reject_busy(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 4096];
    let _ = std::io::Read::read(&mut stream, &mut sink);
    let r = Response::error(429, "too many concurrent profile requests");
    let _ = write_response(&mut stream, &r, false);
    let _ = stream.shutdown(Shutdown::Write);
}

fn serve_connection(mut stream: TcpStream, ctx: &Context) {
    let limits = &ctx.limits;
    let mut reader = DeadlineReader {
        stream: &stream,
        deadline: Instant::now() + limits.read_timeout,
    };
    let read = read_request(&mut reader, limits.max_header_bytes, limits.max_body_bytes);
    let request = match read {
        Ok(r) => r,
        Err(e) => {
            if let Some((status, msg)) = e.status() {
                let _ = write_response(&mut stream, &Response::error(status, msg), false);
            }
            return;
        }
    };
    let head_only = request.method == Method::Head;
    let response = if ctx.check_host && !host_is_loopback(request.header("host")) {
        Response::error(403, "forbidden: Host is not a loopback name")
    } else {
        let request = match stream.try_clone() {
            Ok(peer) => request.with_cancel_check(Arc::new(move || peer_closed(&peer))),
            Err(_) => request,
        };
        (ctx.handler)(&request)
    };
    let _ = write_response(&mut stream, &response, head_only);
    let _ = stream.shutdown(Shutdown::Write);
}

/// Reads from a socket until a deadline: each read waits at most the time left, so a slowloris
/// client that sends a byte now and then is cut off when the deadline passes.
struct DeadlineReader<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl io::Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        io::Read::read(&mut &*self.stream, buf)
    }
}

/// Whether a `Host` header names this machine's loopback interface (a DNS-rebinding page on
/// another origin sends its own host name). HTTP/1.0 requests without `Host` pass.
fn host_is_loopback(host: Option<&str>) -> bool {
    let Some(host) = host else { return true };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether the peer closed its side (checked without blocking and without consuming data).
fn peer_closed(stream: &TcpStream) -> bool {
    let mut pfd = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: libc::POLLIN | libc::POLLRDHUP,
        revents: 0,
    };
    // SAFETY: `pfd` is a valid pollfd for the duration of the call; timeout 0 never blocks.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    n > 0 && pfd.revents & (libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR) != 0
}

fn write_response(stream: &mut TcpStream, r: &Response, head_only: bool) -> io::Result<()> {
    let mut out = Vec::with_capacity(256 + r.body.len());
    write!(out, "HTTP/1.1 {} {}\r\n", r.status, reason(r.status))?;
    for (k, v) in &r.headers {
        write!(out, "{k}: {v}\r\n")?;
    }
    write!(
        out,
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        r.body.len()
    )?;
    if !head_only {
        out.extend_from_slice(&r.body);
    }
    stream.write_all(&out)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Request Entity Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_host_names() {
        for ok in [
            None,
            Some("localhost:6060"),
            Some("127.0.0.1:1"),
            Some("[::1]:80"),
            Some("127.0.0.1"),
        ] {
            assert!(host_is_loopback(ok), "{ok:?}");
        }
        for bad in [
            Some("evil.example"),
            Some("evil.example:6060"),
            Some("10.0.0.1:80"),
        ] {
            assert!(!host_is_loopback(bad), "{bad:?}");
        }
    }
}
