//! `/debug/pprof/mutex` and `/debug/pprof/block`, answering as Go's `net/http/pprof` handler
//! does for them (GO-REFERENCE.md §1.2–1.5).

use super::{Kind, Snapshot};
use crate::endpoints::{delta_seconds, wait_unless_cancelled};
use crate::http::{Request, Response};
use crate::router::{profile_attachment, Route, Router};

/// Go's index description of `mutex`.
const MUTEX_DESCRIPTION: &str = "Stack traces of holders of contended mutexes";
/// Go's index description of `block`.
const BLOCK_DESCRIPTION: &str = "Stack traces that led to blocking on synchronization primitives";

/// Adds `mutex` and `block`; delta profiles are capped at `max_seconds` (the server's write
/// timeout, as for CPU profiles).
pub(crate) fn add_routes(router: &mut Router, max_seconds: u64) {
    for (kind, description) in [
        (Kind::Mutex, MUTEX_DESCRIPTION),
        (Kind::Block, BLOCK_DESCRIPTION),
    ] {
        let route = Route::new(kind.name(), description, move |r| {
            handle(kind, r, max_seconds)
        });
        router.route(route.with_count(move || kind.table().len()));
    }
}

/// `debug=0` the gzipped profile, any other `debug` the text, `seconds=N` a delta profile.
fn handle(kind: Kind, request: &Request, max_seconds: u64) -> Response {
    if !request.form_value("seconds").is_empty() {
        return delta(kind, request, max_seconds);
    }
    if request.int_param("debug") != 0 {
        return Response::text(super::text(kind));
    }
    profile_attachment(kind.name(), &super::profile(kind))
}

/// Go's `serveDeltaProfile` over the contention records.
fn delta(kind: Kind, request: &Request, max_seconds: u64) -> Response {
    let secs = match delta_seconds(request, max_seconds) {
        Ok(secs) => secs,
        Err(answer) => return answer,
    };
    let start = Snapshot::take(kind);
    if !wait_unless_cancelled(request, secs) {
        return Response::error(500, "context canceled");
    }
    profile_attachment(&format!("{}-delta", kind.name()), &start.delta())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_checks_and_formats() {
        let r = handle(
            Kind::Block,
            &Request::get("/debug/pprof/block?seconds=x"),
            60,
        );
        assert_eq!(r.status, 400);
        assert_eq!(r.header("X-Go-Pprof"), Some("1"));
        let r = handle(Kind::Mutex, &Request::get("/debug/pprof/mutex?debug=1"), 60);
        assert!(r.body.starts_with(b"--- mutex:\n"));
        let r = handle(Kind::Mutex, &Request::get("/debug/pprof/mutex"), 60);
        assert_eq!(
            r.header("Content-Disposition"),
            Some("attachment; filename=\"mutex\"")
        );
    }
}
