//! `/debug/pprof/goroutine` (one "goroutine" per thread) and `/debug/pprof/threadcreate`.

use std::time::Duration;

use super::reject_seconds;
use crate::http::{Request, Response};
use crate::threads::ThreadDump;

/// The index description: Go's, with threads for goroutines.
pub(crate) const GOROUTINE_DESCRIPTION: &str = "Stack traces of all current threads (one goroutine per OS thread). Use debug=2 as a query parameter to export in the same format as an unrecovered panic.";
/// Go's description.
pub(crate) const THREADCREATE_DESCRIPTION: &str = "Number of OS threads";

/// Records of a dump: (stack, labels, 1) per thread.
fn records(dump: &ThreadDump) -> Vec<(Vec<u64>, usize, i64)> {
    dump.threads
        .iter()
        .map(|t| (t.frames.clone(), t.labels, 1))
        .collect()
}

/// Serves a count profile as Go's handler does for `debug` 0, 1 and ≥2 (`text_dump`).
fn serve_count(
    name: &str,
    request: &Request,
    records: &[(Vec<u64>, usize, i64)],
    text_dump: Option<&ThreadDump>,
) -> Response {
    if let Some(r) = reject_seconds(request) {
        return r;
    }
    let debug = request.int_param("debug");
    if debug >= 2 {
        if let Some(dump) = text_dump {
            return Response::text(crate::text::thread_dump(dump));
        }
    }
    if debug > 0 {
        return Response::text(crate::text::count_profile(name, records));
    }
    let profile = crate::export::count_profile(name, records);
    match crate::export::encode(&profile) {
        Ok(bytes) if debug == 0 => Response::attachment(name, bytes),
        // Go quirk: a negative debug serves the proto body labelled as text.
        Ok(bytes) => Response::text(bytes),
        Err(e) => Response::error(500, &e.to_string()),
    }
}

/// `goroutine?debug=0|1|2`.
pub(crate) fn handle_goroutine(request: &Request, timeout: Duration) -> Response {
    match crate::threads::dump(timeout) {
        Ok(dump) => serve_count("goroutine", request, &records(&dump), Some(&dump)),
        Err(e) => Response::error(500, &format!("Could not dump threads: {e}")),
    }
}

/// `threadcreate?debug=0|1`: one empty stack per live thread (creation stacks are unknown).
pub(crate) fn handle_threadcreate(request: &Request) -> Response {
    let n = crate::threads::count() as i64;
    serve_count("threadcreate", request, &[(Vec::new(), 0, n)], None)
}
