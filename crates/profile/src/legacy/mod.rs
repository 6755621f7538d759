//! The legacy (non-protobuf) formats `go tool pprof` accepts, mapped to the model as Go 1.19's
//! vendored pprof (`profile/legacy_profile.go`, `profile/legacy_java_profile.go`) maps them:
//! the same sample types, periods, location, function and mapping order and ids, addresses moved
//! back onto call instructions, unsampled heap values, and the fake mapping for addresses no
//! memory map covers.
//!
//! Each format has its module; [`parse_legacy`] tries them in Go's order. A parser that does
//! not recognize its format passes the input on; any other failure is final, as in Go.
//!
//! | module | format |
//! |---|---|
//! | `cpu_binary` | gperftools / pre-protobuf Go CPU profiles: 32- or 64-bit words, either byte order |
//! | `heap` | `heap profile: …` texts: `heap/N` (Go `debug=1`), `heap_v2`, `heapz_v2`, `heapprofile`, growth, fragmentation |
//! | `goroutine` | Go `debug=1` count profiles: `NAME profile: total N` (goroutine, threadcreate, …) |
//! | `thread` | gperftools `--- threadz` thread profiles |
//! | `contention` | `--- contentionz`, Go's `--- mutex:` and `--- contention:` (block) texts |
//! | `java` | Java `--- heapz 1 ---` / `--- contentionz 1 ---` texts and Java binary CPU profiles |
//! | `memory_map`, `map_attributes` | the `/proc/self/maps`-style sections after the samples |
//!
//! Malformed input gives an error, never a panic: arithmetic wraps as Go's does, no division
//! is by an input value that can be zero, stacks are bounded by the bytes left, lines by
//! `bufio.Scanner`'s 64 KiB, and memory map attribute substitution by a step and size budget.

mod builder;
mod contention;
mod cpu_binary;
mod frames;
mod goroutine;
mod heap;
mod java;
mod map_attributes;
mod memory_map;
mod text;
mod thread;

use builder::LegacyProfile;

use crate::{Error, Profile, Result};

/// Why one format's parser gave up on the input.
#[derive(Debug)]
pub(crate) enum Reject {
    /// The input is not in this parser's format: the next parser may try.
    Unrecognized,
    /// The input is in this parser's format but cannot be read: parsing stops here.
    Failed(Error),
}

impl Reject {
    /// A final failure with Go's wording.
    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        Reject::Failed(Error::Parse(message.into()))
    }
}

/// One format's parser.
type Parser = fn(&[u8]) -> std::result::Result<LegacyProfile, Reject>;

/// The format parsers in the order Go's `parseLegacy` tries them.
const PARSERS: [Parser; 6] = [
    cpu_binary::parse,
    heap::parse,
    goroutine::parse,
    thread::parse,
    contention::parse,
    java::parse,
];

/// Parses `data` as any legacy format: heap, contention, thread and Go `debug=1` texts, the legacy
/// CPU binary format, Java profiles. Called by the top-level parser when protobuf decoding fails.
///
/// The profile's `drop_frames` and `keep_frames` are set for its kind (allocator, lock or
/// profiler frames), as Go's `addLegacyFrameInfo` does.
///
/// ```
/// use ferroprof_profile::legacy::parse_legacy;
///
/// let text = b"goroutine profile: total 3\n2 @ 0x401001 0x402001\n1 @ 0x401001\n";
/// let p = parse_legacy(text).unwrap();
/// assert_eq!(p.sample_type[0].r#type, "goroutine");
/// assert_eq!(p.sample[0].value, [2]);
/// // Return addresses are moved back onto their call instructions.
/// assert_eq!(p.location[0].address, 0x401000);
/// // Without a memory map, one fake mapping covers every address.
/// assert_eq!(p.mapping[0].memory_limit, u64::MAX);
/// ```
///
/// # Errors
///
/// [`Error::Parse`] with Go's message: "unrecognized profile format" when no format matches,
/// otherwise what is wrong with the input in the format it was recognized as. [`Error::Limit`]
/// when a memory map line grows past its limit through attribute substitution.
pub fn parse_legacy(data: &[u8]) -> Result<Profile> {
    for parser in PARSERS {
        match parser(data) {
            Ok(legacy) => {
                let mut profile = legacy.into_profile();
                frames::set_legacy_frame_info(&mut profile);
                return Ok(profile);
            }
            Err(Reject::Unrecognized) => continue,
            Err(Reject::Failed(e)) => return Err(e),
        }
    }
    Err(Error::Parse("unrecognized profile format".to_string()))
}
