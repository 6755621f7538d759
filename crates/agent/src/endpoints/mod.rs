//! The handlers of the standard endpoints.

pub(crate) mod cmdline;
pub(crate) mod cpu;
pub(crate) mod symbol;
pub(crate) mod threads;

use crate::http::{Request, Response};

/// Go's answer to `?seconds=` on a profile that does not take it.
pub(crate) fn reject_seconds(request: &Request) -> Option<Response> {
    if request.form_value("seconds").is_empty() {
        return None;
    }
    Some(Response::error(
        400,
        "\"seconds\" parameter is not supported for this profile type",
    ))
}
