//! `ferroprof-demo`: a small service with five known problems, running under the ferroprof
//! agent, that profiles itself through its own `/debug/pprof` endpoints and prints the top of
//! each profile with the commands to dig further.
//!
//! ```text
//! ferroprof-demo [--addr 127.0.0.1:6060] [--seconds N] [--no-report]
//! ```
#![deny(missing_docs)]

mod report;
mod workload;

/// Heap profiling: every allocation goes through the agent's sampling allocator.
#[global_allocator]
static ALLOCATOR: ferroprof::Allocator<std::alloc::System> =
    ferroprof::Allocator::new(std::alloc::System);

use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The command line.
#[derive(Debug, PartialEq)]
struct Args {
    addr: String,
    seconds: Option<u64>,
    report: bool,
}

const USAGE: &str = "usage: ferroprof-demo [--addr HOST:PORT] [--seconds N] [--no-report]

  --addr HOST:PORT  where to serve /debug/pprof (default 127.0.0.1:6060; loopback only)
  --seconds N       exit after N seconds (default: run until killed)
  --no-report       do not profile itself; just serve";

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        addr: "127.0.0.1:6060".into(),
        seconds: None,
        report: true,
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let mut value = |flag: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match name.as_str() {
            "--addr" => out.addr = value("--addr")?,
            "--seconds" => {
                let v = value("--seconds")?;
                out.seconds = Some(
                    v.parse()
                        .map_err(|_| format!("--seconds: invalid number {v:?}"))?,
                );
            }
            "--no-report" => out.report = false,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(out)
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("ferroprof-demo: {msg}");
            }
            eprintln!("{USAGE}");
            return if msg.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let config = ferroprof::Config {
        enable_cmdline: true,
        enable_symbol: true,
        ..Default::default()
    };
    let server = match ferroprof::Server::new(&args.addr).config(config).start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ferroprof-demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base = format!("http://{}/debug/pprof", server.local_addr());
    let started = Instant::now();
    workload::start();
    println!(
        "ferroprof-demo: serving {base}/ (hot loop, leaking cache, allocation churn, contended lock, leaked threads)"
    );
    if args.report {
        let budget = args
            .seconds
            .map(|s| Duration::from_secs(s).saturating_sub(started.elapsed()));
        report::run(server.local_addr(), &base, budget);
    }
    match args.seconds {
        Some(s) => std::thread::sleep(Duration::from_secs(s).saturating_sub(started.elapsed())),
        None => loop {
            std::thread::park();
        },
    }
    let rounds = workload::HOT_LOOP_ROUNDS.load(std::sync::atomic::Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "ferroprof-demo: hot loop: {rounds} checksums in {secs:.1} s ({:.1}/s)",
        rounds as f64 / secs
    );
    server.shutdown();
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(a: &[&str]) -> Result<Args, String> {
        parse_args(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags() {
        assert_eq!(
            parse(&[]).unwrap(),
            Args {
                addr: "127.0.0.1:6060".into(),
                seconds: None,
                report: true
            }
        );
        let a = parse(&["--addr", "127.0.0.1:0", "--seconds=5", "--no-report"]).unwrap();
        assert_eq!(
            a,
            Args {
                addr: "127.0.0.1:0".into(),
                seconds: Some(5),
                report: false
            }
        );
        assert!(parse(&["--seconds", "x"])
            .unwrap_err()
            .contains("invalid number"));
        assert!(parse(&["--bogus"]).is_err());
        assert_eq!(parse(&["--help"]).unwrap_err(), "");
    }
}
