//! Differential test against `go tool pprof -raw -symbolize=local[:force]` on google/pprof's
//! `sample.bin` (a Go 1.9 x86-64 executable) and its CPU profile.
//!
//! Go 1.9 wrote no DWARF inline records, so DWARF gives one frame per address here, the same
//! frame Go's pcln lookup gives (the physical function with the innermost file and line): the
//! whole dump must match Go's byte for byte. (On binaries with DWARF inline records this crate
//! returns the whole inline chain, where `go tool pprof` keeps one frame per address.)

use std::process::Command;

use ferroprof_profile::{
    parse, write_raw, Limits, Location, LocationId, Mapping, MappingId, Profile,
};
use ferroprof_symbolize::{symbolize_profile, CandidateBinaries, FrameStyle, SymbolizeOptions};
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

fn sample_profile() -> Profile {
    let bytes = std::fs::read(fixture(&format!("{DIR}/sample.cpu"))).unwrap();
    parse(&bytes, &Limits::default()).unwrap()
}

fn raw(p: &Profile) -> String {
    let mut out = Vec::new();
    write_raw(p, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn sample_bin() -> CandidateBinaries {
    CandidateBinaries::new([fixture(DIR).join("sample.bin")])
}

/// The dump up to its Mappings section: Go's driver also rewrites the mapping's file to the
/// local binary and drops mappings no sample uses, which is not symbolization's business.
fn before_mappings(raw: &str) -> &str {
    &raw[..raw.find("\nMappings\n").expect("a Mappings section")]
}

#[test]
fn local_symbolization_matches_go() {
    if !have_go("local_symbolization_matches_go") {
        return;
    }
    // The profile's locations carry Go 1.9's runtime symbols, but its mapping claims none, so
    // Go symbolizes it again (dropping the runtime's inline frames, which its pcln lookup lacks).
    let go = go_raw("local");
    assert!(go.contains("sample.bin  [FN][FL][LN][IN]\n"));
    for style in [FrameStyle::Binutils, FrameStyle::GoTool] {
        let mut profile = sample_profile();
        assert!(!profile.mapping[0].has_functions);
        assert!(
            profile.location.len() > 80,
            "{} locations",
            profile.location.len()
        );
        let options = SymbolizeOptions {
            style,
            ..SymbolizeOptions::default()
        };
        let report = symbolize_profile(&mut profile, &sample_bin(), options);
        assert_eq!(report.messages, Vec::<String>::new());
        assert_eq!(report.symbolized_locations, profile.location.len());
        let m = &profile.mapping[0];
        assert!(m.has_functions && m.has_filenames && m.has_line_numbers && m.has_inline_frames);
        let ours = raw(&profile);
        if before_mappings(&ours) != before_mappings(&go) {
            let first = ours.lines().zip(go.lines()).find(|(a, b)| a != b);
            panic!("{style:?} differs from go tool pprof; first differing line: {first:?}");
        }
    }
}

#[test]
fn symbolized_mappings_are_left_alone_unless_forced() {
    let mut profile = sample_profile();
    let recorded = profile.function.len();
    symbolize_profile(&mut profile, &sample_bin(), SymbolizeOptions::default());
    let once = profile.clone();
    let added = once.function.len() - recorded;
    assert!(added > 10, "{added} functions added");
    let report = symbolize_profile(&mut profile, &sample_bin(), SymbolizeOptions::default());
    assert_eq!(report.symbolized_locations, 0);
    assert_eq!(profile, once);
    let options = SymbolizeOptions {
        force: true,
        ..SymbolizeOptions::default()
    };
    let report = symbolize_profile(&mut profile, &sample_bin(), options);
    assert_eq!(report.symbolized_locations, profile.location.len());
    // Go appends the functions again (its function table is per pass), with new ids.
    assert_eq!(profile.function.len(), once.function.len() + added);
    let last = profile.function.last().unwrap();
    assert_eq!(last.id.get(), profile.function.len() as u64);
    assert_eq!(profile.location.len(), once.location.len());
}

#[test]
fn missing_binary_gives_gos_messages() {
    let mut p = Profile::default();
    let mut m = Mapping::new(MappingId::new(1).unwrap());
    (m.memory_start, m.memory_limit) = (0x400000, 0x4b5000);
    m.filename = "/elsewhere/sample.bin".into();
    m.build_id = "abcd".into();
    p.mapping.push(m);
    let mut loc = Location::new(LocationId::new(1).unwrap());
    (loc.address, loc.mapping_id) = (0x4b43df, MappingId::new(1));
    p.location.push(loc);
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
}
