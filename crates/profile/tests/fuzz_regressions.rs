//! Replays every input the fuzz targets ever failed on (RELIABILITY.md P1), committed under
//! `testdata/fuzz/<target>/` as libFuzzer fed it (minimized by `scripts/fuzz`'s recipe), through
//! the target's own checks: `fuzz/src/profile.rs`, included here by path, is what
//! `fuzz/fuzz_targets/<target>.rs` runs. No panic, and whatever parses validates, merges with
//! itself, encodes and decodes back to what the wire can carry.
//!
//! | input | found by | what it was |
//! |---|---|---|
//! | `profile_roundtrip/legacy-heap-zero-bytes-label-*` | `profile_roundtrip`, 2026-11-27 | a legacy heap sample of count 0 gets the numeric label `bytes: [0]`, which the wire cannot carry: Go's `postDecode` drops a label with a zero value and no unit, so this is Go's behaviour, and the harness now compares what the wire carries |

use std::path::{Path, PathBuf};

use ferroprof_profile::{parse, proto, Limits, Profile};

#[path = "../../../fuzz/src/profile.rs"]
mod harness;

use harness::{limits, wire_visible};

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

fn encode(p: &Profile) -> Vec<u8> {
    let mut bytes = Vec::new();
    proto::encode(p, &mut bytes).expect("encode");
    bytes
}

/// P1: every committed crasher of the profile targets replays without failing.
#[test]
fn fuzz_crashers_replay_clean() {
    let mut replayed = 0;
    for target in TARGETS {
        for path in inputs(target) {
            let data = std::fs::read(&path).unwrap();
            // A failing check panics with the target's message; this names the input.
            eprintln!("replaying {}", path.display());
            match target {
                "profile_decode" => harness::profile_decode(&data),
                "profile_roundtrip" => {
                    harness::profile_decode(&data);
                    harness::profile_roundtrip(&data);
                }
                "legacy_text" => harness::legacy_text(&data),
                "merge" => harness::merge(&data),
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
