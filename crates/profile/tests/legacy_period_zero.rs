//! RELIABILITY.md P4: legacy profiles whose period, sampling rate or clock rate is 0 (or
//! negative) never divide by zero: each parses as Go parses it or gives a typed error.

use ferroprof_profile::legacy::parse_legacy;
use ferroprof_profile::{check_valid, parse, Limits};

const INPUTS: &[&[u8]] = &[
    b"--- contentionz 1 ---\ncycles/second = 0\nsampling period = 0\n100 10 @ 0x1 0x2\n",
    b"--- contentionz 1 ---\ncycles/second = -1\nsampling period = -5\n100 10 @ 0x1 0x2\n",
    b"--- mutex:\ncycles/second=0\nsampling period=0\n100 10 @ 0x1\n",
    b"--- contention:\ncycles/second=0\n100 10 @ 0x1\n",
    b"heap profile: 1: 2 [3: 4] @ heap/0\n1: 2 [3: 4] @ 0x1 0x2\n",
    b"heap profile: 1: 2 [3: 4] @ heap_v2/0\n1: 2 [3: 4] @ 0x1\n",
    b"heap profile: 0: 0 [0: 0] @ heap_v2/1\n0: 0 [0: 0] @ 0x1\n",
    b"heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [3: 4] @ 0x1\n",
    b"--- heapz 1 ---\nformat = java\nresolution = bytes\nsampling period = 0\n1 0 @ 0x1\n",
    b"--- contentionz 1 ---\nformat = java\nresolution = microseconds\nsampling period = 0\n1 0 @ 0x1\n",
    // Legacy CPU binary, 64-bit little endian, period 0, one sample of one frame.
    b"\0\0\0\0\0\0\0\0\x03\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\
      \x01\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\x10\0\0\0\0\0\0\0",
];

/// P4: period 0 everywhere a legacy format has one: no panic, no division by zero.
#[test]
fn p4_legacy_period_zero_never_divides_by_zero() {
    for (i, input) in INPUTS.iter().enumerate() {
        if let Ok(p) = parse_legacy(input) {
            check_valid(&p).unwrap_or_else(|e| panic!("input {i}: invalid profile: {e}"));
        }
        // The same through the top-level parser (protobuf first, then the legacy fallback).
        let _ = parse(input, &Limits::default());
    }
}
