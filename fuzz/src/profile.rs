//! The checks of the profile fuzz targets (`profile_decode`, `profile_roundtrip`, `legacy_text`,
//! `merge`), one function per target taking libFuzzer's input as it is. The targets in
//! `fuzz/fuzz_targets/` call them, and `crates/profile/tests/fuzz_regressions.rs` includes this
//! file by path to replay the committed crashers through the very same checks.

use ferroprof_profile::legacy::parse_legacy;
use ferroprof_profile::{check_valid, ops, parse, proto, write_raw, Limits, Profile, Sample};

/// Limits small enough to keep a decompression bomb within libFuzzer's RSS limit (P5, P6).
fn limits_of(max_decompressed_bytes: u64, max_elements: u64) -> Limits {
    let mut limits = Limits::default();
    limits.max_decompressed_bytes = max_decompressed_bytes;
    limits.max_elements = max_elements;
    limits
}

/// The limits of `profile_decode` and `profile_roundtrip`.
pub fn limits() -> Limits {
    limits_of(64 << 20, 1 << 22)
}

/// `p` without the labels the wire drops (Go's `postDecode`: a string label needs a nonzero
/// string index, a numeric one a nonzero value or unit).
pub fn wire_visible(p: &Profile) -> Profile {
    let mut q = p.clone();
    q.sample.iter_mut().for_each(drop_invisible_labels);
    q
}

fn drop_invisible_labels(s: &mut Sample) {
    for values in s.label.values_mut() {
        values.retain(|v| !v.is_empty());
    }
    s.label.retain(|_, v| !v.is_empty());
    let keys: Vec<String> = s.num_label.keys().cloned().collect();
    for key in keys {
        let values = s.num_label.remove(&key).unwrap_or_default();
        let units = s.num_unit.remove(&key).unwrap_or_default();
        let kept: Vec<(i64, String)> = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| (v, units.get(i).cloned().unwrap_or_default()))
            .filter(|(v, u)| *v != 0 || !u.is_empty())
            .collect();
        if kept.is_empty() {
            continue;
        }
        if kept.iter().any(|(_, u)| !u.is_empty()) {
            s.num_unit
                .insert(key.clone(), kept.iter().map(|(_, u)| u.clone()).collect());
        }
        s.num_label
            .insert(key, kept.into_iter().map(|(v, _)| v).collect());
    }
}

/// RELIABILITY.md P1, P2, P3, P5, P6, P7: any bytes through the top-level parser (gzip,
/// protobuf, legacy fallback, validation) give a profile or a typed error, never a panic; what
/// parses also dumps as `-raw` text and re-encodes.
pub fn profile_decode(data: &[u8]) {
    let limits = limits();
    if let Ok(p) = parse(data, &limits) {
        write_raw(&p, &mut std::io::sink()).expect("raw dump of a parsed profile");
        let mut plain = Vec::new();
        proto::encode_uncompressed(&p, &mut plain).expect("encode of a parsed profile");
    }
    // The protobuf decoder alone, without the legacy fallback.
    let _ = proto::decode(data, &limits);
}

fn totals(p: &Profile) -> Vec<i64> {
    let mut t = vec![0i64; p.sample_type.len()];
    for s in &p.sample {
        for (acc, v) in t.iter_mut().zip(&s.value) {
            *acc = acc.wrapping_add(*v);
        }
    }
    t
}

/// RELIABILITY.md P1: the whole chain, decode → validate → merge(p, p) → encode → decode,
/// compared. The merge of a profile with itself doubles every total (wrapping, as Go's int64
/// does) and survives an encode/decode round trip unchanged but for what the wire cannot carry:
/// as in Go, a label whose value is the empty string, or a numeric label 0 without a unit, is
/// written as a bare key and dropped when read back (found by this target: a legacy heap sample
/// of count 0 has `bytes: [0]`). After one round trip, encoding is a fixed point.
pub fn profile_roundtrip(data: &[u8]) {
    let Ok(p) = parse(data, &limits()) else {
        return;
    };
    check_valid(&p).expect("parse returned a profile that does not validate");
    let merged = ops::merge(&[&p, &p]).expect("a profile merges with itself");
    check_valid(&merged).expect("merge(p, p) validates");
    let doubled: Vec<i64> = totals(&p).iter().map(|t| t.wrapping_mul(2)).collect();
    assert_eq!(totals(&merged), doubled, "merge(p, p) doubles every total");

    let mut bytes = Vec::new();
    proto::encode(&merged, &mut bytes).expect("encode");
    let again = parse(&bytes, &Limits::unlimited()).expect("our own encoding parses");
    assert!(
        wire_visible(&again) == wire_visible(&merged),
        "encode → decode changes the merged profile"
    );
    let mut bytes_again = Vec::new();
    proto::encode(&again, &mut bytes_again).expect("encode");
    let third = parse(&bytes_again, &Limits::unlimited()).expect("our own encoding parses");
    assert!(
        third == again,
        "a decoded profile changes through encode → decode"
    );
    let mut bytes_third = Vec::new();
    proto::encode(&third, &mut bytes_third).expect("encode");
    assert!(bytes_third == bytes_again, "encoding is not deterministic");
}

/// Headers that route input to each legacy parser (Go's `legacy_profile.go` and
/// `legacy_java_profile.go` format checks).
const HEADERS: &[&[u8]] = &[
    b"",
    b"heap profile: 1: 2 [3: 4] @ heap/1048576\n",
    b"heap profile: 1: 2 [3: 4] @ heap_v2/524288\n",
    b"heap profile: 1: 2 [3: 4] @ growthz\n",
    b"heap profile: 1: 2 [3: 4] @ fragmentationz\n",
    b"heap profile: 1: 2 [3: 4] @ heapprofile\n",
    b"goroutine profile: total 3\n",
    b"threadcreate profile: total 3\n",
    b"--- threadz 1 ---\n",
    b"--- contentionz 1 ---\ncycles/second = 1000\nsampling period = 1\n",
    b"--- mutex:\ncycles/second=2000000000\nsampling period=1\n",
    b"--- contention:\ncycles/second=2000000000\n",
    b"--- heapz 1 ---\nformat = java\nresolution = bytes\n",
    b"--- contentionz 1 ---\nformat = java\nresolution = microseconds\n",
    // Legacy CPU binary, 64-bit little endian: header words 0, 3, 0, period, 0.
    b"\0\0\0\0\0\0\0\0\x03\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x10\x27\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
    // Legacy CPU binary, 32-bit little endian.
    b"\0\0\0\0\x03\0\0\0\0\0\0\0\x10\x27\0\0\0\0\0\0",
];

/// RELIABILITY.md P1, P4: every legacy parser (heap, contention, thread, goroutine `debug=1`
/// counts, Java, legacy CPU binary, memory maps) on hostile input: a profile or a typed error,
/// never a panic or a division by zero. The first byte picks a header so each parser is reached
/// past its format check; the rest is the body.
pub fn legacy_text(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let header = HEADERS[pick as usize % HEADERS.len()];
    let mut input = Vec::with_capacity(header.len() + body.len());
    input.extend_from_slice(header);
    input.extend_from_slice(body);
    if let Ok(p) = parse_legacy(&input) {
        let _ = check_valid(&p);
        write_raw(&p, &mut std::io::sink()).expect("raw dump of a legacy profile");
        let mut plain = Vec::new();
        proto::encode_uncompressed(&p, &mut plain).expect("encode of a legacy profile");
        let again = proto::decode(&plain, &Limits::unlimited()).expect("decode our encoding");
        assert!(
            wire_visible(&again) == wire_visible(&p),
            "a legacy profile changes through encode → decode"
        );
    }
}

/// Encodes `p`, decodes it back and compares what the wire carries.
fn encode_decode(p: &Profile) {
    let mut bytes = Vec::new();
    proto::encode_uncompressed(p, &mut bytes).expect("encode");
    let again = proto::decode(&bytes, &Limits::unlimited()).expect("decode our encoding");
    assert!(
        wire_visible(&again) == wire_visible(p),
        "encode → decode changes the profile"
    );
}

/// RELIABILITY.md P1, P3: two hostile profiles through `check_compatible`, `merge`, `compact`,
/// scaling and base subtraction: a result or a typed error, never a panic; what merges encodes
/// and decodes unchanged. The first two bytes give the length of the first profile.
pub fn merge(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let split = (u16::from_le_bytes([data[0], data[1]]) as usize).min(data.len() - 2);
    let (a, b) = data[2..].split_at(split);
    let limits = limits_of(32 << 20, 1 << 21);
    let (Ok(a), Ok(b)) = (parse(a, &limits), parse(b, &limits)) else {
        return;
    };
    encode_decode(&ops::compact(&a));
    if ops::check_compatible(&a, &b).is_err() {
        assert!(
            ops::merge(&[&a, &b]).is_err(),
            "merge of incompatible profiles"
        );
        return;
    }
    let merged = ops::merge(&[&a, &b]).expect("compatible profiles merge");
    encode_decode(&merged);
    let mut pair = [a.clone(), b.clone()];
    if let Ok(combined) = ops::combine_profiles(&mut pair) {
        encode_decode(&combined);
    }
    let mut scaled = a.clone();
    ops::scale(&mut scaled, -1.0);
    let _ = ops::merge(&[&a, &scaled]);
    let mut normalized = a.clone();
    let _ = ops::normalize(&mut normalized, &b);
    if let Ok(diff) = ops::subtract_base(a, b, ops::BaseKind::DiffBase, true) {
        encode_decode(&diff);
    }
}
