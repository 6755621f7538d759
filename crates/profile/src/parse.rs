//! The top-level parser: gzip detection and bounded inflation, protobuf decoding, the fallback to
//! the legacy formats exactly where Go's `ParseData` falls back, then validation.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::Profile;
use crate::{legacy, proto, validate};

/// The gzip magic number.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The most the size hint read from a gzip trailer may exceed the compressed size by. Profiles
/// compress 2–10 times (the generated benchmark profile 1.5, google/pprof's `large.cpu` 2), so
/// their hint is taken as is; a bomb's claim is not believed, and its buffer grows only as data
/// actually arrives.
const MAX_HINT_RATIO: u64 = 16;

/// Bytes read per step while inflating or reading a stream.
const READ_CHUNK: usize = 256 * 1024;

/// Parses a profile held in memory: gzipped or plain protobuf, or any legacy format, then checks
/// it as Go's `CheckValid` does.
///
/// As in Go's `ParseData`, data starting with the gzip magic is inflated first (several members
/// are read as one stream, so two gzipped profiles back to back are caught as concatenated). The
/// protobuf decoder is tried first; when it fails for any reason but empty input, concatenated
/// profiles, a reserved id or a limit, the legacy parsers are tried.
///
/// Neither what a gzipped input inflates to nor a plain input may pass
/// `limits.max_decompressed_bytes` ([`Error::Limit`]); inflation stops as soon as it would.
///
/// ```
/// use ferroprof_profile::{parse, Error, Limits};
/// assert!(matches!(parse(b"", &Limits::default()), Err(Error::Empty)));
/// ```
pub fn parse(data: &[u8], limits: &Limits) -> Result<Profile> {
    match inflate(data, limits)? {
        Some(inflated) => parse_uncompressed(&inflated, limits),
        None => parse_uncompressed(data, limits),
    }
}

/// [`parse`] of data the caller gives up: gzipped data is freed once inflated, before decoding,
/// so that it is not held beside the inflated bytes and the model.
pub fn parse_owned(data: Vec<u8>, limits: &Limits) -> Result<Profile> {
    match inflate(&data, limits)? {
        Some(inflated) => {
            drop(data);
            parse_uncompressed(&inflated, limits)
        }
        None => parse_uncompressed(&data, limits),
    }
}

/// The inflated bytes of gzipped `data`, or `None` when `data` is not gzipped (and within the
/// limit).
fn inflate(data: &[u8], limits: &Limits) -> Result<Option<Vec<u8>>> {
    if data.starts_with(&GZIP_MAGIC) {
        let hint = gzip_size_hint(data, limits);
        read_bounded(MultiGzDecoder::new(data), limits, hint, true).map(Some)
    } else if data.len() as u64 > limits.max_decompressed_bytes {
        // The same answer `parse_reader` gives for this input.
        Err(Error::Limit {
            what: "profile size",
            limit: limits.max_decompressed_bytes,
        })
    } else {
        Ok(None)
    }
}

/// Parses a profile read from `r`, inflating gzip while reading; neither the stream nor what it
/// inflates to may pass `limits.max_decompressed_bytes`.
pub fn parse_reader(mut r: impl Read, limits: &Limits) -> Result<Profile> {
    let mut head = [0u8; 2];
    let mut got = 0;
    while got < head.len() {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::Io(e)),
        }
    }
    let stream = (&head[..got]).chain(r);
    let data = if head[..got] == GZIP_MAGIC {
        read_bounded(MultiGzDecoder::new(stream), limits, 0, true)?
    } else {
        read_bounded(stream, limits, 0, false)?
    };
    parse_uncompressed(&data, limits)
}

/// Decodes uncompressed data as protobuf, falling back to the legacy formats, then validates.
fn parse_uncompressed(data: &[u8], limits: &Limits) -> Result<Profile> {
    let p = match proto::decode(data, limits) {
        Ok(p) => p,
        Err(
            e @ (Error::Empty | Error::Concatenated | Error::Limit { .. } | Error::Malformed(_)),
        ) => return Err(e),
        Err(proto_err) => match legacy::parse_legacy(data) {
            Ok(p) => p,
            Err(legacy_err) => return Err(either_error(proto_err, legacy_err)),
        },
    };
    validate::check_valid(&p)?;
    Ok(p)
}

/// The error to report when neither decoder accepts the data: the legacy parser's when it
/// recognised its format, otherwise one naming both attempts.
fn either_error(proto_err: Error, legacy_err: Error) -> Error {
    match (&proto_err, &legacy_err) {
        (Error::Parse(why), Error::Parse(legacy)) if legacy.contains("unrecognized") => {
            Error::Parse(format!("unrecognized profile format (as protobuf: {why})"))
        }
        _ => legacy_err,
    }
}

/// The capacity to start inflating with: the trailer's size of the last member, when it is
/// believable for the input's size and within the limit.
fn gzip_size_hint(data: &[u8], limits: &Limits) -> usize {
    let Some(trailer) = data.len().checked_sub(4).and_then(|at| data.get(at..)) else {
        return 0;
    };
    let mut le = [0u8; 4];
    le.copy_from_slice(trailer);
    let isize = u64::from(u32::from_le_bytes(le));
    let believable = (data.len() as u64).saturating_mul(MAX_HINT_RATIO);
    isize.min(believable).min(limits.max_decompressed_bytes) as usize
}

/// Reads `r` to its end, failing as soon as more than `limits.max_decompressed_bytes` arrive, so
/// that a decompression bomb never allocates past the limit.
fn read_bounded(mut r: impl Read, limits: &Limits, hint: usize, gzip: bool) -> Result<Vec<u8>> {
    let limit = limits.max_decompressed_bytes;
    // `out[..filled]` holds data; the rest of `out` is zeroed room for the next reads.
    let mut out: Vec<u8> = Vec::new();
    let mut filled = 0;
    // One byte past the hint, so that a right hint needs no second buffer to see the end (doubling
    // there zeroed as many bytes again: 100 MB more resident for the 100 MB benchmark profile).
    let mut next_size = hint.saturating_add(1).max(READ_CHUNK);
    loop {
        if filled == out.len() {
            // Never hold more room than the limit allows, plus one byte to notice passing it.
            let cap = (limit.saturating_add(1)).min(usize::MAX as u64) as usize;
            let grow = next_size.min(cap.saturating_sub(filled)).max(1);
            out.resize(filled + grow, 0);
            next_size = out.len();
        }
        let n = match r.read(&mut out[filled..]) {
            Ok(0) => {
                out.truncate(filled);
                return Ok(out);
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(e, gzip)),
        };
        filled += n;
        if filled as u64 > limit {
            let what = if gzip {
                "decompressed size"
            } else {
                "profile size"
            };
            return Err(Error::Limit { what, limit });
        }
    }
}

fn read_error(e: io::Error, gzip: bool) -> Error {
    if gzip {
        Error::Parse(format!("decompressing profile: {e}"))
    } else {
        Error::Io(e)
    }
}
