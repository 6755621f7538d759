//! `/debug/pprof/goroutine` (one "goroutine" per thread) and `/debug/pprof/threadcreate`,
//! with Go's `debug` and `seconds` (delta) parameters.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use super::{delta_seconds, wait_unless_cancelled};
use crate::http::{Request, Response};
use crate::router::profile_attachment;
use crate::threads::ThreadDump;

/// The index description: Go's, with threads for goroutines.
pub(crate) const GOROUTINE_DESCRIPTION: &str = "Stack traces of all current threads (one goroutine per OS thread). Use debug=2 as a query parameter to export in the same format as an unrecovered panic.";
/// Go's description.
pub(crate) const THREADCREATE_DESCRIPTION: &str = "Number of OS threads";

/// Count-profile records: (stack, label word, count).
type Records = Vec<(Vec<u64>, usize, i64)>;

fn records(dump: &ThreadDump) -> Records {
    dump.threads
        .iter()
        .map(|t| (t.frames.clone(), t.labels, 1))
        .collect()
}

/// Serves a count profile as Go's handler does for `debug` 0, 1 and ≥2 (`text_dump`).
fn serve_count(
    name: &str,
    request: &Request,
    records: &Records,
    text_dump: Option<&ThreadDump>,
) -> Response {
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

/// Go's delta profile: `after - before` over `seconds`, zero records dropped, served as
/// `<name>-delta`.
fn serve_delta(
    name: &str,
    request: &Request,
    max_seconds: u64,
    take: impl Fn() -> Result<Records, Response>,
) -> Response {
    let secs = match delta_seconds(request, max_seconds) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let start = SystemTime::now();
    let before = match take() {
        Ok(r) => r,
        Err(r) => return r,
    };
    if !wait_unless_cancelled(request, secs) {
        return Response::error(500, "context canceled");
    }
    let after = match take() {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut profile = crate::export::count_profile(name, &subtract(&before, &after));
    profile.duration_nanos = start.elapsed().unwrap_or(Duration::ZERO).as_nanos() as i64;
    profile_attachment(&format!("{name}-delta"), &profile)
}

fn subtract(before: &Records, after: &Records) -> Records {
    let mut counts: HashMap<(&Vec<u64>, usize), i64> = HashMap::new();
    for (stack, labels, n) in after {
        *counts.entry((stack, *labels)).or_insert(0) += n;
    }
    for (stack, labels, n) in before {
        *counts.entry((stack, *labels)).or_insert(0) -= n;
    }
    let mut out: Records = counts
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((stack, labels), n)| (stack.clone(), labels, n))
        .collect();
    out.sort();
    out
}

/// `goroutine?debug=0|1|2` and `goroutine?seconds=N`.
pub(crate) fn handle_goroutine(request: &Request, timeout: Duration, max_seconds: u64) -> Response {
    let take = || {
        crate::threads::dump(timeout).map_err(|e| match e {
            crate::Error::DumpInProgress => Response::error(429, &e.to_string()),
            e => Response::error(500, &format!("Could not dump threads: {e}")),
        })
    };
    if !request.form_value("seconds").is_empty() {
        return serve_delta("goroutine", request, max_seconds, || {
            take().map(|d| records(&d))
        });
    }
    match take() {
        Ok(dump) => serve_count("goroutine", request, &records(&dump), Some(&dump)),
        Err(r) => r,
    }
}

/// `threadcreate?debug=0|1` and `threadcreate?seconds=N`: one empty stack per live thread
/// (Linux keeps no creation stacks).
pub(crate) fn handle_threadcreate(request: &Request, max_seconds: u64) -> Response {
    let take = || Ok(vec![(Vec::new(), 0, crate::threads::count() as i64)]);
    if !request.form_value("seconds").is_empty() {
        return serve_delta("threadcreate", request, max_seconds, take);
    }
    serve_count("threadcreate", request, &take().unwrap_or_default(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_subtracts_and_drops_zeros() {
        let before = vec![(vec![1], 0, 2), (vec![2], 0, 1)];
        let after = vec![(vec![1], 0, 3), (vec![2], 0, 1), (vec![3], 0, 1)];
        assert_eq!(
            subtract(&before, &after),
            vec![(vec![1], 0, 1), (vec![3], 0, 1)]
        );
    }

    #[test]
    fn delta_parameter_errors_are_go_s() {
        let r = handle_threadcreate(&Request::get("/x?seconds=0"), 60);
        assert_eq!(
            (r.status, r.body.as_slice()),
            (
                400,
                &b"invalid value for \"seconds\" - must be a positive integer\n"[..]
            )
        );
        let r = handle_threadcreate(&Request::get("/x?seconds=61"), 60);
        assert_eq!(r.body, b"profile duration exceeds server's WriteTimeout\n");
        let r = handle_threadcreate(&Request::get("/x?seconds=1&debug=1"), 60);
        assert_eq!(r.body, b"seconds and debug params are incompatible\n");
    }
}
