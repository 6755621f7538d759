//! Replays every input the fuzz targets ever failed on (RELIABILITY.md P1), committed under
//! `testdata/fuzz/<target>/` (minimized by `scripts/fuzz`'s recipe), through the same checks as
//! the target in `fuzz/fuzz_targets/<target>.rs`: no panic, and whatever parses validates,
//! merges with itself, encodes and decodes back to what the wire can carry.
//!
//! | input | found by | what it was |
//! |---|---|---|
//! | `profile_roundtrip/legacy-heap-zero-bytes-label-*` | `profile_roundtrip`, 2026-11-27 | a legacy heap sample of count 0 gets the numeric label `bytes: [0]`, which the wire cannot carry: Go's `postDecode` drops a label with a zero value and no unit, so this is Go's behaviour, and the harness now compares what the wire carries |

use std::path::{Path, PathBuf};

use ferroprof_profile::legacy::parse_legacy;
use ferroprof_profile::{check_valid, ops, parse, proto, write_raw, Limits, Profile, Sample};

const TARGETS: [&str; 4] = [
    "profile_decode",
    "profile_roundtrip",
    "legacy_text",
    "merge",
];

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fuzz")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read testdata/fuzz").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The fuzz targets' limits.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_decompressed_bytes = 64 << 20;
    limits.max_elements = 1 << 22;
    limits
}

/// `p` without the labels the wire drops (Go's `postDecode`: a string label needs a nonzero
/// string index, a numeric one a nonzero value or unit). The same as `fuzz/src/lib.rs`.
fn wire_visible(p: &Profile) -> Profile {
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

fn encode(p: &Profile) -> Vec<u8> {
    let mut bytes = Vec::new();
    proto::encode(p, &mut bytes).expect("encode");
    bytes
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

/// `fuzz_targets/profile_roundtrip.rs`.
fn roundtrip(data: &[u8], name: &str) {
    let Ok(p) = parse(data, &limits()) else {
        return;
    };
    check_valid(&p).unwrap_or_else(|e| panic!("{name}: parsed but invalid: {e}"));
    let merged = ops::merge(&[&p, &p]).unwrap_or_else(|e| panic!("{name}: merge(p, p): {e}"));
    let doubled: Vec<i64> = totals(&p).iter().map(|t| t.wrapping_mul(2)).collect();
    assert_eq!(
        totals(&merged),
        doubled,
        "{name}: merge(p, p) doubles totals"
    );
    let bytes = encode(&merged);
    let again = parse(&bytes, &Limits::unlimited()).expect("our encoding parses");
    assert!(
        wire_visible(&again) == wire_visible(&merged),
        "{name}: encode → decode changes the merged profile"
    );
    let third = parse(&encode(&again), &Limits::unlimited()).expect("our encoding parses");
    assert!(third == again, "{name}: a decoded profile changes");
    assert_eq!(encode(&third), encode(&again), "{name}: encoding is stable");
}

/// `fuzz_targets/profile_decode.rs`.
fn decode(data: &[u8], name: &str) {
    if let Ok(p) = parse(data, &limits()) {
        write_raw(&p, &mut std::io::sink()).unwrap_or_else(|e| panic!("{name}: raw: {e}"));
        encode(&p);
    }
    let _ = proto::decode(data, &limits());
}

/// `fuzz_targets/legacy_text.rs` (the input's first byte picks a header there; a committed
/// input is stored with its header already applied, so it is parsed as it is).
fn legacy(data: &[u8], name: &str) {
    if let Ok(p) = parse_legacy(data) {
        let _ = check_valid(&p);
        write_raw(&p, &mut std::io::sink()).unwrap_or_else(|e| panic!("{name}: raw: {e}"));
        let mut plain = Vec::new();
        proto::encode_uncompressed(&p, &mut plain).expect("encode");
        let again = proto::decode(&plain, &Limits::unlimited()).expect("decode our encoding");
        assert!(
            wire_visible(&again) == wire_visible(&p),
            "{name}: a legacy profile changes through encode → decode"
        );
    }
}

/// `fuzz_targets/merge.rs`: two little-endian length bytes, then the two profiles.
fn merge(data: &[u8], name: &str) {
    if data.len() < 2 {
        return;
    }
    let split = (u16::from_le_bytes([data[0], data[1]]) as usize).min(data.len() - 2);
    let (a, b) = data[2..].split_at(split);
    let (Ok(a), Ok(b)) = (parse(a, &limits()), parse(b, &limits())) else {
        return;
    };
    if ops::check_compatible(&a, &b).is_ok() {
        let merged = ops::merge(&[&a, &b]).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = proto::decode(&encode_plain(&merged), &Limits::unlimited()).unwrap();
        assert!(wire_visible(&again) == wire_visible(&merged), "{name}");
    }
    let _ = ops::subtract_base(a, b, ops::BaseKind::DiffBase, true);
}

fn encode_plain(p: &Profile) -> Vec<u8> {
    let mut bytes = Vec::new();
    proto::encode_uncompressed(p, &mut bytes).expect("encode");
    bytes
}

/// P1: every committed crasher of the profile targets replays without failing.
#[test]
fn fuzz_crashers_replay_clean() {
    let mut replayed = 0;
    for target in TARGETS {
        for path in inputs(target) {
            let data = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            match target {
                "profile_decode" => decode(&data, &name),
                "profile_roundtrip" => {
                    decode(&data, &name);
                    roundtrip(&data, &name);
                }
                "legacy_text" => legacy(&data, &name),
                "merge" => merge(&data, &name),
                _ => unreachable!(),
            }
            replayed += 1;
        }
    }
    assert!(replayed >= 2, "the committed inputs were not found");
}

/// P1 (the finding behind `legacy-heap-zero-bytes-label-*`): a committed input parses as a
/// legacy heap profile with a zero `bytes` label, which encode → decode drops as Go does.
#[test]
fn zero_numeric_label_without_unit_is_dropped_by_the_wire_as_in_go() {
    let path = &inputs("profile_roundtrip")[0];
    let p = parse(&std::fs::read(path).unwrap(), &limits()).expect("parses");
    let zero = |p: &Profile| {
        p.sample
            .iter()
            .filter(|s| s.num_label.get("bytes") == Some(&vec![0]))
            .count()
    };
    assert!(zero(&p) > 0, "the input has a bytes: [0] label");
    let again = parse(&encode(&p), &Limits::unlimited()).unwrap();
    assert_eq!(
        zero(&again),
        0,
        "Go's postDecode drops a zero label without unit"
    );
    assert!(wire_visible(&again) == wire_visible(&p));
}
