//! `symbolize_profile` follows Go's `doLocalSymbolize`: which mappings it opens, the messages,
//! the mapping flags, function dedup and id order, and inline lines innermost first.

mod support;

use ferroprof_profile::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile,
};
use ferroprof_symbolize::{symbolize_profile, Demangle, ObjectSymbolizer, SymbolizeOptions};
use support::{bin, FakeBinaries};

/// The test binary's text segment as a PIE loader maps it.
const TEXT_START: u64 = 0x5555_5555_5000;

fn mapping(id: u64, file: &str) -> Mapping {
    let mut m = Mapping::new(MappingId::new(id).unwrap());
    m.memory_start = TEXT_START;
    m.memory_limit = TEXT_START + 0x1000;
    m.file_offset = 0x1000;
    m.filename = file.to_string();
    m
}

fn location(id: u64, mapping: u64, svma: u64) -> Location {
    let mut l = Location::new(LocationId::new(id).unwrap());
    l.mapping_id = MappingId::new(mapping);
    l.address = TEXT_START - 0x1000 + svma;
    l
}

fn fake() -> FakeBinaries {
    FakeBinaries::default().with(
        "/app/inline",
        ObjectSymbolizer::open(&bin("inline")).unwrap(),
    )
}

fn names(p: &Profile, l: &Location) -> Vec<(String, i64)> {
    l.line
        .iter()
        .map(|line| {
            let f = p
                .function
                .iter()
                .find(|f| Some(f.id) == line.function_id)
                .unwrap();
            (f.name.clone(), line.line)
        })
        .collect()
}

#[test]
fn fills_lines_and_appends_functions_in_gos_order() {
    let mut p = Profile::default();
    p.function.push(Function::new(FunctionId::new(1).unwrap()));
    p.mapping.push(mapping(1, "/app/inline"));
    p.location.push(location(1, 1, 0x1290)); // square inlined into Box<double>::scaled
    p.location.push(location(2, 1, 0x1150)); // hidden
    p.location.push(location(3, 1, 0x12a0)); // the same inline chain again
    p.location[1].is_folded = true;
    p.location[1].line.push(Line {
        function_id: None,
        line: 9,
        column: 0,
    });

    let report = symbolize_profile(&mut p, &fake(), SymbolizeOptions::default());
    assert_eq!(report.symbolized_locations, 3);
    assert!(report.messages.is_empty(), "{:?}", report.messages);
    let ids: Vec<u64> = p.function.iter().map(|f| f.id.get()).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    assert_eq!(p.function[1].name, "shapes::square");
    assert_eq!(p.function[1].system_name, "_ZN6shapes6squareEl");
    assert_eq!(p.function[1].filename, "/ferroprof/src/inline.cc");
    assert_eq!(p.function[2].name, "shapes::Box::scaled");
    assert_eq!(p.function[3].name, "(anonymous namespace)::hidden");
    assert_eq!(
        names(&p, &p.location[0]),
        [
            ("shapes::square".to_string(), 21),
            ("shapes::Box::scaled".to_string(), 26)
        ]
    );
    assert_eq!(
        p.location[2]
            .line
            .iter()
            .map(|l| l.function_id)
            .collect::<Vec<_>>(),
        [FunctionId::new(2), FunctionId::new(3)]
    );
    assert_eq!(
        names(&p, &p.location[1]),
        [("(anonymous namespace)::hidden".to_string(), 39)]
    );
    assert!(!p.location[1].is_folded);
    let m = &p.mapping[0];
    assert!(m.has_functions && m.has_filenames && m.has_line_numbers && m.has_inline_frames);
}

#[test]
fn skips_mappings_as_go_does() {
    let mut p = Profile::default();
    let files = [
        "/app/inline",          // 1: already symbolized
        "[vdso]",               // 2
        "/lib/linux-vdso.so.1", // 3
        "/dev/dri/card0",       // 4
        "https://host/app",     // 5: a source URL
        "/app/unused",          // 6: no location
        "",                     // 7: no name, not the main binary
        "/app/other",           // 8: not found
    ];
    for (i, file) in files.iter().enumerate() {
        p.mapping.push(mapping(i as u64 + 1, file));
        if i != 5 {
            p.location
                .push(location(i as u64 + 1, i as u64 + 1, 0x1150));
        }
    }
    p.mapping[0].has_functions = true;
    let binaries = fake();
    let report = symbolize_profile(&mut p, &binaries, SymbolizeOptions::default());
    assert_eq!(*binaries.asked.borrow(), ["/app/other"]);
    assert_eq!(report.symbolized_locations, 0);
    assert_eq!(
        report.messages,
        [
            "Local symbolization failed for other: no local binary for /app/other",
            "Some binary filenames not available. Symbolization may be incomplete.\nTry \
             setting PPROF_BINARY_PATH to the search path for local binaries.",
        ]
    );

    // force: the symbolized mapping is done again.
    let binaries = fake();
    let options = SymbolizeOptions {
        force: true,
        demangle: Demangle::Templates,
        ..SymbolizeOptions::default()
    };
    let report = symbolize_profile(&mut p, &binaries, options);
    assert_eq!(*binaries.asked.borrow(), ["/app/inline", "/app/other"]);
    assert_eq!(report.symbolized_locations, 1);
    assert_eq!(
        names(&p, &p.location[0]),
        [("(anonymous namespace)::hidden".to_string(), 39)]
    );
}

#[test]
fn main_binary_without_a_name_and_build_id_mismatch() {
    let mut p = Profile::default();
    p.mapping.push(mapping(1, ""));
    p.mapping.push(mapping(2, "/app/inline"));
    p.mapping[1].build_id = "0123".into();
    p.location.push(location(1, 1, 0x1150));
    p.location.push(location(2, 2, 0x1150));
    let report = symbolize_profile(&mut p, &fake(), SymbolizeOptions::default());
    assert_eq!(
        report.messages,
        [
            "Main binary filename not available.",
            "Local symbolization failed for inline (build ID 0123): build ID mismatch",
        ]
    );
    assert!(p.location.iter().all(|l| l.line.is_empty()));
}

#[test]
fn addresses_outside_any_code_stay_unsymbolized() {
    let mut p = Profile::default();
    p.mapping.push(mapping(1, "/app/inline"));
    p.location.push(location(1, 1, 0x1150));
    p.location.push(location(2, 1, 0x1ff0)); // past the end of .text, no symbol
    let mut dangling = location(3, 9, 0x1150);
    dangling.mapping_id = MappingId::new(9);
    p.location.push(dangling);
    let report = symbolize_profile(&mut p, &fake(), SymbolizeOptions::default());
    assert_eq!(report.symbolized_locations, 1);
    assert!(p.location[1].line.is_empty() && p.location[2].line.is_empty());
}
