//! `/debug/pprof/cmdline`: the command line, arguments joined by NUL bytes.

use crate::http::{Request, Response};

/// Go's description.
pub(crate) const DESCRIPTION: &str = "The command line invocation of the current program";

/// Answers with `argv` joined by `\0` (Go's `strings.Join(os.Args, "\x00")`).
pub(crate) fn handle(_request: &Request) -> Response {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    Response::text(args.join("\0"))
}
