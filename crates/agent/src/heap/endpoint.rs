//! `/debug/pprof/heap`, `/debug/pprof/allocs` and `/debug/pprof/allocstats`, answering as Go's
//! `net/http/pprof` handler does for heap and allocs (GO-REFERENCE.md §1.2–1.5).

use super::{ProfileKind, Snapshot};
use crate::endpoints::{delta_seconds, wait_unless_cancelled};
use crate::http::{Request, Response};
use crate::router::{profile_attachment, Route, Router};

/// The index description of `heap` (Go's, but for `gc`, which has nothing to do here).
const HEAP_DESCRIPTION: &str = "A sampling of memory allocations of live objects. The gc GET parameter is accepted and does nothing: a Rust heap has no garbage collector.";
/// The index description of `allocs` (Go's).
const ALLOCS_DESCRIPTION: &str = "A sampling of all past memory allocations";
/// The index description of `allocstats`.
const STATS_DESCRIPTION: &str =
    "Allocator statistics as JSON: live and cumulative bytes and counts, sampling, RSS.";

/// Adds `heap`, `allocs` and `allocstats`; delta profiles are capped at `max_seconds` (the
/// server's write timeout, as for CPU profiles).
pub(crate) fn add_routes(router: &mut Router, max_seconds: u64) {
    for (kind, description) in [
        (ProfileKind::Heap, HEAP_DESCRIPTION),
        (ProfileKind::Allocs, ALLOCS_DESCRIPTION),
    ] {
        let route = Route::new(kind.name(), description, move |r| {
            handle(kind, r, max_seconds)
        });
        router.route(route.with_count(count));
    }
    router.route(Route::new("allocstats", STATS_DESCRIPTION, handle_stats));
}

/// `heap` or `allocs`: `debug=0` the gzipped profile, any other `debug` the text, `seconds=N` a
/// delta profile of N seconds (at most `max_seconds`). `gc` is accepted and ignored.
fn handle(kind: ProfileKind, request: &Request, max_seconds: u64) -> Response {
    if !request.form_value("seconds").is_empty() {
        return delta(kind, request, max_seconds);
    }
    if request.int_param("debug") != 0 {
        return Response::text(super::text());
    }
    attachment(kind.name(), &super::profile(kind))
}

/// Go's `serveDeltaProfile` over the heap buckets.
fn delta(kind: ProfileKind, request: &Request, max_seconds: u64) -> Response {
    let secs = match delta_seconds(request, max_seconds) {
        Ok(secs) => secs,
        Err(answer) => return answer,
    };
    let start = Snapshot::take();
    if !wait_unless_cancelled(request, secs) {
        return Response::error(500, "context canceled");
    }
    attachment(&format!("{}-delta", kind.name()), &start.delta(kind))
}

/// [`profile_attachment`] with the hook's guard held: the encoding and the response are the
/// profiler's memory, not sampled.
fn attachment(name: &str, profile: &ferroprof_profile::Profile) -> Response {
    super::untracked(|| profile_attachment(name, profile))
}

/// `allocstats`: [`super::stats()`] as JSON.
fn handle_stats(_request: &Request) -> Response {
    Response::new(
        200,
        "application/json",
        super::stats().to_json().into_bytes(),
    )
}

/// The index count of heap and allocs: sampled stacks recorded (Go: `MemProfile` records).
fn count() -> usize {
    super::buckets::count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_checks_follow_go() {
        let cases = [
            (
                "/debug/pprof/heap?seconds=abc",
                400,
                "invalid value for \"seconds\"",
            ),
            (
                "/debug/pprof/heap?seconds=-1",
                400,
                "invalid value for \"seconds\"",
            ),
            (
                "/debug/pprof/heap?seconds=0",
                400,
                "invalid value for \"seconds\"",
            ),
            (
                "/debug/pprof/heap?seconds=9223372037",
                400,
                "exceeds server's WriteTimeout",
            ),
            (
                "/debug/pprof/heap?seconds=1&debug=1",
                400,
                "seconds and debug params are incompatible",
            ),
        ];
        for (url, status, body) in cases {
            let r = handle(ProfileKind::Heap, &Request::get(url), 60);
            assert_eq!(r.status, status, "{url}");
            assert!(String::from_utf8_lossy(&r.body).contains(body), "{url}");
            assert_eq!(r.header("X-Go-Pprof"), Some("1"));
        }
    }

    #[test]
    fn gc_is_accepted_and_debug_selects_text() {
        let r = handle(
            ProfileKind::Heap,
            &Request::get("/debug/pprof/heap?gc=1"),
            60,
        );
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("Content-Disposition"),
            Some("attachment; filename=\"heap\"")
        );
        assert_eq!(&r.body[..2], &[0x1f, 0x8b], "gzipped protobuf");
        for debug in ["1", "2", "-1"] {
            let url = format!("/debug/pprof/allocs?debug={debug}");
            let r = handle(ProfileKind::Allocs, &Request::get(&url), 60);
            assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
            assert!(r.body.starts_with(b"heap profile: "), "{url}");
        }
    }

    #[test]
    fn stats_are_json() {
        let r = handle_stats(&Request::get("/debug/pprof/allocstats"));
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert!(r.body.starts_with(b"{\"live_bytes\":"));
    }
}
