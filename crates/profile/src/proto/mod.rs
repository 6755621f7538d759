//! The `profile.proto` codec, written by hand from
//! `../shared/fixtures/google-pprof/proto/profile.proto` and Go pprof's `encode.go`/`proto.go`.
//!
//! ```
//! use ferroprof_profile::{parse, proto, Limits, Profile, ValueType};
//! let mut p = Profile::default();
//! p.sample_type.push(ValueType::new("samples", "count"));
//! let mut gz = Vec::new();
//! proto::encode(&p, &mut gz).unwrap();
//! let back = parse(&gz, &Limits::default()).unwrap();
//! assert_eq!(back.sample_type, p.sample_type);
//! // As in Go, a decoded profile always has a period type, empty when none was written.
//! assert_eq!(back.period_type, Some(ValueType::default()));
//! ```

mod decode;
mod encode;
mod wire;

pub use decode::decode;
pub use encode::{encode, encode_uncompressed};

/// Field numbers of `profile.proto`, by message.
pub(crate) mod field {
    /// `Profile`'s fields.
    pub(crate) mod profile {
        pub(crate) const SAMPLE_TYPE: u64 = 1;
        pub(crate) const SAMPLE: u64 = 2;
        pub(crate) const MAPPING: u64 = 3;
        pub(crate) const LOCATION: u64 = 4;
        pub(crate) const FUNCTION: u64 = 5;
        pub(crate) const STRING_TABLE: u64 = 6;
        pub(crate) const DROP_FRAMES: u64 = 7;
        pub(crate) const KEEP_FRAMES: u64 = 8;
        pub(crate) const TIME_NANOS: u64 = 9;
        pub(crate) const DURATION_NANOS: u64 = 10;
        pub(crate) const PERIOD_TYPE: u64 = 11;
        pub(crate) const PERIOD: u64 = 12;
        pub(crate) const COMMENT: u64 = 13;
        pub(crate) const DEFAULT_SAMPLE_TYPE: u64 = 14;
        pub(crate) const DOC_URL: u64 = 15;
    }
}
