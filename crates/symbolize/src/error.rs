//! The crate's one error type.

use std::path::PathBuf;

/// What went wrong, naming the input (a file, a mapping or a name) and the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// No local object file matches the mapping's file name or build id.
    #[error("no local binary for {file}{}", build_id_suffix(build_id))]
    NoBinary {
        /// The mapping's file name.
        file: String,
        /// The mapping's build id, or empty.
        build_id: String,
    },
    /// The bytes are not an ELF object, or its headers are malformed.
    #[error("parsing {name}: {reason}")]
    Parse {
        /// The object's name (its path, or the name given with its bytes).
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No base address can be derived for the mapping, as in Go's `elfexec.GetBase`.
    #[error("could not identify base for {name}: {reason}")]
    Base {
        /// The object's name.
        name: String,
        /// Why the mapping does not fit the object.
        reason: String,
    },
    /// The object's DWARF debug information is malformed.
    #[error("reading DWARF of {name}: {reason}")]
    Dwarf {
        /// The object's name.
        name: String,
        /// gimli's description of the problem.
        reason: String,
    },
    /// `/proc/<pid>/maps`-style text has a line that does not parse.
    #[error("parsing memory map line {line_number}: {line:?}")]
    MapsLine {
        /// The 1-based line number.
        line_number: usize,
        /// The offending line.
        line: String,
    },
    /// The disassembler could not be run or failed.
    #[error("{command}: {reason}")]
    Disassembler {
        /// The command line that was run.
        command: String,
        /// Why it failed (exit status and standard error, or the spawn error).
        reason: String,
    },
}

fn build_id_suffix(build_id: &str) -> String {
    if build_id.is_empty() {
        String::new()
    } else {
        format!(" (build ID {build_id})")
    }
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;
