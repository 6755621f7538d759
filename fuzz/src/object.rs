//! The check of the `object_open` fuzz target, taking libFuzzer's input as it is. The target in
//! `fuzz/fuzz_targets/object_open.rs` calls it, and `crates/symbolize/tests/fuzz_regressions.rs`
//! includes this file by path to replay the committed crashers through the very same calls.

use ferroprof_symbolize::{Avma, Demangle, FileOffset, MappingRange, ObjectSymbolizer, Svma};

/// RELIABILITY.md P1 (object files): hostile ELF bytes through ferroprof-symbolize: opening,
/// build id, symbol table, base computation and DWARF lookups give answers or typed errors,
/// never a panic. Addresses are taken from the symbols found and from the input's tail.
pub fn object_open(data: &[u8]) {
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
