//! The legacy parsers against google/pprof's expected parses (`*.string`, `Profile.String()`)
//! and on malformed input.

use ferroprof_profile::legacy::parse_legacy;
use ferroprof_profile::{write_raw, Error, Profile};
use ferroprof_testsupport::fixture;

mod legacy_fixtures;
use legacy_fixtures::GOOGLE_LEGACY as WITH_DUMPS;

fn parse_file(rel: &str) -> Profile {
    let data = std::fs::read(fixture(rel)).expect("read fixture");
    parse_legacy(&data).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn raw(p: &Profile) -> String {
    let mut out = Vec::new();
    write_raw(p, &mut out).expect("write to memory");
    String::from_utf8(out).expect("utf-8 dump")
}

/// The `.string` files come from google/pprof HEAD, which prints `file:line:column`; Go 1.19
/// (whose output we match) prints `file:line`. Only the Java dumps have source lines.
fn without_columns(dump: &str) -> String {
    dump.lines()
        .map(|line| match line.rfind(":0 s=") {
            Some(i) => format!("{}{}", &line[..i], &line[i + 2..]),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn first_difference(expected: &str, actual: &str) -> String {
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(e, a)| e != a);
    let line = line.unwrap_or(expected.lines().count().min(actual.lines().count()));
    let show = |s: &str| s.lines().skip(line).take(4).collect::<Vec<_>>().join("\n");
    format!(
        "line {}:\n--- expected\n{}\n+++ actual\n{}",
        line + 1,
        show(expected),
        show(actual)
    )
}

#[test]
fn parses_match_google_pprof_dumps() {
    let mut failures = Vec::new();
    for name in WITH_DUMPS {
        let rel = format!("google-pprof/profile/testdata/{name}");
        let expected = std::fs::read_to_string(fixture(&format!("{rel}.string"))).expect("dump");
        let actual = raw(&parse_file(&rel));
        if without_columns(&expected) != actual {
            failures.push(format!("{name}: {}", first_difference(&expected, &actual)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        WITH_DUMPS.len(),
        failures.join("\n\n")
    );
}

#[test]
fn heap_profiles_get_allocator_frames_dropped() {
    let p = parse_file("google-pprof/profile/testdata/gobench.heap");
    assert!(p.drop_frames.split('|').any(|f| f == r"runtime\..*"));
    assert_eq!(
        p.keep_frames,
        r"runtime\.panic|runtime\.reflectcall|runtime\.call[0-9]*"
    );
    let c = parse_file("google-pprof/profile/testdata/cppbench.contention");
    assert!(c.drop_frames.starts_with("RecordLockProfileData|"));
    assert_eq!(c.keep_frames, "");
    let cpu = parse_file("google-pprof/profile/testdata/cppbench.cpu");
    assert_eq!(cpu.drop_frames, "ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|__pthread_sighandler|__restore");
}

#[test]
fn go_heap_debug1_is_unsampled_at_half_the_header_rate() {
    let p = parse_file("go119/heap.debug1.txt");
    assert_eq!(p.period, 524288);
    let types: Vec<_> = p.sample_type.iter().map(|t| t.r#type.as_str()).collect();
    assert_eq!(
        types,
        [
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space"
        ]
    );
    // The first record is `55: 3604480 [55: 3604480]`: 64 KiB blocks, scaled by 1/(1-e^-0.125).
    let first = &p.sample[0];
    assert_eq!(first.num_label["bytes"], [65536]);
    assert_eq!(first.value, [468, 30675616, 468, 30675616]);
}

#[test]
fn go_mutex_debug1_converts_cycles_to_nanoseconds() {
    let p = parse_file("go119/mutex.debug1.txt");
    assert_eq!(p.period, 1);
    // `30741373156 1224 @ …` at 2596116252 cycles/second.
    assert_eq!(
        p.sample[0].value,
        [1224, (30741373156.0 / 2.596116252) as i64]
    );
}

#[test]
fn go_count_profiles_name_their_type() {
    let p = parse_file("go119/goroutine.debug1.txt");
    assert_eq!(p.sample_type[0].r#type, "goroutine");
    assert_eq!(
        p.period_type.as_ref().map(|t| t.unit.as_str()),
        Some("count")
    );
    // No memory map: one fake mapping covers every address.
    assert_eq!(p.mapping.len(), 1);
    assert_eq!(
        (p.mapping[0].memory_start, p.mapping[0].memory_limit),
        (0, u64::MAX)
    );
    assert!(p
        .location
        .iter()
        .all(|l| l.mapping_id == Some(p.mapping[0].id)));
}

fn parse_err(data: &[u8]) -> String {
    match parse_legacy(data) {
        Ok(p) => panic!("{:?} parsed:\n{}", String::from_utf8_lossy(data), raw(&p)),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unrecognized_input_is_an_error() {
    for data in [
        &b""[..],
        b"garbage\n",
        b"\x1f\x8b",
        b"heap profile: 1: 2",
        b"--- threadz x ---",
    ] {
        assert_eq!(
            parse_err(data),
            "parsing profile: unrecognized profile format"
        );
    }
}

#[test]
fn malformed_text_profiles_are_errors() {
    let cases: &[(&[u8], &str)] = &[
        (
            b"heap profile: 1: 2 [1: 2] @ heap_v2/2\nnot a sample\n",
            "unexpected number",
        ),
        (
            b"heap profile: 1: 2 [1: 2] @ heap_v2/2\n0: 5 [0: 0] @ 0x1\n",
            "inuse count was 0",
        ),
        (
            b"heap profile: 1: 2 [1: 2] @ heap_v2/2\n1: 99999999999999999999 [0: 0] @ 0x1\n",
            "malformed sample",
        ),
        (
            b"heap profile: 1: 2 [1: 2] @ heap/2\n1: 1 [1: 1] @ 0x10000000000000000\n",
            "hex",
        ),
        (
            b"goroutine profile: total 1\n1 @ 0x1 zz\n",
            "malformed profile format",
        ),
        (
            b"goroutine profile: total 1\n09 @ 0x1\n",
            "malformed profile format",
        ),
        (
            b"--- heapz 1 ---\nformat = java\nresolution = bytes\n10 0 @ 0x1\n",
            "non-zero",
        ),
        (
            b"--- heapz 1 ---\nformat = java\n10 1 @ 0x1\n",
            "missing sample type information",
        ),
    ];
    for (data, want) in cases {
        let err = parse_err(data);
        assert!(
            err.contains(want),
            "{:?}: {err}",
            String::from_utf8_lossy(data)
        );
    }
}

#[test]
fn long_lines_are_rejected_like_bufio_scanner() {
    let mut data = b"goroutine profile: total 1\n1 @".to_vec();
    data.extend(std::iter::repeat_n(&b" 0x1"[..], 20_000).flatten());
    assert!(parse_err(&data).contains("token too long"));
}

#[test]
fn huge_values_do_not_overflow() {
    let p = parse_legacy(
        b"heap profile: 1: 2 [1: 2] @ heap_v2/524288\n\
          -1: -9223372036854775808 [0: 0] @ 0x1\n\
          9223372036854775807: 1 [0: 0] @ 0x0\n",
    )
    .expect("parses as Go does");
    assert_eq!(p.sample[0].num_label["bytes"], [i64::MIN]);
    // Addresses wrap when moved back onto the call, as Go's unsigned arithmetic does.
    assert_eq!(p.location[1].address, u64::MAX);
    let c = parse_legacy(
        b"--- contention:\ncycles/second=1\nsampling period=9223372036854775807\n\
          9223372036854775807 9223372036854775807 @ 0x5\n",
    )
    .expect("parses as Go does");
    assert_eq!(c.sample[0].value, [1, i64::MIN]);
}

/// Words of a binary CPU profile in one encoding.
fn cpu_words(words: &[u64], bytes: usize, big_endian: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for &w in words {
        let b = w.to_le_bytes();
        let mut b = b[..bytes].to_vec();
        if big_endian {
            b.reverse();
        }
        out.extend(b);
    }
    out
}

#[test]
fn binary_cpu_profiles_in_every_encoding() {
    // Header (period 10 ms), two samples, trailer, then a memory map.
    let words = [
        0, 3, 0, 10_000, 0, 2, 2, 0x401000, 0x402005, 1, 1, 0x403000, 0, 1, 0,
    ];
    for (bytes, big_endian) in [(4, false), (4, true), (8, false), (8, true)] {
        let mut data = cpu_words(&words, bytes, big_endian);
        data.extend_from_slice(b"00400000-00500000 r-xp 00000000 00:00 0 /bin/prog\n");
        let p = parse_legacy(&data).unwrap_or_else(|e| panic!("{bytes} {big_endian}: {e}"));
        assert_eq!(p.period, 10_000_000);
        assert_eq!(p.sample[0].value, [2, 20_000_000]);
        let addrs: Vec<u64> = p.location.iter().map(|l| l.address).collect();
        // The leaf is exact; callers are moved back onto their call.
        assert_eq!(addrs, [0x401000, 0x402004, 0x403000]);
        assert_eq!(p.mapping[0].filename, "/bin/prog");
    }
}

#[test]
fn malformed_binary_cpu_profiles_are_errors() {
    let header = [0u64, 3, 0, 10_000, 0];
    // A stack longer than the data left.
    let mut data = cpu_words(&header, 8, false);
    data.extend(cpu_words(&[1, 1_000_000], 8, false));
    assert!(parse_legacy(&data).is_err());
    // Period 0, a bad word size (a 3-byte header) and a truncated header.
    assert!(parse_legacy(&cpu_words(&[0, 3, 0, 0, 0], 8, false)).is_err());
    assert!(parse_legacy(&cpu_words(&header, 8, false)[..3 * 5]).is_err());
    assert!(parse_legacy(&cpu_words(&header, 8, false)[..39]).is_err());
    // A count without its stack depth.
    let mut data = cpu_words(&header, 4, false);
    data.extend_from_slice(&[1, 0, 0, 0, 2]);
    assert!(matches!(parse_legacy(&data), Err(Error::Parse(_))));
}

#[test]
fn every_prefix_of_every_fixture_parses_or_fails_cleanly() {
    let mut files: Vec<String> = WITH_DUMPS
        .iter()
        .map(|n| format!("google-pprof/profile/testdata/{n}"))
        .collect();
    for n in ["heap", "mutex", "block", "goroutine", "threadcreate"] {
        files.push(format!("go119/{n}.debug1.txt"));
    }
    for rel in files {
        let data = std::fs::read(fixture(&rel)).expect("read fixture");
        let step = (data.len() / 97).max(1);
        for end in (0..data.len()).step_by(step) {
            let _ = parse_legacy(&data[..end]);
        }
    }
}

#[test]
fn memory_map_attribute_expansion_is_bounded() {
    let mut data = b"goroutine profile: total 1\n1 @ 0x1\n---\nMAPPED_LIBRARIES:\n".to_vec();
    data.extend(b"x = ");
    data.extend(std::iter::repeat_n(b'v', 60_000));
    data.extend(b"\n");
    data.extend(std::iter::repeat_n(&b"$x"[..], 30_000).flatten());
    data.extend(b"\n");
    assert!(matches!(parse_legacy(&data), Err(Error::Limit { .. })));
}
