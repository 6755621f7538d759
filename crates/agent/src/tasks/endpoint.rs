//! `/debug/pprof/tasks`: the task dump as a Go count profile (`debug=0`, `1`) or a
//! goroutine-style dump (`debug=2`).

use std::collections::HashMap;
use std::time::Duration;

use crate::error::Error;
use crate::http::{Request, Response};
use crate::router::{profile_attachment, Route, Router};
use crate::threads::{ThreadDump, ThreadStack};

/// The index description.
const DESCRIPTION: &str = "Stack traces of all current async tasks (tokio task dumps), grouped like goroutines. Use debug=2 as a query parameter to list every task.";

/// The profile's name, and its sample type (`tasks/count`).
const NAME: &str = "tasks";

/// Adds `tasks`, answering within `timeout`.
pub(crate) fn add_routes(router: &mut Router, timeout: Duration) {
    let route = Route::new(NAME, DESCRIPTION, move |r| handle(r, timeout));
    router.route(route.with_count(super::count));
}

fn handle(request: &Request, timeout: Duration) -> Response {
    if !request.form_value("seconds").is_empty() {
        return Response::error(
            400,
            "\"seconds\" parameter is not supported for this profile type",
        );
    }
    let tasks = match super::dump(timeout) {
        Ok(tasks) => tasks,
        Err(e @ Error::TaskDumpUnsupported) => return Response::error(501, &e.to_string()),
        Err(e) => return Response::error(500, &e.to_string()),
    };
    let debug = request.int_param("debug");
    if debug >= 2 {
        return Response::text(crate::text::thread_dump(&as_dump(&tasks)));
    }
    let records = records(&tasks);
    if debug > 0 {
        return Response::text(crate::text::count_profile(NAME, &records));
    }
    profile_attachment(NAME, &crate::export::count_profile(NAME, &records))
}

/// (stack, no labels, count) per distinct stack.
fn records(tasks: &[super::TaskStack]) -> Vec<(Vec<u64>, usize, i64)> {
    let mut counts: HashMap<&[u64], i64> = HashMap::new();
    for t in tasks {
        *counts.entry(&t.frames).or_default() += 1;
    }
    let mut records: Vec<_> = counts
        .into_iter()
        .map(|(stack, n)| (stack.to_vec(), 0, n))
        .collect();
    records.sort();
    records
}

/// The tasks as a thread dump, for the `debug=2` text: one entry per task, its id as the
/// goroutine number.
fn as_dump(tasks: &[super::TaskStack]) -> ThreadDump {
    ThreadDump {
        threads: tasks
            .iter()
            .map(|t| ThreadStack {
                tid: t.id.parse().unwrap_or(0),
                name: "tokio task".into(),
                state: "pending".into(),
                frames: t.frames.clone(),
                labels: 0,
                responded: true,
            })
            .collect(),
    }
}
