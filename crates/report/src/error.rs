//! The crate's one error type.

/// What went wrong writing a report. Messages are `go tool pprof`'s where it has one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing the report failed.
    #[error("writing report: {0}")]
    Io(#[from] std::io::Error),
    /// A `-peek`, `-list` or `-disasm` regex matched nothing.
    #[error("no matches found for regexp: {0}")]
    NoMatches(String),
    /// The format needs a regex (`-list`, `-peek`, …) and none was given.
    #[error("command {0} requires an argument")]
    MissingSymbol(&'static str),
    /// The options are inconsistent (a sample index out of range, a zero divisor, …).
    #[error("{0}")]
    InvalidOptions(String),
    /// A binary could not be disassembled (`-disasm`).
    #[error("{0}")]
    Disassembly(String),
    /// The format is not written by this crate (or not yet by this build).
    #[error("unsupported report format: {0}")]
    Unsupported(&'static str),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
