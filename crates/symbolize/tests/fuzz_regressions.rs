//! Replays the inputs the `object_open` fuzz target failed on (RELIABILITY.md P1), committed
//! under `crates/profile/testdata/fuzz/object_open/`, through the target's calls
//! (`fuzz/fuzz_targets/object_open.rs`): opening, build id, symbols, bias and lookups give
//! answers or typed errors, never a panic.
//!
//! | input | found | what it was |
//! |---|---|---|
//! | `dwarf-lookup-at-u64-max` | 2026-11-27 | a lookup at address `u64::MAX` overflowed in addr2line's `probe + 1` (a panic in debug builds) |

mod support;

use std::path::Path;

use ferroprof_symbolize::{Avma, Demangle, FileOffset, MappingRange, ObjectSymbolizer, Svma};

/// What `fuzz_targets/object_open.rs` does with one input.
fn replay(data: &[u8]) {
    let tail = data.len().saturating_sub(8);
    let probe = data
        .get(tail..)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0x1000, u64::from_le_bytes);
    let Ok(object) = ObjectSymbolizer::from_bytes("fuzz", data.to_vec()) else {
        return;
    };
    let _ = object.build_id();
    let symbols = object.symbols();
    let range = MappingRange {
        start: Avma(0x40_0000),
        limit: Avma(0x80_0000),
        offset: FileOffset(probe & 0xfff_ffff),
    };
    let _ = object.bias(&range, Avma(0x40_1000));
    let mut addresses = vec![probe, 0, u64::MAX];
    addresses.extend(symbols.iter().take(16).map(|s| s.start.0));
    for addr in addresses {
        let _ = object.lookup(Svma(addr), Demangle::Default);
        let _ = object.lookup_go_tool(Svma(addr), Demangle::Full);
    }
}

/// P1: every committed `object_open` crasher replays without a panic.
#[test]
fn object_open_crashers_replay_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../profile/testdata/fuzz/object_open");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("the committed object_open inputs") {
        let path = entry.unwrap().path();
        replay(&std::fs::read(&path).unwrap());
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
