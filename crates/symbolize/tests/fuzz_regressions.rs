//! Replays the inputs the `object_open` fuzz target failed on (RELIABILITY.md P1), committed
//! under `crates/profile/testdata/fuzz/object_open/`, through the target's own calls:
//! `fuzz/src/object.rs`, included here by path, is what `fuzz/fuzz_targets/object_open.rs` runs
//! (opening, build id, symbols, bias and lookups give answers or typed errors, never a panic).
//!
//! | input | found | what it was |
//! |---|---|---|
//! | `dwarf-lookup-at-u64-max` | 2026-11-27 | a lookup at address `u64::MAX` overflowed in addr2line's `probe + 1` (a panic in debug builds) |

mod support;

#[path = "../../../fuzz/src/object.rs"]
mod harness;

use std::path::Path;

use ferroprof_symbolize::{Demangle, ObjectSymbolizer, Svma};

/// P1: every committed `object_open` crasher replays without a panic.
#[test]
fn object_open_crashers_replay_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../profile/testdata/fuzz/object_open");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("the committed object_open inputs") {
        let path = entry.unwrap().path();
        // A failing call panics; this names the input.
        eprintln!("replaying {}", path.display());
        harness::object_open(&std::fs::read(&path).unwrap());
        replayed += 1;
    }
    assert!(replayed >= 1, "no input in {}", dir.display());
}

/// P1: the last address has no frames and is no error, in a binary with DWARF.
#[test]
fn lookup_at_the_last_address_is_empty() {
    let object = ObjectSymbolizer::open(&support::bin("inline")).expect("open the test binary");
    let frames = object.lookup(Svma(u64::MAX), Demangle::Default).unwrap();
    assert!(frames.is_empty(), "{frames:?}");
    assert!(object
        .lookup_go_tool(Svma(u64::MAX), Demangle::Default)
        .unwrap()
        .is_none_or(|f| f.function.is_empty() && f.system_name.is_empty()));
}
