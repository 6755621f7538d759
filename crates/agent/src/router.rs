//! Routes `/debug/pprof/*` requests to handlers, and renders Go's index page.
//!
//! # Adding an endpoint
//!
//! Every endpoint is a [`Route`]: a name (the path segment after `/debug/pprof/`), the
//! description the index page shows, an optional count for the index, and a handler
//! `Fn(&Request) -> Response`. Adding a profile (heap, allocs, mutex, block, …) is one line in
//! [`Router::standard`]:
//!
//! ```ignore
//! router.route(Route::new("mutex", MUTEX_DESCRIPTION, contention::handle_mutex).with_count(contention::mutex_count));
//! ```
//!
//! Handlers build their answers with [`Response::attachment`] (profile downloads, named like
//! Go's `Content-Disposition`), [`Response::text`] (`debug=1` text) and [`Response::error`]
//! (Go's `serveError` shape); read `seconds` and `debug` with [`Request::form_value`] and
//! [`Request::int_param`]; and send profiles with [`profile_attachment`]. The index lists
//! routes sorted by name; unknown names answer 404 `Unknown profile` as Go's `Index` does.
//! Applications with their own HTTP stack call [`Router::handle`] from their framework, or use
//! the `axum` feature's router.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::http::{Request, Response};
use crate::Config;

/// Go's path prefix for every pprof endpoint.
pub const PREFIX: &str = "/debug/pprof/";

type CountFn = Arc<dyn Fn() -> usize + Send + Sync>;
type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// One endpoint under `/debug/pprof/`.
#[derive(Clone)]
pub struct Route {
    name: String,
    description: String,
    count: Option<CountFn>,
    handler: Handler,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Route {
    /// A route serving `name` with `handler`; `description` appears on the index page.
    pub fn new(
        name: &str,
        description: &str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> Route {
        Route {
            name: name.to_string(),
            description: description.to_string(),
            count: None,
            handler: Arc::new(handler),
        }
    }

    /// Shows `count()` in the index's Count column (Go's `Profile.Count`); 0 without it.
    pub fn with_count(mut self, count: impl Fn() -> usize + Send + Sync + 'static) -> Route {
        self.count = Some(Arc::new(count));
        self
    }
}

/// The `/debug/pprof/` router: a set of [`Route`]s and the index page.
#[derive(Clone, Debug, Default)]
pub struct Router {
    routes: BTreeMap<String, Route>,
}

impl Router {
    /// A router with no endpoints but the index.
    pub fn new() -> Router {
        Router::default()
    }

    /// The endpoints this crate serves, configured by `config`: `profile`, `goroutine`,
    /// `threadcreate`, and `cmdline` and `symbol` when enabled.
    pub fn standard(config: &Config) -> Router {
        let mut router = Router::new();
        let cpu = config.cpu.clone();
        router.route(Route::new(
            "profile",
            crate::endpoints::cpu::DESCRIPTION,
            move |r| crate::endpoints::cpu::handle(r, &cpu),
        ));
        let dump_timeout = config.thread_dump_timeout;
        let max_seconds = config.cpu.max_seconds;
        router.route(
            Route::new(
                "goroutine",
                crate::endpoints::threads::GOROUTINE_DESCRIPTION,
                move |r| crate::endpoints::threads::handle_goroutine(r, dump_timeout, max_seconds),
            )
            .with_count(crate::threads::count),
        );
        router.route(
            Route::new(
                "threadcreate",
                crate::endpoints::threads::THREADCREATE_DESCRIPTION,
                move |r| crate::endpoints::threads::handle_threadcreate(r, max_seconds),
            )
            .with_count(crate::threads::count),
        );
        crate::heap::endpoint::add_routes(&mut router, config.cpu.max_seconds);
        crate::contention::endpoint::add_routes(&mut router, config.cpu.max_seconds);
        #[cfg(feature = "taskdump")]
        crate::tasks::endpoint::add_routes(&mut router, config.task_dump_timeout);
        if config.enable_cmdline {
            router.route(Route::new(
                "cmdline",
                crate::endpoints::cmdline::DESCRIPTION,
                crate::endpoints::cmdline::handle,
            ));
        }
        if config.enable_symbol {
            router.route(Route::new(
                "symbol",
                crate::endpoints::symbol::DESCRIPTION,
                crate::endpoints::symbol::handle,
            ));
        }
        router
    }

    /// Adds (or replaces) a route.
    pub fn route(&mut self, route: Route) -> &mut Router {
        self.routes.insert(route.name.clone(), route);
        self
    }

    /// The names served, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.routes.keys().map(String::as_str)
    }

    /// Answers one request.
    pub fn handle(&self, request: &Request) -> Response {
        let Some(name) = request.path.strip_prefix(PREFIX) else {
            return not_found();
        };
        if name.is_empty() {
            return Response::new(200, "text/html; charset=utf-8", self.index().into_bytes());
        }
        match self.routes.get(name) {
            Some(route) => (route.handler)(request),
            None => Response::error(404, "Unknown profile"),
        }
    }

    fn index(&self) -> String {
        let mut b = String::from(INDEX_HEAD);
        for (name, route) in &self.routes {
            let count = route.count.as_ref().map_or(0, |c| c());
            let _ = writeln!(
                b,
                "<tr><td>{count}</td><td><a href='{}?debug=1'>{}</a></td></tr>",
                escape_html(name),
                escape_html(name)
            );
        }
        b.push_str(INDEX_MIDDLE);
        for (name, route) in &self.routes {
            let _ = writeln!(
                b,
                "<li><div class=profile-name>{}: </div> {}</li>",
                escape_html(name),
                escape_html(&route.description)
            );
        }
        b.push_str("</ul>\n</p>\n</body>\n</html>");
        b
    }
}

/// `profile` encoded (gzipped protobuf) as the download `name`, or a 500 error saying why it
/// could not be encoded.
pub(crate) fn profile_attachment(name: &str, profile: &ferroprof_profile::Profile) -> Response {
    match crate::export::encode(profile) {
        Ok(bytes) => Response::attachment(name, bytes),
        Err(e) => Response::error(500, &e.to_string()),
    }
}

/// Go's `http.NotFound` answer for paths outside `/debug/pprof/`.
fn not_found() -> Response {
    let mut r = Response::text("404 page not found\n");
    r.status = 404;
    r
}

/// Go's `html.EscapeString`.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '"' => out.push_str("&#34;"),
            c => out.push(c),
        }
    }
    out
}

const INDEX_HEAD: &str = "<html>
<head>
<title>/debug/pprof/</title>
<style>
.profile-name{
\tdisplay:inline-block;
\twidth:6rem;
}
</style>
</head>
<body>
/debug/pprof/
<br>
<p>Set debug=1 as a query parameter to export in legacy text format</p>
<br>
Types of profiles available:
<table>
<thead><td>Count</td><td>Profile</td></thead>
";

const INDEX_MIDDLE: &str = "</table>
<a href=\"goroutine?debug=2\">full goroutine stack dump</a>
<br>
<p>
Profile Descriptions:
<ul>
";

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let mut r = Router::new();
        r.route(Route::new("b<x>", "desc & more", |_| Response::text("b")).with_count(|| 7));
        r.route(Route::new("a", "first", |_| Response::text("a")));
        r
    }

    #[test]
    fn index_lists_routes_sorted_with_counts_and_escapes() {
        let resp = router().handle(&Request::get("/debug/pprof/"));
        assert_eq!(resp.status, 200);
        assert_eq!(
            resp.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let body = String::from_utf8(resp.body).unwrap();
        let a = body
            .find("<tr><td>0</td><td><a href='a?debug=1'>a</a></td></tr>")
            .unwrap();
        let b = body
            .find("<tr><td>7</td><td><a href='b&lt;x&gt;?debug=1'>b&lt;x&gt;</a></td></tr>")
            .unwrap();
        assert!(a < b);
        assert!(
            body.contains("<li><div class=profile-name>b&lt;x&gt;: </div> desc &amp; more</li>")
        );
    }

    #[test]
    fn unknown_names_and_paths() {
        let r = router().handle(&Request::get("/debug/pprof/<script>scripty<script>"));
        assert_eq!(r.status, 404);
        assert_eq!(r.body, b"Unknown profile\n");
        assert_eq!(r.header("X-Go-Pprof"), Some("1"));
        assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
        assert_eq!(router().handle(&Request::get("/elsewhere")).status, 404);
        assert_eq!(router().handle(&Request::get("/debug/pprof/a")).body, b"a");
    }
}
