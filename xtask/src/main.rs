//! Project tasks. `cargo run -p xtask --release -- gen …` writes a large synthetic profile for
//! benchmarks; `parse FILE [raw|proto OUT]` times ferroprof-profile alone on a file (parse,
//! then the raw dump or the gzipped re-encoding), as `benches/compare.sh` reports it.

mod gen;
mod timing;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo run -p xtask --release -- gen [--samples N] [--stacks N] \
[--depth N] [--functions N] [--labels N] [--seed N] [--uncompressed] --out FILE
       cargo run -p xtask --release -- parse FILE [raw|proto OUT]   (times the library alone)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") => match gen::Options::from_args(&args[1..]).and_then(|o| gen::run(&o)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask gen: {e}\n{USAGE}");
                ExitCode::FAILURE
            }
        },
        Some("parse") => match timing::run(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask parse: {e}\n{USAGE}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::FAILURE
        }
    }
}
