//! The `ferroprof` command: `go tool pprof`'s command line.
//!
//! Exit status: 0 on success (a closed pipe on standard output counts as success, as for any
//! filter: `ferroprof -traces p.pb.gz | head` is not an error), 1 on any error, reported as one
//! line on standard error naming the input and the cause.

use std::process::ExitCode;

use ferroprof_driver::{Error, StdUi};

fn main() -> ExitCode {
    let args = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    let mut stdout = std::io::stdout().lock();
    match ferroprof_driver::run(args, &mut StdUi, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // The driver's errors name their input and carry their cause in the message.
            let hint = match e {
                Error::Flag(_) => " (ferroprof -help lists the flags)",
                _ => "",
            };
            eprintln!("ferroprof: {}{hint}", one_line(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

/// The message on one line: multi-line causes (regex syntax errors) are joined with "; ".
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
