//! The crate's error type.

use std::path::PathBuf;

use crate::flags::Kind;

/// A command line that Go's `flag` package would reject.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlagError {
    /// `-name` is not a flag of the table.
    #[error("flag provided but not defined: -{0}")]
    Unknown(String),
    /// `---x`, `-=x`.
    #[error("bad flag syntax: {0}")]
    BadSyntax(String),
    /// A non-bool flag came last, without a value.
    #[error("flag needs an argument: -{0}")]
    MissingValue(String),
    /// The value does not parse as the flag's kind.
    #[error("invalid value {value:?} for flag -{flag}: expected {}", kind_name(*.kind))]
    BadValue {
        /// The flag.
        flag: &'static str,
        /// What was given.
        value: String,
        /// What the flag takes.
        kind: Kind,
    },
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "true or false",
        Kind::Int => "an integer",
        Kind::Float => "a number",
        Kind::Text => "a string",
    }
}

/// What went wrong running pprof's pipeline. Each variant names its input and the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command line is malformed.
    #[error(transparent)]
    Flag(#[from] FlagError),
    /// The flags are well-formed but do not make sense together, or an option's value is invalid
    /// (`must set at most one output format`, `parsing focus regexp: …`).
    #[error("{0}")]
    Usage(String),
    /// A source could not be read.
    #[error("{}: {}", path.display(), io_cause(source))]
    Read {
        /// The source.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A source is not a profile ferroprof can read.
    #[error("{}: {source}", path.display())]
    Parse {
        /// The source.
        path: PathBuf,
        /// The cause.
        source: ferroprof_profile::Error,
    },
    /// A source passed one of the input limits.
    #[error("{}: {what} exceeds limit of {limit} bytes{}", path.display(),
        flag.map_or(String::new(), |f| format!(" (raise it with -{f}=N)")))]
    Limit {
        /// The source.
        path: PathBuf,
        /// What grew too large.
        what: String,
        /// The limit in force.
        limit: u64,
        /// The flag that sets the limit, if one does.
        flag: Option<&'static str>,
    },
    /// Parsing a source took longer than `-parse_timeout`.
    #[error("{}: parsing took longer than {seconds}s (raise it with -parse_timeout=N)", path.display())]
    Timeout {
        /// The source.
        path: PathBuf,
        /// The timeout in force, in seconds.
        seconds: u64,
    },
    /// A source could not be fetched over HTTP (the message names the URL and the cause).
    #[error("{0}")]
    Fetch(String),
    /// The profiles could not be combined, filtered or prepared for the report.
    #[error("{0}")]
    Profile(#[from] ferroprof_profile::Error),
    /// The report could not be generated.
    #[error("{0}")]
    Report(String),
    /// Writing the output failed.
    #[error("{}: {}", path.as_ref().map_or("standard output".into(), |p| p.display().to_string()),
        io_cause(source))]
    Write {
        /// The output file; `None` for standard output.
        path: Option<PathBuf>,
        /// The cause.
        source: std::io::Error,
    },
}

/// An I/O error as a user reads it: `No such file or directory`, without the `(os error 2)` code.
fn io_cause(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" (os error ") {
        Some((cause, _)) => cause.to_string(),
        None => text,
    }
}

impl Error {
    /// Whether the error is a broken pipe on standard output (the reader went away: not a
    /// failure, as for any Unix filter).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Write { path: None, source }
            if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
