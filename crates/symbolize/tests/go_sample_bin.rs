//! Differential test against `go tool pprof -raw -symbolize=local:force` on google/pprof's
//! `sample.bin` (a Go 1.9 x86-64 executable) and its CPU profile.
//!
//! Go 1.9 wrote no DWARF inline records, so DWARF gives one frame per address here, the same
//! frame Go's pcln lookup gives (the physical function with the innermost file and line); the
//! Locations section must then match Go's byte for byte.

use std::path::Path;
use std::process::Command;

use ferroprof_profile::{write_raw, Location, LocationId, Mapping, MappingId, Profile};
use ferroprof_symbolize::{symbolize_profile, CandidateBinaries, SymbolizeOptions};
use ferroprof_testsupport::{fixture, have_go};

const DIR: &str = "google-pprof/internal/report/testdata";

fn go_raw(symbolize: &str) -> String {
    let dir = fixture(DIR);
    let out = Command::new("go")
        .args(["tool", "pprof", "-raw", &format!("-symbolize={symbolize}")])
        .arg(dir.join("sample.cpu"))
        .env("PPROF_BINARY_PATH", &dir)
        .output()
        .expect("run go tool pprof");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The named section of a `-raw` dump: its header line and the indented lines after it.
fn section(raw: &str, name: &str) -> String {
    let mut lines = raw.lines().skip_while(|l| *l != name);
    let header = lines.next().unwrap_or_else(|| panic!("no {name} section"));
    let body = lines.take_while(|l| {
        l.starts_with(' ') || l.starts_with(|c: char| c.is_ascii_digit()) && name == "Mappings"
    });
    std::iter::once(header)
        .chain(body)
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The profile's mapping and location addresses, read from Go's unsymbolized dump (the first
/// line of each location carries its address).
fn unsymbolized_profile(raw: &str) -> Profile {
    let mut p = Profile::default();
    for line in section(raw, "Locations").lines().skip(1) {
        let mut fields = line.split_whitespace();
        let (Some(id), Some(addr)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Some(id) = id.strip_suffix(':').and_then(|i| i.parse().ok()) else {
            continue;
        };
        let mut loc = Location::new(LocationId::new(id).unwrap());
        loc.address = u64::from_str_radix(addr.trim_start_matches("0x"), 16).unwrap();
        loc.mapping_id = MappingId::new(1);
        p.location.push(loc);
    }
    let mappings = section(raw, "Mappings");
    let mapping = mappings.lines().nth(1).expect("one mapping");
    let (range, file) = mapping.trim_start_matches("1: ").split_once(' ').unwrap();
    let nums: Vec<u64> = range
        .split('/')
        .map(|n| u64::from_str_radix(n.trim_start_matches("0x"), 16).unwrap())
        .collect();
    let mut m = Mapping::new(MappingId::new(1).unwrap());
    (m.memory_start, m.memory_limit, m.file_offset) = (nums[0], nums[1], nums[2]);
    m.filename = file.trim().to_string();
    p.mapping.push(m);
    p
}

#[test]
fn locations_match_go_local_symbolization() {
    if !have_go("locations_match_go_local_symbolization") {
        return;
    }
    let mut profile = unsymbolized_profile(&go_raw("none"));
    assert!(
        profile.location.len() > 80,
        "{} locations",
        profile.location.len()
    );
    let binaries = CandidateBinaries::new([fixture(DIR).join("sample.bin")]);
    let report = symbolize_profile(&mut profile, &binaries, SymbolizeOptions::default());
    assert_eq!(report.messages, Vec::<String>::new());
    assert_eq!(report.symbolized_locations, profile.location.len());
    let m = &profile.mapping[0];
    assert!(m.has_functions && m.has_filenames && m.has_line_numbers && m.has_inline_frames);

    let mut ours = Vec::new();
    write_raw(&profile, &mut ours).unwrap();
    let ours = String::from_utf8(ours).unwrap();
    let go = go_raw("local:force");
    assert_eq!(section(&ours, "Locations"), section(&go, "Locations"));
}

#[test]
fn missing_binary_gives_gos_messages() {
    let raw_profile = || {
        let mut p = Profile::default();
        let mut m = Mapping::new(MappingId::new(1).unwrap());
        (m.memory_start, m.memory_limit) = (0x400000, 0x4b5000);
        m.filename = "/elsewhere/sample.bin".into();
        m.build_id = "abcd".into();
        p.mapping.push(m);
        let mut loc = Location::new(LocationId::new(1).unwrap());
        (loc.address, loc.mapping_id) = (0x4b43df, MappingId::new(1));
        p.location.push(loc);
        p
    };
    let mut p = raw_profile();
    let none = CandidateBinaries::new(Vec::new());
    let report = symbolize_profile(&mut p, &none, SymbolizeOptions::default());
    assert_eq!(
        report.messages,
        [
            "Local symbolization failed for sample.bin (build ID abcd): no local binary for \
             /elsewhere/sample.bin (build ID abcd)",
            "Some binary filenames not available. Symbolization may be incomplete.\nTry setting \
             PPROF_BINARY_PATH to the search path for local binaries.",
        ]
    );
    assert!(p.location[0].line.is_empty() && p.function.is_empty());
    assert!(Path::new(&fixture(DIR)).exists());
}
