//! The encoder's canonical form, byte by byte, on small profiles (the round-trip tests compare
//! whole fixtures with Go's encoder when Go is installed; these need no Go).

use ferroprof_profile::{proto, LabelMap, Limits, LocationId, Profile, Sample, ValueType};

#[path = "codec/builder.rs"]
mod builder;
use builder::Msg;

fn plain(p: &Profile) -> Vec<u8> {
    let mut out = Vec::new();
    proto::encode_uncompressed(p, &mut out).expect("encode to a Vec");
    out
}

fn ids(v: &[u64]) -> Vec<LocationId> {
    v.iter()
        .map(|&i| LocationId::new(i).expect("nonzero"))
        .collect()
}

#[test]
fn empty_profile_is_the_empty_string_and_a_default_sample_type() {
    // string_table = [""], then default_sample_type = 0, which Go always writes.
    assert_eq!(plain(&Profile::default()), [0x32, 0x00, 0x70, 0x00]);
}

#[test]
fn repeated_scalars_are_packed_only_beyond_two() {
    let mut p = Profile {
        sample_type: vec![ValueType::new("a", "b")],
        ..Profile::default()
    };
    p.sample.push(Sample {
        location: ids(&[1, 2]),
        value: vec![5],
        ..Sample::default()
    });
    p.sample.push(Sample {
        location: ids(&[1, 2, 3]),
        value: vec![0],
        ..Sample::default()
    });
    let expected = Msg::default()
        .msg(1, Msg::default().uint(1, 1).uint(2, 2))
        .msg(2, Msg::default().uint(1, 1).uint(1, 2).uint(2, 5))
        // A zero element of a repeated field is still written.
        .msg(2, Msg::default().bytes(1, &[1, 2, 3]).uint(2, 0))
        .strings(&["", "a", "b"])
        .uint(14, 0);
    assert_eq!(plain(&p), expected.0);
}

#[test]
fn string_table_follows_go_preencode_order_with_sorted_label_keys() {
    let mut label = LabelMap::new();
    label.insert("zkey".to_string(), vec!["v1".to_string(), "v2".to_string()]);
    label.insert("akey".to_string(), vec!["v3".to_string()]);
    let mut num_label = LabelMap::new();
    num_label.insert("bytes".to_string(), vec![64, 0]);
    let mut num_unit = LabelMap::new();
    num_unit.insert("bytes".to_string(), vec!["B".to_string(), String::new()]);
    let p = Profile {
        sample_type: vec![ValueType::new("t", "u")],
        sample: vec![Sample {
            location: Vec::new(),
            value: vec![1],
            label,
            num_label,
            num_unit,
        }],
        period_type: Some(ValueType::new("pt", "pu")),
        comments: vec!["c".to_string()],
        default_sample_type: "t".to_string(),
        drop_frames: "d".to_string(),
        ..Profile::default()
    };
    let bytes = plain(&p);
    let table: Vec<&str> = [
        "", "t", "u", "akey", "v3", "zkey", "v1", "v2", "bytes", "B", "d",
    ]
    .into_iter()
    .chain(["pt", "pu", "c"])
    .collect();
    let expected = Msg::default()
        .msg(1, Msg::default().uint(1, 1).uint(2, 2))
        .msg(
            2,
            Msg::default()
                .uint(2, 1)
                .msg(3, Msg::default().uint(1, 3).uint(2, 4))
                .msg(3, Msg::default().uint(1, 5).uint(2, 6))
                .msg(3, Msg::default().uint(1, 5).uint(2, 7))
                .msg(3, Msg::default().uint(1, 8).uint(3, 64).uint(4, 9))
                // A zero number with the empty unit: Go writes just the key (and drops it on
                // decode).
                .msg(3, Msg::default().uint(1, 8)),
        )
        .strings(&table)
        .uint(7, 10)
        .msg(11, Msg::default().uint(1, 11).uint(2, 12))
        .uint(13, 13)
        .uint(14, 1);
    assert_eq!(bytes, expected.0);
}

#[test]
fn packed_and_unpacked_decode_alike() {
    let head = || Msg::default().msg(1, Msg::default().uint(1, 1).uint(2, 1));
    let unpacked = head()
        .msg(2, Msg::default().uint(2, 7).uint(2, 8).uint(2, 9))
        .strings(&["", "x"]);
    let packed = head()
        .msg(2, Msg::default().bytes(2, &[7, 8, 9]))
        .strings(&["", "x"]);
    let mixed = head()
        .msg(2, Msg::default().uint(2, 7).bytes(2, &[8, 9]))
        .strings(&["", "x"]);
    let decode = |m: Msg| proto::decode(&m.0, &Limits::default()).expect("decode");
    let a = decode(unpacked);
    assert_eq!(a.sample[0].value, [7, 8, 9]);
    assert_eq!(a, decode(packed));
    assert_eq!(a, decode(mixed));
}
