//! The driver: `go tool pprof`'s flags, options and commands over the profile and report crates.
//!
//! ```no_run
//! use ferroprof_driver::{run, StdUi};
//! let args = ["-top", "cpu.pb.gz"].map(String::from);
//! run(args, &mut StdUi, &mut std::io::stdout()).unwrap();
//! ```
//!
//! # Design constraints
//! - One table ([`flags::FLAGS`]) defines every flag and option; parsing, `-help`, the shell's
//!   `name=value` and the web UI's URL parameters all read it.
//! - Two levels of configuration: [`flags::LowArgs`] holds what was typed, validated by kind;
//!   [`Config`] holds the options with regexes compiled and choices as enums, and is shared by
//!   every front end.
//! - Each pipeline stage (fetch, combine, filter, aggregate, report) is a function of its input
//!   and the options; only this crate touches files, the environment and the terminal.
//! - An `-output` file is written to a temporary file and renamed: never left half-written.
//! - Sources are files or URLs (Go's `adjustURL` rules: a bare `host:port` is the CPU profile);
//!   fetched profiles are saved as Go saves them, through a temporary file and a link, so a
//!   saved name is never half-written or taken twice.
//! - Local symbolization goes through ferroprof-symbolize's `BinaryLookup`, implemented over
//!   `PPROF_BINARY_PATH` in `binaries`; remote symbolization speaks pprof's symbolz protocol.
//! - The interactive shell runs every report through the same pipeline as the one-shot flags;
//!   [`Shell`] reads lines from any [`LineReader`] (a line editor on a terminal, or a pipe).
#![deny(missing_docs)]

mod args;
mod binaries;
mod command;
mod config;
mod error;
mod fetch;
pub mod flags;
mod http;
mod line_input;
mod objfile;
mod objtool;
mod output;
mod pipeline;
mod progress;
mod save;
mod shell;
mod shell_help;
mod source;
mod symbolz;
mod tls;
mod ui;
mod viewer;
pub mod webui;

use std::io::Write;

pub use args::Invocation;
pub use command::{Command, CommandName, Delivery};
pub use config::{Config, ConfigError, Granularity, NodeCount, SampleIndex, SortOrder};
pub use error::{Error, FlagError, Result};
pub use fetch::fetch_profiles;
pub use http::TlsFiles;
pub use line_input::PlainLines;
pub use pipeline::{apply_command_overrides, generate_report, generate_report_owned};
pub use shell::{LineReader, Shell};
pub use source::{Demangle, Sources, SymbolizeMode};
pub use ui::{CapturedUi, StdUi, Ui};

/// Runs `ferroprof` with `args` (without the program name): parses the flags, fetches the
/// sources and writes the requested report to `stdout` or the `-output` file.
pub fn run<I, S>(args: I, ui: &mut dyn Ui, stdout: &mut dyn Write) -> Result<()>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let low = flags::parse_args(args)?;
    if low.help {
        ui.print_err(&flags::usage());
        return Ok(());
    }
    let invocation = Invocation::from_low_args(&low, ui)?;
    let Some(command) = &invocation.command else {
        let profile = fetch_profiles(&invocation.sources, ui)?;
        if let Some(addr) = &invocation.http {
            let config = invocation.config.clone();
            return webui::serve(addr, profile, config, invocation.no_browser, ui);
        }
        return run_shell(&profile, invocation.config, ui, stdout);
    };
    let profile = fetch_profiles(&invocation.sources, ui)?;
    if invocation.config.output.is_none() && output::streams(command.name) {
        return output::stream(stdout, |out| {
            generate_report_owned(profile, command, &invocation.config, ui, out)
        });
    }
    let mut report = Vec::new();
    generate_report_owned(profile, command, &invocation.config, ui, &mut report)?;
    output::deliver(
        report,
        command.name,
        invocation.config.output.as_deref(),
        ui,
        stdout,
    )
}

/// The interactive shell on standard input: a line editor when it is a terminal, plain lines
/// otherwise (`echo top | ferroprof cpu.pb.gz`).
fn run_shell(
    profile: &ferroprof_profile::Profile,
    config: Config,
    ui: &mut dyn Ui,
    stdout: &mut dyn Write,
) -> Result<()> {
    use std::io::IsTerminal;
    let mut shell = Shell::new(profile, config);
    if std::io::stdin().is_terminal() {
        let functions = profile.function.iter().map(|f| f.name.clone()).collect();
        if let Some(mut editor) = line_input::EditorLines::new(functions) {
            return shell.run(&mut editor, ui, stdout);
        }
    }
    let mut lines = line_input::PlainLines::new(std::io::stdin().lock(), std::io::stdout());
    shell.run(&mut lines, ui, stdout)
}
