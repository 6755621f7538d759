//! The crate's one error type.

/// What went wrong reading, checking or combining profiles. Each variant says what is wrong; the
/// caller adds which input it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not a profile in any format this crate reads.
    #[error("parsing profile: {0}")]
    Parse(String),
    /// The input decodes but breaks an invariant of profile.proto (a dangling id, a value count
    /// that does not match the sample types, …).
    #[error("malformed profile: {0}")]
    Malformed(String),
    /// Several gzip members or protobuf messages one after another.
    #[error("parsing profile: concatenated profiles detected")]
    Concatenated,
    /// The input is empty.
    #[error("empty input file")]
    Empty,
    /// A configured limit was reached (decompressed size, element count, nesting depth).
    #[error("{what} exceeds limit of {limit}")]
    Limit {
        /// What grew too large.
        what: &'static str,
        /// The limit in force.
        limit: u64,
    },
    /// Profiles that cannot be merged or compared.
    #[error("{0}")]
    Incompatible(String),
    /// An argument or option given to an operation is invalid (a filter regexp, a sample index,
    /// a count of scale ratios); the text is the whole message, as `go tool pprof` words it.
    #[error("{0}")]
    InvalidArgument(String),
    /// A regular expression given to a filter is invalid.
    #[error("parsing argument regexp {0}")]
    Regex(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
