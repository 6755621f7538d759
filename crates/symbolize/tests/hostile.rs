//! Hostile objects: truncated, garbage and corrupted ELF files give typed errors or empty
//! answers, never a panic.

mod support;

use ferroprof_symbolize::{
    Avma, Demangle, Error, FileOffset, MappingRange, ObjectSymbolizer, Svma,
};
use support::bin;

#[test]
fn empty_and_garbage_bytes_are_parse_errors() {
    for (name, bytes) in [
        ("empty", Vec::new()),
        ("text", b"#!/bin/sh\necho not an object\n".to_vec()),
        ("zeros", vec![0u8; 4096]),
        ("elf magic only", b"\x7fELF".to_vec()),
    ] {
        let err = ObjectSymbolizer::from_bytes(name, bytes).unwrap_err();
        assert!(
            matches!(&err, Error::Parse { name: n, .. } if n == name),
            "{name}: {err}"
        );
        assert!(
            err.to_string().starts_with(&format!("parsing {name}: ")),
            "{err}"
        );
    }
}

#[test]
fn missing_files_name_the_path() {
    let err = ObjectSymbolizer::open(&bin("no-such-binary")).unwrap_err();
    assert!(matches!(err, Error::Read { .. }), "{err}");
    assert!(err.to_string().contains("no-such-binary"), "{err}");
}

/// Every truncation of the test binary cuts off its section headers (at the end of the file),
/// which is a parse error.
#[test]
fn truncated_binaries_are_parse_errors() {
    let full = std::fs::read(bin("inline")).unwrap();
    for len in (0..full.len()).step_by(97).chain([full.len() - 1]) {
        match ObjectSymbolizer::from_bytes("truncated", full[..len].to_vec()) {
            Err(Error::Parse { .. }) => {}
            Err(other) => panic!("at {len}: {other}"),
            Ok(object) => exercise(&object),
        }
    }
}

/// Seeded byte corruption of the test binary (headers, DWARF, symbol tables alike).
#[test]
fn corrupted_binaries_never_panic() {
    let full = std::fs::read(bin("inline")).unwrap();
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    for _ in 0..300 {
        let mut bytes = full.clone();
        for _ in 0..1 + next() % 64 {
            let at = (next() % bytes.len() as u64) as usize;
            bytes[at] = next() as u8;
        }
        if let Ok(object) = ObjectSymbolizer::from_bytes("corrupted", bytes) {
            exercise(&object);
        }
    }
}

/// Seeded corruption aimed at the DWARF sections only, where a lookup's parsing happens.
#[test]
fn corrupted_dwarf_never_panics() {
    use object::{Object, ObjectSection};
    let full = std::fs::read(bin("inline")).unwrap();
    let file = object::File::parse(&*full).unwrap();
    let ranges: Vec<(u64, u64)> = file
        .sections()
        .filter(|s| s.name().is_ok_and(|n| n.starts_with(".debug_")))
        .filter_map(|s| s.file_range())
        .collect();
    assert!(ranges.len() >= 4, "{ranges:?}");
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..500 {
        let mut bytes = full.clone();
        for _ in 0..1 + next() % 8 {
            let (start, len) = ranges[(next() % ranges.len() as u64) as usize];
            let at = (start + next() % len) as usize;
            bytes[at] = next() as u8;
        }
        let object = ObjectSymbolizer::from_bytes("corrupted dwarf", bytes).unwrap();
        exercise(&object);
        let _ = object.lookup_go_tool(Svma(0x1290), Demangle::Full);
    }
}

fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

fn exercise(object: &ObjectSymbolizer) {
    let range = MappingRange {
        start: Avma(0x5555_5555_5000),
        limit: Avma(0x5555_5555_6000),
        offset: FileOffset(0x1000),
    };
    let _ = object.bias(&range, Avma(0x5555_5555_5290));
    let _ = object.debug_file_candidates(&bin("inline"));
    for addr in (0x1000..0x1400).step_by(0x1d) {
        let _ = object.lookup(Svma(addr), Demangle::Default);
    }
}
