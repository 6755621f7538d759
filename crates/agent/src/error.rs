//! The agent's error type.

use std::io;

/// What can go wrong while starting the agent's server or a profiler.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listen address did not parse or resolve.
    #[error("invalid listen address {addr:?}: {reason}")]
    InvalidAddress {
        /// The address as given.
        addr: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The address is not a loopback address and remote access was not enabled.
    #[error(
        "refusing to serve profiles on non-loopback address {addr}; \
         enable remote access explicitly (Server::allow_remote) to expose them"
    )]
    NotLoopback {
        /// The address as given.
        addr: String,
    },
    /// Binding or configuring the listening socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address as given.
        addr: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// A CPU profile is already running (Go's text, which clients show verbatim).
    #[error("cpu profiling already in use")]
    CpuProfilingInUse,
    /// A task dump could not be taken (`ferroprof::tasks`).
    #[error("cannot dump tasks: {0}")]
    TaskDump(&'static str),
    /// Task dumps need tokio's unstable task dump API.
    #[error("task dumps need the program built with RUSTFLAGS=\"--cfg tokio_unstable\" (and ferroprof's taskdump feature)")]
    TaskDumpUnsupported,
    /// Another thread dump was still running when this one's deadline passed.
    #[error("another thread dump is in progress")]
    DumpInProgress,
    /// Another handler owns the signal the profiler needs.
    #[error("signal {signal} already has a handler installed by someone else")]
    SignalInUse {
        /// The signal number.
        signal: i32,
    },
    /// A system call the profiler needs failed.
    #[error("{call} failed: {source}")]
    Sys {
        /// The call that failed.
        call: &'static str,
        /// The operating system's error.
        source: io::Error,
    },
    /// Encoding the profile failed.
    #[error("encoding profile: {0}")]
    Encode(String),
}

impl Error {
    /// The last OS error, attributed to `call`.
    pub(crate) fn last_os(call: &'static str) -> Self {
        Error::Sys {
            call,
            source: io::Error::last_os_error(),
        }
    }
}

/// The agent's result type.
pub type Result<T> = std::result::Result<T, Error>;
