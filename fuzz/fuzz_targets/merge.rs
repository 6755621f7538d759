//! RELIABILITY.md P1, P3: two hostile profiles through `check_compatible`, `merge`, `compact`,
//! scaling and base subtraction: a result or a typed error, never a panic; what merges encodes
//! and decodes unchanged. The first two bytes give the length of the first profile.
#![no_main]

use ferroprof_profile::{ops, parse, proto, Limits, Profile};
use libfuzzer_sys::fuzz_target;

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_decompressed_bytes = 32 << 20;
    limits.max_elements = 1 << 21;
    limits
}

fn roundtrip(p: &Profile) {
    let mut bytes = Vec::new();
    proto::encode_uncompressed(p, &mut bytes).expect("encode");
    let again = proto::decode(&bytes, &Limits::unlimited()).expect("decode our encoding");
    assert!(
        ferroprof_fuzz::wire_visible(&again) == ferroprof_fuzz::wire_visible(p),
        "encode → decode changes the profile"
    );
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let split = (u16::from_le_bytes([data[0], data[1]]) as usize).min(data.len() - 2);
    let (a, b) = data[2..].split_at(split);
    let (Ok(a), Ok(b)) = (parse(a, &limits()), parse(b, &limits())) else {
        return;
    };
    roundtrip(&ops::compact(&a));
    if ops::check_compatible(&a, &b).is_err() {
        assert!(
            ops::merge(&[&a, &b]).is_err(),
            "merge of incompatible profiles"
        );
        return;
    }
    let merged = ops::merge(&[&a, &b]).expect("compatible profiles merge");
    roundtrip(&merged);
    let mut pair = [a.clone(), b.clone()];
    if let Ok(combined) = ops::combine_profiles(&mut pair) {
        roundtrip(&combined);
    }
    let mut scaled = a.clone();
    ops::scale(&mut scaled, -1.0);
    let _ = ops::merge(&[&a, &scaled]);
    let mut normalized = a.clone();
    let _ = ops::normalize(&mut normalized, &b);
    if let Ok(diff) = ops::subtract_base(a, b, ops::BaseKind::DiffBase, true) {
        roundtrip(&diff);
    }
});
