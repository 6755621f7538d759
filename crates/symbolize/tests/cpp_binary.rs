//! The C++ test binary `testdata/bin/inline` (built by `testdata/bin/build.sh`): every address
//! of its code looked up here and by GNU `addr2line -aif` (pprof's binutils symbolizer) gives
//! the same inline chain; its split-debug twin gives the same answers through its debug file.

use std::path::{Path, PathBuf};
use std::process::Command;

use ferroprof_symbolize::{
    Avma, Demangle, FileOffset, Frame, MappingRange, ObjectSymbolizer, Svma,
};
use ferroprof_testsupport::have_tool;

fn bin(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/bin")
        .join(name)
}

/// The code of the program's own functions, `[0x1149, 0x12ed)`.
const TEXT: std::ops::Range<u64> = 0x1149..0x12ed;

/// The addresses inside a function symbol, as `nm -S` lists them: alignment padding between
/// functions is left out, since GNU addr2line names it inconsistently (the function before it,
/// or nothing) and no profile samples it.
fn function_addresses(path: &Path) -> Vec<u64> {
    let out = Command::new("nm")
        .arg("-S")
        .arg(path)
        .output()
        .expect("run nm");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut addrs = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let [start, size, kind, _name] = fields[..] {
            if matches!(kind, "t" | "T" | "W") {
                let start = u64::from_str_radix(start, 16).unwrap();
                let size = u64::from_str_radix(size, 16).unwrap();
                addrs.extend((start..start + size).filter(|a| TEXT.contains(a)));
            }
        }
    }
    addrs.sort_unstable();
    addrs
}

/// addr2line's frames for each address, read as pprof's addr2liner reads them.
fn addr2line_frames(path: &Path, addrs: &[u64]) -> Vec<Vec<(String, String, u32)>> {
    let out = Command::new("addr2line")
        .arg("-aif")
        .arg("-e")
        .arg(path)
        .args(addrs.iter().map(|a| format!("{a:x}")))
        .output()
        .expect("run addr2line");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut result: Vec<Vec<(String, String, u32)>> = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("0x") {
            result.push(Vec::new());
            continue;
        }
        let func = if line == "??" {
            String::new()
        } else {
            line.to_string()
        };
        let fileline = lines.next().unwrap();
        let fileline = fileline.split(" (discriminator").next().unwrap();
        let (file, line) = match fileline {
            "??:0" => (String::new(), 0),
            _ => {
                let (f, l) = fileline.rsplit_once(':').unwrap();
                match l.parse() {
                    Ok(l) => (f.to_string(), l),
                    Err(_) => (fileline.to_string(), 0),
                }
            }
        };
        if !(func.is_empty() && file.is_empty() && line == 0) {
            result.last_mut().unwrap().push((func, file, line));
        }
    }
    result
}

fn ours(object: &ObjectSymbolizer, addr: u64) -> Vec<(String, String, u32)> {
    let frames = object.lookup(Svma(addr), Demangle::None).unwrap();
    frames
        .into_iter()
        .map(|f| (f.system_name, f.file, f.line))
        .collect()
}

#[test]
fn every_address_matches_gnu_addr2line() {
    if !have_tool(
        "addr2line",
        "binutils",
        "every_address_matches_gnu_addr2line",
    ) {
        return;
    }
    let path = bin("inline");
    let object = ObjectSymbolizer::open(&path).unwrap();
    let addrs = function_addresses(&path);
    assert!(addrs.len() > 300, "{} addresses", addrs.len());
    let expected = addr2line_frames(&path, &addrs);
    assert_eq!(expected.len(), addrs.len());
    let mut inlined = 0;
    for (addr, want) in addrs.iter().zip(&expected) {
        let got = ours(&object, *addr);
        assert_eq!(&got, want, "at {addr:#x}");
        inlined += usize::from(got.len() > 1);
    }
    assert!(inlined > 10, "only {inlined} addresses with inline frames");
}

#[test]
fn inline_chain_is_innermost_first_and_demangled() {
    let object = ObjectSymbolizer::open(&bin("inline")).unwrap();
    assert_eq!(
        object.build_id(),
        Some("ee7bc3ca6f8a5d44cc5d1cd4a3ce0ee676731873")
    );
    let frames = object.lookup(Svma(0x1290), Demangle::Default).unwrap();
    let expect = |function: &str, system_name: &str, line| Frame {
        function: function.into(),
        system_name: system_name.into(),
        file: "/ferroprof/src/inline.cc".into(),
        line,
    };
    assert_eq!(
        frames,
        [
            expect("shapes::square", "_ZN6shapes6squareEl", 21),
            expect("shapes::Box::scaled", "_ZNK6shapes3BoxIdE6scaledEd", 26),
        ]
    );
    let full = object.lookup(Svma(0x1290), Demangle::Full).unwrap();
    assert_eq!(
        full[1].function,
        "shapes::Box<double>::scaled(double) const"
    );
    let templates = object.lookup(Svma(0x1290), Demangle::Templates).unwrap();
    assert_eq!(templates[1].function, "shapes::Box<double>::scaled");
}

#[test]
fn go_tool_style_is_the_physical_function_at_the_innermost_line() {
    let object = ObjectSymbolizer::open(&bin("inline")).unwrap();
    let frame = object
        .lookup_go_tool(Svma(0x1290), Demangle::Default)
        .unwrap()
        .unwrap();
    assert_eq!(frame.function, "shapes::Box::scaled");
    assert_eq!(
        (frame.file.as_str(), frame.line),
        ("/ferroprof/src/inline.cc", 21)
    );
    assert_eq!(
        object
            .lookup_go_tool(Svma(0x10), Demangle::Default)
            .unwrap(),
        None
    );
}

#[test]
fn split_debug_file_gives_the_same_answers() {
    let full = ObjectSymbolizer::open(&bin("inline")).unwrap();
    let stripped_path = bin("inline.nodebug");
    let bytes = std::fs::read(&stripped_path).unwrap();
    let stripped = ObjectSymbolizer::from_bytes("inline.nodebug", bytes).unwrap();
    let candidates = stripped.debug_file_candidates(&stripped_path);
    assert!(candidates.contains(&bin("inline.debug")), "{candidates:?}");
    assert!(full.debug_file_candidates(&bin("inline")).is_empty());

    // Without its debug file, the stripped binary still names functions from .symtab.
    let hidden = stripped.lookup(Svma(0x1150), Demangle::Default).unwrap();
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0].function, "(anonymous namespace)::hidden");
    assert_eq!((hidden[0].file.as_str(), hidden[0].line), ("", 0));

    let debug = std::fs::read(bin("inline.debug")).unwrap();
    let split = stripped.with_debug_file(debug).unwrap();
    // open() follows the .gnu_debuglink by itself.
    let linked = ObjectSymbolizer::open(&stripped_path).unwrap();
    for addr in TEXT {
        let want = full.lookup(Svma(addr), Demangle::Default).unwrap();
        assert_eq!(
            split.lookup(Svma(addr), Demangle::Default).unwrap(),
            want,
            "at {addr:#x}"
        );
        assert_eq!(
            linked.lookup(Svma(addr), Demangle::Default).unwrap(),
            want,
            "at {addr:#x}"
        );
    }
}

#[test]
fn symbols_list_functions_and_data_by_address() {
    let object = ObjectSymbolizer::open(&bin("inline")).unwrap();
    let symbols = object.symbols();
    assert!(symbols.windows(2).all(|w| w[0].start <= w[1].start));
    let find = |name: &str| symbols.iter().find(|s| s.name == name).unwrap();
    let scaled = find("_ZNK6shapes3BoxIdE6scaledEd");
    assert_eq!((scaled.start, scaled.size), (Svma(0x1278), 0x50));
    assert_eq!(find("main").start, Svma(0x1187));
    assert_eq!(
        (find("completed.0").start, find("completed.0").size),
        (Svma(0x4020), 1)
    );
    assert_eq!(find("__data_start").start, Svma(0x4010));
    assert!(symbols.iter().all(|s| s.start != Svma(0)));
}

#[test]
fn compressed_debug_sections_give_the_same_answers() {
    let plain = ObjectSymbolizer::open(&bin("inline")).unwrap();
    let compressed = ObjectSymbolizer::open(&bin("inline.zdebug")).unwrap();
    for addr in TEXT {
        assert_eq!(
            compressed.lookup(Svma(addr), Demangle::Default).unwrap(),
            plain.lookup(Svma(addr), Demangle::Default).unwrap(),
            "at {addr:#x}"
        );
    }
}

#[test]
fn pie_mapping_bias_follows_the_text_segment() {
    let object = ObjectSymbolizer::open(&bin("inline")).unwrap();
    // As the loader maps the text segment of this PIE: file offset 0x1000 at 0x5555_5555_5000.
    let range = MappingRange {
        start: Avma(0x5555_5555_5000),
        limit: Avma(0x5555_5555_6000),
        offset: FileOffset(0x1000),
    };
    let bias = object.bias(&range, Avma(0x5555_5555_5290)).unwrap();
    assert_eq!(bias.svma(Avma(0x5555_5555_5290)), Svma(0x1290));
}
