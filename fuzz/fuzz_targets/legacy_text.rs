//! RELIABILITY.md P1, P4: every legacy parser (heap, contention, thread, goroutine `debug=1`
//! counts, Java, legacy CPU binary, memory maps) on hostile input: a profile or a typed error,
//! never a panic or a division by zero. The first byte picks a header so each parser is reached
//! past its format check; the rest is the body.
#![no_main]

use ferroprof_profile::{check_valid, legacy::parse_legacy, proto, write_raw, Limits};
use libfuzzer_sys::fuzz_target;

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

fuzz_target!(|data: &[u8]| {
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
            ferroprof_fuzz::wire_visible(&again) == ferroprof_fuzz::wire_visible(&p),
            "a legacy profile changes through encode → decode"
        );
    }
});
