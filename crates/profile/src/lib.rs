//! The pprof profile model (`profile.proto` with strings resolved and ids typed), its protobuf
//! codec, the legacy formats `go tool pprof` reads, and pure operations on profiles.
//!
//! ```
//! use ferroprof_profile::{Profile, ValueType};
//! let mut p = Profile::default();
//! p.sample_type.push(ValueType::new("samples", "count"));
//! assert_eq!(p.sample_type[0].unit, "count");
//! ```
//!
//! # Design constraints
//! - No I/O but `Read`/`Write`; no dependency on another ferroprof crate.
//! - Input is hostile: sizes, counts and nesting are bounded by explicit limits, nothing recurses
//!   on input depth, and no allocation is sized by an id read from input.
//! - Encoding is deterministic: one `Profile` always gives the same bytes.
#![deny(missing_docs)]

mod error;
mod hash;
mod index;
mod label_map;
pub mod legacy;
mod limits;
mod model;
pub mod ops;
mod parse;
pub mod proto;
mod raw;
mod utc;
mod validate;

pub use error::{Error, Result};
pub use index::ProfileIndex;
pub use label_map::LabelMap;
pub use limits::Limits;
pub use model::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};
pub use parse::{parse, parse_owned, parse_reader};
pub use raw::write_raw;
pub use utc::UtcTime;
pub use validate::check_valid;
