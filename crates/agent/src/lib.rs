//! The ferroprof agent: Go's `/debug/pprof` endpoints for Rust services.
//!
//! ```no_run
//! let server = ferroprof::serve("127.0.0.1:6060")?;
//! println!("go tool pprof http://{}/debug/pprof/profile?seconds=10", server.local_addr());
//! # Ok::<(), ferroprof::Error>(())
//! ```
//!
//! # Design constraints
//! - Go compatibility: paths, query parameters, headers, status codes, error bodies, sample
//!   types and text formats are Go 1.19's, so `go tool pprof`, scrapers and curl work unchanged.
//! - Handlers are `Fn(&Request) -> Response`; the small server ([`serve`], [`Server`]) and the
//!   optional axum router only adapt them. Loopback only unless remote access is enabled;
//!   `cmdline` and `symbol` are off unless enabled ([`Config`]).
//! - Signal handlers allocate nothing, take no lock, save errno, write preallocated storage,
//!   and drop and count when it is full or busy (see [`cpu`] and [`threads`]).
//! - Symbolization happens at export time, in the request's thread, never in a handler.
#![deny(missing_docs)]

#[cfg(feature = "axum")]
pub mod axum;
pub mod contention;
pub mod cpu;
mod endpoints;
mod error;
pub mod export;
pub mod heap;
pub mod http;
pub mod labels;
mod router;
mod signals;
mod stack_table;
pub mod sync;
#[cfg(feature = "taskdump")]
pub mod tasks;
mod text;
mod thread_ordinal;
pub mod threads;
mod unwind;

use std::time::Duration;

pub use contention::{set_block_profile_rate, set_mutex_profile_fraction};
pub use cpu::CpuConfig;
pub use error::{Error, Result};
pub use heap::Allocator;
pub use http::server::{ServerHandle, ServerLimits};
pub use http::{Method, Request, Response};
pub use router::{Route, Router, PREFIX};

/// What the standard endpoints serve and how.
#[derive(Clone, Debug)]
pub struct Config {
    /// CPU profiling (`/debug/pprof/profile`): rate, duration cap, stack depth.
    pub cpu: CpuConfig,
    /// Serve `/debug/pprof/cmdline` (off by default: command lines can hold secrets).
    pub enable_cmdline: bool,
    /// Serve `/debug/pprof/symbol` (off by default: addresses defeat ASLR; profiles are
    /// symbolized at export time anyway).
    pub enable_symbol: bool,
    /// How long a thread dump waits for threads to answer the dump signal.
    pub thread_dump_timeout: Duration,
    /// How long a task dump (`tasks`, feature `taskdump`) may take: the first one parses the
    /// program's debug info to resolve the tasks' stacks, which takes seconds in a large binary.
    pub task_dump_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cpu: CpuConfig::default(),
            enable_cmdline: false,
            enable_symbol: false,
            thread_dump_timeout: Duration::from_secs(1),
            task_dump_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves the standard endpoints on `addr` (a loopback address) with the default [`Config`].
pub fn serve(addr: &str) -> Result<ServerHandle> {
    Server::new(addr).start()
}

/// A server to start: the address, what it serves and its limits.
#[derive(Debug)]
pub struct Server {
    addr: String,
    allow_remote: bool,
    limits: ServerLimits,
    router: Option<Router>,
    config: Config,
    auth: Option<Auth>,
}

/// The auth check, opaque in `Debug` output.
#[derive(Clone)]
struct Auth(AuthFn);

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auth(..)")
    }
}

/// Checks a request's credentials (a bearer token, basic auth, …); see [`Server::auth`].
pub type AuthFn = std::sync::Arc<dyn Fn(&Request) -> bool + Send + Sync>;

impl Server {
    /// A server for `addr` with the default configuration.
    pub fn new(addr: &str) -> Server {
        Server {
            addr: addr.to_string(),
            allow_remote: false,
            limits: ServerLimits::default(),
            router: None,
            config: Config::default(),
            auth: None,
        }
    }

    /// Allows a non-loopback address (for scrapers in a cluster) and skips the `Host` check.
    pub fn allow_remote(mut self, allow: bool) -> Server {
        self.allow_remote = allow;
        self
    }

    /// The configuration of the standard routes (ignored when [`Server::router`] is given).
    pub fn config(mut self, config: Config) -> Server {
        self.config = config;
        self
    }

    /// Serves this router instead of [`Router::standard`].
    pub fn router(mut self, router: Router) -> Server {
        self.router = Some(router);
        self
    }

    /// The server's limits.
    pub fn limits(mut self, limits: ServerLimits) -> Server {
        self.limits = limits;
        self
    }

    /// Requires every request to pass `check` (for servers exposed beyond loopback, e.g. to a
    /// scraper with a bearer token); others get 401.
    pub fn auth(mut self, check: impl Fn(&Request) -> bool + Send + Sync + 'static) -> Server {
        self.auth = Some(Auth(std::sync::Arc::new(check)));
        self
    }

    /// Binds and starts serving on a new thread.
    pub fn start(self) -> Result<ServerHandle> {
        heap::start_alloctrace_from_env();
        let router = self
            .router
            .unwrap_or_else(|| Router::standard(&self.config));
        let auth = self.auth;
        let handler = std::sync::Arc::new(move |r: &Request| match &auth {
            Some(Auth(check)) if !check(r) => Response::error(401, "unauthorized"),
            _ => router.handle(r),
        });
        http::server::start(&self.addr, self.allow_remote, self.limits, handler)
    }
}
