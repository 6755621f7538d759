//! RELIABILITY.md P1: the whole chain, decode → validate → merge(p, p) → encode → decode,
//! compared. The merge of a profile with itself doubles every total (wrapping, as Go's int64
//! does) and survives an encode/decode round trip unchanged but for what the wire cannot carry:
//! as in Go, a label whose value is the empty string, or a numeric label 0 without a unit, is
//! written as a bare key and dropped when read back (found by this target: a legacy heap sample
//! of count 0 has `bytes: [0]`). After one round trip, encoding is a fixed point.
#![no_main]

use ferroprof_fuzz::wire_visible;
use ferroprof_profile::{check_valid, ops, parse, proto, Limits, Profile};
use libfuzzer_sys::fuzz_target;

fn totals(p: &Profile) -> Vec<i64> {
    let mut t = vec![0i64; p.sample_type.len()];
    for s in &p.sample {
        for (acc, v) in t.iter_mut().zip(&s.value) {
            *acc = acc.wrapping_add(*v);
        }
    }
    t
}

fuzz_target!(|data: &[u8]| {
    let mut limits = Limits::default();
    limits.max_decompressed_bytes = 64 << 20;
    limits.max_elements = 1 << 22;
    let Ok(p) = parse(data, &limits) else {
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
});
