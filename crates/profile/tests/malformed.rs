//! Hostile and broken inputs (RELIABILITY.md P2–P7): each gives a typed error or a bounded
//! success, never a panic.

use std::io::Write;

use ferroprof_profile::{parse, parse_reader, proto, write_raw, Error, Limits, Profile};

#[path = "codec/builder.rs"]
mod builder;
use builder::{varint, Msg};

const STRINGS: &[&str] = &["", "samples", "count", "main", "main.go"];

/// A valid profile: one sample type, one sample at location `loc`, which has one line of
/// function 1 and mapping 1.
fn valid(loc: u64) -> Msg {
    Msg::default()
        .msg(1, Msg::default().uint(1, 1).uint(2, 2))
        .msg(2, Msg::default().uint(1, loc).uint(2, 5))
        .msg(3, Msg::default().uint(1, 1).uint(2, 0x1000).uint(3, 0x2000))
        .msg(
            4,
            Msg::default()
                .uint(1, loc)
                .uint(2, 1)
                .msg(4, Msg::default().uint(1, 1).uint(2, 7)),
        )
        .msg(
            5,
            Msg::default().uint(1, 1).uint(2, 3).uint(3, 3).uint(4, 4),
        )
        .strings(STRINGS)
}

fn parse_bytes(data: &[u8]) -> ferroprof_profile::Result<Profile> {
    parse(data, &Limits::default())
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).expect("gzip to a Vec");
    gz.finish().expect("gzip to a Vec")
}

fn message_of(r: ferroprof_profile::Result<Profile>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_valid_builder_profile_parses() {
    let p = parse_bytes(&valid(1).0).expect("valid profile");
    assert_eq!(p.sample.len(), 1);
    assert_eq!(p.function[0].name, "main");
}

// P2: broken containers.

#[test]
fn empty_input_is_an_empty_error() {
    assert!(matches!(parse_bytes(b""), Err(Error::Empty)));
    assert!(matches!(
        parse_reader(&b""[..], &Limits::default()),
        Err(Error::Empty)
    ));
}

#[test]
fn garbage_text_is_a_parse_error() {
    let r = parse_bytes(b"this is not a profile\nat all\n");
    assert!(matches!(r, Err(Error::Parse(_))), "{r:?}");
}

#[test]
fn lone_gzip_magic_is_a_decompression_error() {
    let msg = message_of(parse_bytes(&[0x1f, 0x8b]));
    assert!(msg.contains("decompressing profile"), "{msg}");
}

#[test]
fn truncated_gzip_and_trailing_garbage_are_decompression_errors() {
    let gz = gzip(&valid(1).0);
    let mut trailing = gz.clone();
    trailing.extend_from_slice(b"xx");
    for data in [&gz[..gz.len() - 3], &trailing[..]] {
        let msg = message_of(parse_bytes(data));
        assert!(msg.contains("decompressing profile"), "{msg}");
    }
}

#[test]
fn empty_gzip_member_is_empty_input() {
    assert!(matches!(parse_bytes(&gzip(b"")), Err(Error::Empty)));
}

#[test]
fn concatenated_profiles_are_detected() {
    let one = valid(1).uint(9, 1_000);
    let mut two = gzip(&one.0);
    two.extend_from_slice(&gzip(&one.0));
    assert!(matches!(parse_bytes(&two), Err(Error::Concatenated)));
    let mut plain = one.0.clone();
    plain.extend_from_slice(&one.0);
    assert!(matches!(parse_bytes(&plain), Err(Error::Concatenated)));
    assert_eq!(
        Error::Concatenated.to_string(),
        "parsing profile: concatenated profiles detected"
    );
}

#[test]
fn a_zero_time_then_a_time_is_not_concatenation() {
    // Go only objects when the first time_nanos was nonzero.
    let p = parse_bytes(&valid(1).uint(9, 0).uint(9, 5).0).expect("valid");
    assert_eq!(p.time_nanos, 5);
}

// P3: broken references.

#[test]
fn string_index_out_of_range_names_the_field() {
    let data = valid(1).msg(5, Msg::default().uint(1, 2).uint(2, 99)).0;
    let msg = message_of(parse_bytes(&data));
    assert!(msg.contains("function.name") && msg.contains("99"), "{msg}");
    let data = valid(1).uint(14, 1 << 40).0;
    let msg = message_of(parse_bytes(&data));
    assert!(msg.contains("default_sample_type"), "{msg}");
}

#[test]
fn first_string_must_be_empty() {
    let data = Msg::default().strings(&["x", ""]).0;
    let msg = message_of(parse_bytes(&data));
    assert!(msg.contains("string_table[0] must be ''"), "{msg}");
}

#[test]
fn no_string_table_is_an_error() {
    // Go resolves the (empty) period type even when absent, so a profile needs string 0.
    let data = Msg::default().uint(12, 10).0;
    assert!(matches!(parse_bytes(&data), Err(Error::Parse(_))));
}

#[test]
fn reserved_id_zero_is_malformed() {
    for (field, what) in [(3, "mapping"), (4, "location"), (5, "function")] {
        let data = valid(1).msg(field, Msg::default().uint(2, 1)).0;
        let msg = message_of(parse_bytes(&data));
        assert!(
            msg.contains("reserved") && msg.to_lowercase().contains(what),
            "{msg}"
        );
    }
    let data = valid(1).msg(2, Msg::default().uint(1, 0).uint(2, 1)).0;
    assert!(matches!(parse_bytes(&data), Err(Error::Malformed(_))));
}

#[test]
fn duplicate_ids_are_malformed() {
    let cases = [
        (
            valid(1).msg(3, Msg::default().uint(1, 1)),
            "multiple mappings with same id: 1",
        ),
        (
            valid(1).msg(5, Msg::default().uint(1, 1)),
            "multiple functions with same id: 1",
        ),
        (
            valid(1).msg(4, Msg::default().uint(1, 1)),
            "multiple locations with same id: 1",
        ),
    ];
    for (m, want) in cases {
        let msg = message_of(parse_bytes(&m.0));
        assert!(msg.contains(want), "{msg}");
    }
}

#[test]
fn dangling_references() {
    let data = valid(1).msg(2, Msg::default().uint(1, 9).uint(2, 1)).0;
    let msg = message_of(parse_bytes(&data));
    assert!(msg.contains("location_id 9 not found"), "{msg}");

    let line = Msg::default().uint(1, 42).uint(2, 1);
    let data = valid(1).msg(4, Msg::default().uint(1, 2).msg(4, line)).0;
    let msg = message_of(parse_bytes(&data));
    assert!(
        msg.contains("location id: 2 has a line with nil function"),
        "{msg}"
    );

    // A line whose function_id is 0 has no function: Go's CheckValid rejects it too.
    let data = valid(1)
        .msg(
            4,
            Msg::default().uint(1, 2).msg(4, Msg::default().uint(2, 3)),
        )
        .0;
    let msg = message_of(parse_bytes(&data));
    assert!(msg.contains("nil function"), "{msg}");

    // A mapping id naming no mapping leaves the location without one, as Go's postDecode does.
    let data = valid(1).msg(4, Msg::default().uint(1, 2).uint(2, 77)).0;
    let p = parse_bytes(&data).expect("dangling mapping ids are dropped");
    assert_eq!(p.location[1].mapping_id, None);
}

#[test]
fn value_count_must_match_sample_types() {
    let data = valid(1)
        .msg(2, Msg::default().uint(1, 1).uint(2, 1).uint(2, 2))
        .0;
    let msg = message_of(parse_bytes(&data));
    assert!(
        msg.contains("mismatch: sample has 2 values vs. 1 types"),
        "{msg}"
    );
    let data = Msg::default()
        .msg(2, Msg::default().uint(2, 1))
        .strings(&[""])
        .0;
    let msg = message_of(parse_bytes(&data));
    assert!(msg.contains("missing sample type information"), "{msg}");
}

#[test]
fn wire_type_mismatch_on_a_known_field_is_an_error() {
    // sample_type (a message) written as a varint.
    let data = valid(1).uint(1, 5).0;
    assert!(matches!(parse_bytes(&data), Err(Error::Parse(_))));
}

// P4: fields validation misses stay data.

#[test]
fn odd_build_ids_stay_data() {
    for build_id in ["a", "not hex!", "../../x", "*", "\u{0}"] {
        let table = ["", "samples", "count", build_id];
        let data = Msg::default()
            .msg(1, Msg::default().uint(1, 1).uint(2, 2))
            .msg(2, Msg::default().uint(2, 1))
            .msg(3, Msg::default().uint(1, 2).uint(6, 3))
            .strings(&table)
            .0;
        let p = parse_bytes(&data).expect("odd build ids parse");
        assert_eq!(p.mapping[0].build_id, build_id);
    }
}

// P5: decompression bomb.

fn bomb(zeros: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..zeros / chunk.len() {
        gz.write_all(&chunk).expect("gzip to a Vec");
    }
    gz.finish().expect("gzip to a Vec")
}

#[test]
fn gzip_bomb_stops_at_the_limit() {
    let data = bomb(64 << 20);
    assert!(data.len() < 1 << 20, "a bomb, {} bytes", data.len());
    let mut limits = Limits::default();
    limits.max_decompressed_bytes = 4 << 20;
    let err = parse(&data, &limits).expect_err("bomb");
    assert!(
        matches!(err, Error::Limit { what: "decompressed size", limit } if limit == 4 << 20),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("decompressed size exceeds limit of {}", 4 << 20)
    );
    let err = parse_reader(&data[..], &limits).expect_err("bomb");
    assert!(matches!(err, Error::Limit { .. }), "{err}");
}

#[test]
fn uncompressed_input_past_the_limit_is_refused_by_slice_and_reader_alike() {
    let data = valid(1).0;
    let mut limits = Limits::default();
    limits.max_decompressed_bytes = data.len() as u64 - 1;
    for err in [
        parse(&data, &limits).expect_err("too big"),
        parse_reader(&data[..], &limits).expect_err("too big"),
    ] {
        assert!(
            matches!(
                err,
                Error::Limit {
                    what: "profile size",
                    ..
                }
            ),
            "{err}"
        );
    }
    limits.max_decompressed_bytes = data.len() as u64;
    parse(&data, &limits).expect("at the limit");
    parse_reader(&data[..], &limits).expect("at the limit");
}

// P6: count amplification and sparse ids.

#[test]
fn half_a_million_empty_strings_is_a_bounded_success() {
    let data = Msg::default().strings(&vec![""; 500_000]).0;
    assert!(data.len() <= 1 << 20);
    parse_bytes(&data).expect("a profile of empty strings is valid");
    let mut limits = Limits::default();
    limits.max_elements = 100_000;
    let err = parse(&data, &limits).expect_err("too many elements");
    assert!(
        err.to_string()
            .contains("number of profile elements exceeds limit"),
        "{err}"
    );
}

#[test]
fn a_million_location_refs() {
    let mut packed = Vec::new();
    for _ in 0..1_000_000 {
        varint(&mut packed, 1);
    }
    let data = valid(1)
        .msg(2, Msg::default().bytes(1, &packed).uint(2, 1))
        .0;
    let p = parse_bytes(&data).expect("deep sample");
    assert_eq!(p.sample[1].location.len(), 1_000_000);
    let mut limits = Limits::default();
    limits.max_elements = 500_000;
    assert!(matches!(parse(&data, &limits), Err(Error::Limit { .. })));
}

#[test]
fn huge_ids_allocate_nothing_by_id() {
    let big = 1u64 << 63;
    let data = Msg::default()
        .msg(1, Msg::default().uint(1, 1).uint(2, 2))
        .msg(2, Msg::default().uint(1, big).uint(2, 5))
        .msg(3, Msg::default().uint(1, big))
        .msg(
            4,
            Msg::default()
                .uint(1, big)
                .uint(2, big)
                .msg(4, Msg::default().uint(1, big)),
        )
        .msg(5, Msg::default().uint(1, big).uint(2, 3))
        .strings(STRINGS)
        .0;
    let p = parse_bytes(&data).expect("sparse ids are valid");
    assert_eq!(p.location[0].id.get(), big);
    let mut out = Vec::new();
    write_raw(&p, &mut out).expect("raw");
    assert!(String::from_utf8_lossy(&out)
        .contains("9223372036854775808: 0x0 M=9223372036854775808 main"));
}

// P7: deep nesting.

#[test]
fn nested_groups_are_an_error_without_recursion() {
    let mut data = Vec::new();
    for _ in 0..100_000 {
        varint(&mut data, 100 << 3 | 3); // start group
    }
    for _ in 0..100_000 {
        varint(&mut data, 100 << 3 | 4); // end group
    }
    let r = parse_bytes(&data);
    assert!(matches!(r, Err(Error::Parse(_))), "{r:?}");
}

#[test]
fn nested_unknown_messages_are_skipped_without_recursion() {
    const DEPTH: usize = 100_000;
    let tag = 100u64 << 3 | 2;
    // Lengths from the inside out, then the prefixes from the outside in.
    let mut lens = vec![0u64; DEPTH];
    for i in 1..DEPTH {
        let mut prefix = Vec::new();
        varint(&mut prefix, tag);
        varint(&mut prefix, lens[i - 1]);
        lens[i] = lens[i - 1] + prefix.len() as u64;
    }
    let mut data = Msg::default().strings(&[""]).0;
    for len in lens.iter().rev() {
        varint(&mut data, tag);
        varint(&mut data, *len);
    }
    let p = parse_bytes(&data).expect("unknown fields are skipped");
    assert!(p.sample.is_empty());
}

// Truncations and bit flips of a real profile: errors or profiles, never a panic.
#[test]
fn truncated_and_flipped_inputs_never_panic() {
    let gz = std::fs::read(ferroprof_testsupport::fixture("go119/heap.pb.gz")).expect("fixture");
    let p = parse_bytes(&gz).expect("fixture parses");
    let mut plain = Vec::new();
    proto::encode_uncompressed(&p, &mut plain).expect("encode");
    for cut in (0..plain.len()).step_by(13) {
        let _ = parse_bytes(&plain[..cut]);
    }
    let mut flipped = plain.clone();
    for i in (0..flipped.len()).step_by(17) {
        flipped[i] ^= 0x5a;
        if let Ok(q) = parse_bytes(&flipped) {
            let mut sink = Vec::new();
            write_raw(&q, &mut sink).expect("raw of a parsed profile");
            proto::encode(&q, &mut sink).expect("encode of a parsed profile");
        }
        flipped[i] ^= 0x5a;
    }
}
