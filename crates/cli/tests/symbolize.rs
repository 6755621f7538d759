//! Symbolization in the pipeline: address-only profiles resolved from local binaries found
//! through `PPROF_BINARY_PATH` or given as the first argument, compared with `go tool pprof` on
//! the same inputs.

use std::path::Path;
use std::process::{Command, Output};

use ferroprof_profile::{Location, LocationId, Mapping, MappingId, Profile, Sample, ValueType};
use ferroprof_testsupport::{fixture, have_go};
use object::{Object, ObjectSegment, ObjectSymbol};

fn run(program: &str, args: &[&str], binary_path: &Path) -> Output {
    Command::new(program)
        .args(args)
        .env("TZ", "UTC")
        .env("PPROF_BINARY_PATH", binary_path)
        .env("PPROF_TMPDIR", binary_path)
        .output()
        .expect("runs")
}

fn ferroprof(args: &[&str], binary_path: &Path) -> Output {
    run(env!("CARGO_BIN_EXE_ferroprof"), args, binary_path)
}

fn go_pprof(args: &[&str], binary_path: &Path) -> Output {
    let mut all = vec!["tool", "pprof"];
    all.extend_from_slice(args);
    run("go", &all, binary_path)
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn sample_cpu_is_symbolized_from_the_binary_path_as_go_does() {
    let cpu = fixture("google-pprof/internal/report/testdata/sample.cpu");
    let dir = cpu.parent().unwrap();
    let cpu = cpu.to_str().unwrap();
    let ours = stdout(&ferroprof(&["-top", "-lines", cpu], dir));
    assert!(
        ours.contains("main.busyLoop /usr/local/google/home/sanjay/go/src/github.com/google/pprof/internal/report/testdata/sample/sample.go:36"),
        "{ours}"
    );
    let bin = dir.join("sample.bin");
    let elsewhere = tempfile::tempdir().unwrap();
    let with_binary = stdout(&ferroprof(
        &["-top", "-lines", bin.to_str().unwrap(), cpu],
        elsewhere.path(),
    ));
    assert_eq!(
        with_binary, ours,
        "the binary argument finds the same symbols"
    );
    let unsymbolized = ferroprof(&["-top", "-lines", cpu], elsewhere.path());
    let err = String::from_utf8_lossy(&unsymbolized.stderr);
    assert!(
        err.contains("Try setting PPROF_BINARY_PATH to the search path for local binaries."),
        "{err}"
    );
    if !have_go("sample_cpu_is_symbolized_from_the_binary_path_as_go_does") {
        return;
    }
    assert_eq!(ours, stdout(&go_pprof(&["-top", "-lines", cpu], dir)));
    assert_eq!(
        stdout(&ferroprof(&["-top", cpu], dir)),
        stdout(&go_pprof(&["-top", cpu], dir))
    );
}

const PROGRAM: &str = r#"
#[inline(never)]
fn leaf(n: u64) -> u64 {
    (0..n).fold(0, |a, b| a ^ b.wrapping_mul(31))
}

#[inline(never)]
fn middle(n: u64) -> u64 {
    leaf(n) + 1
}

fn main() {
    println!("{}", middle(std::env::args().count() as u64));
}
"#;

/// Builds the small program (debug info, not position independent) into `dir` as `prog`.
fn build_program(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("prog.rs");
    std::fs::write(&src, PROGRAM).unwrap();
    let bin = dir.join("prog");
    let out = Command::new("rustc")
        .args([
            "-g",
            "-C",
            "opt-level=0",
            "-C",
            "relocation-model=static",
            "-o",
        ])
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("rustc runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}

/// An address-only CPU profile of `bin`: its executable segment as the one mapping, and two
/// stacks through `leaf` and `middle` at addresses inside them.
fn address_profile(bin: &Path) -> Profile {
    let data = std::fs::read(bin).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let text = file
        .segments()
        .find(|s| matches!(s.flags(), object::SegmentFlags::Elf { p_flags } if p_flags & 1 != 0))
        .expect("an executable segment");
    let address_of = |part: &str| {
        file.symbols()
            .find(|s| {
                s.name()
                    .is_ok_and(|n| n.starts_with(&format!("_ZN{part}17h")))
            })
            .unwrap_or_else(|| panic!("no symbol {part}"))
            .address()
            + 4
    };
    let mut mapping = Mapping::new(MappingId::new(1).unwrap());
    mapping.memory_start = text.address();
    mapping.memory_limit = text.address() + text.size();
    mapping.file_offset = text.file_range().0;
    mapping.filename = bin.display().to_string();
    let mut profile = Profile {
        sample_type: vec![
            ValueType::new("samples", "count"),
            ValueType::new("cpu", "nanoseconds"),
        ],
        period_type: Some(ValueType::new("cpu", "nanoseconds")),
        period: 10_000_000,
        ..Profile::default()
    };
    profile.mapping.push(mapping);
    for (id, part) in [(1, "4prog4leaf"), (2, "4prog6middle"), (3, "4prog4main")] {
        let mut loc = Location::new(LocationId::new(id).unwrap());
        loc.mapping_id = Some(MappingId::new(1).unwrap());
        loc.address = address_of(part);
        profile.location.push(loc);
    }
    let stack = |ids: &[u64], value: i64| Sample {
        location: ids.iter().map(|&i| LocationId::new(i).unwrap()).collect(),
        value: vec![value, value * 10_000_000],
        ..Sample::default()
    };
    profile.sample = vec![stack(&[1, 2, 3], 7), stack(&[2, 3], 3)];
    profile
}

#[test]
fn a_rust_binarys_addresses_resolve_to_functions_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    let bin = build_program(dir.path());
    let profile_path = dir.path().join("prog.pb.gz");
    let mut encoded = Vec::new();
    ferroprof_profile::proto::encode(&address_profile(&bin), &mut encoded).unwrap();
    std::fs::write(&profile_path, encoded).unwrap();
    let profile_arg = profile_path.to_str().unwrap();
    let ours = stdout(&ferroprof(&["-top", "-lines", profile_arg], dir.path()));
    let src = dir.path().join("prog.rs").display().to_string();
    for name in ["prog::leaf", "prog::middle", "prog::main"] {
        assert!(
            ours.contains(&format!("  {name} {src}:")),
            "{name}:\n{ours}"
        );
    }
    if !have_go("a_rust_binarys_addresses_resolve_to_functions_and_lines") {
        return;
    }
    // Deliberate difference: go tool pprof names a non-Go function by its DWARF name (`leaf`);
    // ferroprof demangles the linkage name, which keeps the module path (`prog::leaf`), as
    // google/pprof's binutils symbolizer does. Lines and files agree.
    let mut go = stdout(&go_pprof(&["-top", "-lines", profile_arg], dir.path()));
    for name in ["leaf", "middle", "main"] {
        go = go.replace(&format!("  {name} /"), &format!("  prog::{name} /"));
    }
    assert_eq!(ours, go);
}

/// The columns `go tool pprof` and ferroprof share in a `-disasm` listing: the header lines,
/// then per instruction its address, flat and cum values and the location mark (printed on the
/// instruction's line or, for long instructions, on the line before). Instruction text differs
/// (Go's Plan 9 syntax, objdump's AT&T syntax).
fn disasm_columns(listing: &str) -> Vec<String> {
    let mut columns = Vec::new();
    let mut pending: Option<String> = None;
    for line in listing.lines() {
        if line.len() > 75 && line[..74].trim().is_empty() && line.as_bytes()[74] == b';' {
            pending = Some(line[75..].to_string());
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let is_instruction = fields.len() >= 3 && fields[2].ends_with(':');
        if !is_instruction {
            columns.push(line.to_string());
            continue;
        }
        let inline = line.rsplit_once(';').map(|(_, loc)| loc.to_string());
        let location = pending.take().or(inline).unwrap_or_default();
        columns.push(format!(
            "{} {} {} {location}",
            fields[0], fields[1], fields[2]
        ));
    }
    columns
}

#[test]
fn disasm_of_sample_cpu_matches_go_but_for_the_instruction_syntax() {
    let cpu = fixture("google-pprof/internal/report/testdata/sample.cpu");
    let dir = cpu.parent().unwrap();
    let cpu = cpu.to_str().unwrap();
    if !ferroprof_testsupport::have_tool("objdump", "binutils", "disasm_of_sample_cpu") {
        return;
    }
    let ours = stdout(&ferroprof(&["-disasm=main.busyLoop", cpu], dir));
    assert!(ours.starts_with("Total: 1.76s\nROUTINE ======================== main.busyLoop\n"));
    assert!(
        ours.contains("         .      1.37s     4b4421: call   409500 <runtime.mapiternext>     ;main.busyLoop sample.go:36\n"),
        "{ours}"
    );
    let missing = ferroprof(&["-disasm=nothing_matches", cpu], dir);
    assert_eq!(missing.status.code(), Some(1));
    if !have_go("disasm_of_sample_cpu_matches_go_but_for_the_instruction_syntax") {
        return;
    }
    let go = stdout(&go_pprof(&["-disasm=main.busyLoop", cpu], dir));
    assert_eq!(disasm_columns(&ours), disasm_columns(&go));
}
