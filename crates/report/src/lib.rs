//! Call graphs and report writers (top, traces, tree, peek, tags, raw, list, dot, callgrind, flame).
//!
//! # Design constraints
//! - Output is `go tool pprof`'s (Go 1.19.8) byte for byte; its formatting rules live in
//!   [`measurement`].
//! - Writers take `&mut dyn Write`; source files arrive through a trait, never `std::fs`.
//! - Nothing recurses on input depth: million-frame stacks and deep recursion are walked with
//!   loops.
#![deny(missing_docs)]

mod error;
pub mod measurement;
pub mod options;
mod paths;
mod report;

pub use error::{Error, Result};
pub use options::{Granularity, OutputFormat, ReportOptions, SortOrder};
pub use report::{
    compute_total, format_time_utc, is_diff_base_sample, num_label_units, Report, DIFF_BASE_LABEL,
};
