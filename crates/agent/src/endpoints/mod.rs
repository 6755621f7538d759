//! The handlers of the standard endpoints.

pub(crate) mod cmdline;
pub(crate) mod cpu;
pub(crate) mod symbol;
pub(crate) mod threads;

use std::time::{Duration, Instant};

use crate::http::{Request, Response};

/// How often long handlers check whether the client went away.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// Go's `serveDeltaProfile` checks, in Go's order (positive integer, duration cap, no
/// `debug`): the window in seconds, or the error answer.
pub(crate) fn delta_seconds(request: &Request, max_seconds: u64) -> Result<u64, Response> {
    let secs = match request.form_value("seconds").parse::<i64>() {
        Ok(s) if s > 0 => s as u64,
        _ => {
            return Err(Response::error(
                400,
                "invalid value for \"seconds\" - must be a positive integer",
            ))
        }
    };
    if secs > max_seconds {
        return Err(Response::error(
            400,
            "profile duration exceeds server's WriteTimeout",
        ));
    }
    if request.int_param("debug") != 0 {
        return Err(Response::error(
            400,
            "seconds and debug params are incompatible",
        ));
    }
    Ok(secs)
}

/// Waits `secs` seconds, or less if the client goes away; returns whether it waited it all.
pub(crate) fn wait_unless_cancelled(request: &Request, secs: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if request.is_cancelled() {
            return false;
        }
        std::thread::sleep(CANCEL_POLL.min(deadline.saturating_duration_since(Instant::now())));
    }
    true
}
