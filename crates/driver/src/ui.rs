//! How the driver talks to the user besides the report: warnings and progress on standard error.

use std::io::{IsTerminal, Write};

/// The driver's user interface (pprof's `plugin.UI`), a trait so tests can capture messages.
pub trait Ui {
    /// Prints a warning or progress line (standard error for the command line).
    fn print_err(&mut self, message: &str);
    /// Whether standard output is a terminal (binary reports then go to a temp file).
    fn is_terminal(&self) -> bool;
    /// Whether messages go to a terminal (progress is then drawn instead of printed).
    fn is_err_terminal(&self) -> bool {
        false
    }
}

/// The terminal: messages on standard error.
#[derive(Debug, Default)]
pub struct StdUi;

impl Ui for StdUi {
    fn print_err(&mut self, message: &str) {
        let mut err = std::io::stderr().lock();
        // A failing stderr leaves nowhere to report the failure.
        let _ = writeln!(err, "{}", message.trim_end_matches('\n'));
    }

    fn is_terminal(&self) -> bool {
        std::io::stdout().is_terminal()
    }

    fn is_err_terminal(&self) -> bool {
        std::io::stderr().is_terminal()
    }
}

/// Collects messages instead of printing them (tests, the web UI).
#[derive(Debug, Default)]
pub struct CapturedUi {
    /// The messages, in order.
    pub messages: Vec<String>,
}

impl Ui for CapturedUi {
    fn print_err(&mut self, message: &str) {
        self.messages
            .push(message.trim_end_matches('\n').to_string());
    }

    fn is_terminal(&self) -> bool {
        false
    }
}
