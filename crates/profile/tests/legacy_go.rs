//! The legacy parsers against the oracle itself: Go 1.19's vendored pprof parser
//! (`$GOROOT/src/cmd/vendor/github.com/google/pprof/profile`), built at test time into a small
//! program that prints `Profile.String()` of `parseLegacy` for each input. Every fixture and a
//! few thousand mutations of them (truncated, lines dropped, doubled, commented, digits changed)
//! and hand-written edge cases must give the same dump, or the same error message.

use std::path::{Path, PathBuf};
use std::process::Command;

use ferroprof_profile::legacy::parse_legacy;
use ferroprof_profile::ops::{
    add_fake_mapping, combine_profiles, num_label_units, remove_uninteresting, unsource_mappings,
    FilterOptions, Filters,
};
use ferroprof_profile::{parse, write_raw, Limits};
use ferroprof_testsupport::{fixture, have_go};

mod legacy_fixtures;

/// The oracle's `main`: for each file argument, writes `FILE.go` holding `OK\n` and the dump,
/// or `ERR message`.
const ORACLE_MAIN: &str = r#"package main

import (
	"os"

	"oracle/profile"
)

func main() {
	for _, path := range os.Args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		out := ""
		if p, err := profile.ParseLegacyForTest(data); err != nil {
			out = "ERR " + err.Error()
		} else {
			out = "OK\n" + p.String()
		}
		if err := os.WriteFile(path+".go", []byte(out), 0o644); err != nil {
			panic(err)
		}
	}
}
"#;

/// Exposes the vendored package's unexported `parseLegacy` to the oracle's `main`.
const ORACLE_EXPORT: &str = r#"package profile

func ParseLegacyForTest(b []byte) (*Profile, error) { return parseLegacy(b) }
"#;

fn go(args: &[&str], dir: &Path) -> std::process::Output {
    let cache = std::env::temp_dir().join("ferroprof-legacy-go-cache");
    Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOCACHE", &cache)
        .env("GOFLAGS", "-mod=mod")
        .env("GO111MODULE", "on")
        .output()
        .expect("run go")
}

/// Builds the oracle in `dir` and returns its path.
fn build_oracle(dir: &Path) -> PathBuf {
    let goroot = go(&["env", "GOROOT"], dir);
    let goroot = String::from_utf8(goroot.stdout).expect("GOROOT is utf-8");
    let vendored = Path::new(goroot.trim()).join("src/cmd/vendor/github.com/google/pprof/profile");
    let package = dir.join("profile");
    std::fs::create_dir_all(&package).expect("mkdir");
    for entry in std::fs::read_dir(&vendored).expect("vendored pprof") {
        let path = entry.expect("dir entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".go") && !name.ends_with("_test.go") {
            std::fs::copy(&path, package.join(name)).expect("copy");
        }
    }
    std::fs::write(package.join("oracle_export.go"), ORACLE_EXPORT).expect("write");
    std::fs::write(dir.join("go.mod"), "module oracle\n\ngo 1.19\n").expect("write");
    std::fs::write(dir.join("main.go"), ORACLE_MAIN).expect("write");
    let out = go(&["build", "-o", "oracle", "."], dir);
    assert!(
        out.status.success(),
        "building the oracle: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("oracle")
}

fn ours(data: &[u8]) -> String {
    match parse_legacy(data) {
        Ok(p) => {
            let mut out = b"OK\n".to_vec();
            write_raw(&p, &mut out).expect("write to memory");
            String::from_utf8_lossy(&out).into_owned()
        }
        Err(e) => format!("ERR {e}"),
    }
}

/// Legacy fixtures: google/pprof's and Go 1.19's `debug=1`/`debug=2` texts.
fn fixtures() -> Vec<(String, Vec<u8>)> {
    let google = legacy_fixtures::GOOGLE_LEGACY;
    let mut files: Vec<String> = google
        .iter()
        .map(|n| format!("google-pprof/profile/testdata/{n}"))
        .collect();
    files.push("google-pprof/internal/driver/testdata/cppbench.small.contention".into());
    for n in ["heap", "mutex", "block", "goroutine", "threadcreate"] {
        files.push(format!("go119/{n}.debug1.txt"));
    }
    files.push("go119/goroutine.debug2.txt".into());
    files
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(fixture(&f)).expect("fixture")))
        .collect()
}

/// Deterministic mutations of one input.
fn mutations(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for k in 1..12 {
        out.push(data[..data.len() * k / 12].to_vec());
    }
    let byte_step = (data.len() / 16).max(1);
    for at in (0..data.len()).step_by(byte_step) {
        for b in [0, 0xff, b'\n', b'0', b' '] {
            let mut v = data.to_vec();
            v[at] = b;
            out.push(v);
        }
    }
    let lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
    let step = (lines.len() / 24).max(1);
    for i in (0..lines.len()).step_by(step) {
        let with = |replacement: &[&[u8]]| {
            let mut v = Vec::with_capacity(data.len() + 16);
            for (j, l) in lines.iter().enumerate() {
                if j == i {
                    replacement.iter().for_each(|r| v.extend_from_slice(r));
                } else {
                    v.extend_from_slice(l);
                }
            }
            v
        };
        let line = lines[i];
        out.push(with(&[]));
        out.push(with(&[line, line]));
        out.push(with(&[b"# ", line]));
        out.push(with(&[b"\n", line]));
        let mut zeroed = line.to_vec();
        if let Some(d) = zeroed.iter().position(u8::is_ascii_digit) {
            zeroed[d] = b'0';
        }
        out.push(with(&[&zeroed]));
        let mut long = line.to_vec();
        if let Some(d) = long.iter().position(u8::is_ascii_digit) {
            long.splice(d..d, b"99999999999999999999".iter().copied());
        }
        out.push(with(&[&long]));
        out.push(with(&[&line[..line.len() / 2]]));
    }
    out
}

/// Lines around `bufio.Scanner`'s 64 KiB limit, with and without a newline or `\r\n`.
fn long_lines() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for len in 65534..=65537 {
        for end in [&b""[..], b"\n", b"\r\n"] {
            let mut sample = b"1 @".to_vec();
            sample.extend(std::iter::repeat_n(&b" 0x1"[..], (len - 3) / 4).flatten());
            sample.resize(len, b'1');
            out.push([&b"goroutine profile: total 1\n"[..], &sample, end].concat());
            let mut comment = b"# ".to_vec();
            comment.resize(len, b'x');
            out.push([&comment, end, b"goroutine profile: total 1\n1 @ 0x1\n"].concat());
        }
    }
    out
}

/// A small deterministic generator (xorshift64) for the memory map cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a [u8]]) -> &'a [u8] {
        from[(self.next() % from.len() as u64) as usize]
    }
}

/// Memory map sections mixing `attr=value` lines, `$attr` references, overlapping and split
/// mappings with offsets, non-executable and unrecognized lines, after a count profile whose
/// addresses fall in, between and before them.
fn generated_memory_maps() -> Vec<Vec<u8>> {
    const NAMES: &[&[u8]] = &[b"", b"d", b"dir", b"$", b"a b", b"lib"];
    const VALUES: &[&[u8]] = &[
        b"/usr/lib",
        b"X",
        b"",
        b"$d",
        b"00400000",
        b"r-xp",
        b"/a.so",
    ];
    const PIECES: &[&[u8]] = &[
        b"$d",
        b"$dir",
        b"$$",
        b"$",
        b"$lib",
        b"$a b",
        b"/bin/a",
        b"-",
        b" r-xp ",
        b" r--p ",
        b"0 00:00 0 ",
        b"00001000 ",
        b"400000-402000",
        b"401000-403000",
        b"1000-2000 ",
    ];
    const WHOLE: &[&[u8]] = &[
        b"00400000-00500000 r-xp 00000000 00:00 0 /bin/a",
        b"00500000-00600000 r-xp 00100000 00:00 0 /bin/a",
        b"7f0000-7f1000 r-xp 00003000 00:00 0 /lib/libc.so.6 (deleted)",
        b"0x2000-0x3000 /anon_hugepage (@1000) 0123abcd",
        b"I1 a.cc:1] 1000-2000 r-xp 0 00:00 0 /z",
        b"3000-2000 r-xp 00000500 00:00 0 /inv",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::new();
    for _ in 0..400 {
        let mut data = b"goroutine profile: total 2\n1 @ 0x401001 0x3fff01 0x7f0001 0x1001\n\
            1 @ 0x1801 0x2801 0x500001 0x4ff001\n---\nMAPPED_LIBRARIES:\n"
            .to_vec();
        for _ in 0..rng.next() % 10 + 1 {
            match rng.next() % 3 {
                0 => {
                    data.extend([rng.pick(NAMES), b" = ", rng.pick(VALUES)].concat());
                }
                1 => {
                    for _ in 0..rng.next() % 6 + 1 {
                        data.extend_from_slice(rng.pick(PIECES));
                    }
                }
                _ => data.extend_from_slice(rng.pick(WHOLE)),
            }
            data.push(b'\n');
        }
        out.push(data);
    }
    out
}

/// Inputs written for the corners of each format.
const EDGE_CASES: &[&[u8]] = &[
    b"",
    b"\n\n",
    b"heap profile: 1: 2 [1: 2] @ heap_v2/0\n1: 2 [1: 2] @ 0x1 0x2\n",
    b"heap profile: 1: 2 [3: 4] @ heap\n1: 2 [3: 4] @ 0x1\n",
    b"heap profile: 1: 2 [1: 2] @ heapprofile\n1: 2 [1: 2] @ 0x1\n",
    b"heap profile: 1: 2 [0: 0] @ fragmentationz\n1: 2 [0: 0] @ 0x1\n",
    b"heap profile: 1: 2 [1: 2] @ growth\n1: 2 [1: 2] @ 0x1\n",
    b"heap profile: 1: 2 [1: 2] @ heapz_v2/99999999999999999999\n",
    b"heap profile: 01: 2 [1: 2] @ heap_v2/4\n-1: -5 [1: 2] @ 0x1\n1: 2 [0: 0] @\n",
    b"heap profile: 1: 2 [1: 2] @ heap_v2/4\n1: 2 [1: 2] @ 0x1\nMAPPED_LIBRARIES:\n\
      00400000-00500000 r-xp 00000000 00:00 0 /bin/a\n",
    b"heap profile: 1: 2 [1: 2] @ heap_v2/4\n1: 2 [1: 2] @ 0x401001 0x7f0001 0x600001\n\
      --- Memory map: ---\n\
      lib = /usr/lib\n\
      I1127 05:00:00.000 x.cc:12] 00400000-00500000 r-xp 00001000 00:00 0 /bin/a\n\
      7f0000-7f1000 r--p 0 00:00 0 $lib/libc.so.6\n\
      7f0000-7f1000 r-xp 0 00:00 0 $lib/libc.so.6 (deleted)\n\
      0x600000-0x601000 [vdso]\n\
      0x601000-0x602000 /anon_hugepage (@10) 0123abcd\n",
    b"heap profile: 1: 2 [1: 2] @ heap_v2/4\n1: 2 [1: 2] @ 0x2001 0x5001 0x9001\n\
      MAPPED_LIBRARIES:\n\
      1000-3000 r-xp 00000000 00:00 0 /anon_hugepage\n\
      3000-4000 r-xp 00000000 00:00 0 /bin/main\n\
      6000-7000 r-xp 00002000 00:00 0 /lib/x.so\n\
      9000-a000 r-xp 00000000 00:00 0 /bin/main\n",
    b"goroutine profile: total 3\n010 @ 0x1 0x2\n# labels: {}\n2 @ 0x3\n---\nMAPPED_LIBRARIES:\n\
      400000-500000 r-xp 0 00:00 0 /bin/x\n",
    b"# comment\n\nthreadcreate profile: total 1\n1 @ 0x1\n",
    b"mutex profile: total 1\n1 @\n",
    b"--- contention:\ncycles/second=0x10\nsampling period = 0b11\nms since reset=1_000\n\
      discarded samples = x\n12 3 @ 0x5 0x6\n# x\n123 @ 0x7\n--- rest\n",
    b"--- contentionz 1 ---\nresolution = ms\n1 1 @ 0x1\n",
    b"--- mutex:\nsampling period=0\n10 2 @ 0x1\n",
    b"--- mutex:\nbogus=1\n10 2 @ 0x1\n",
    b"--- mutex:\n10 2 @ 0x1\nnot a sample\n",
    b"--- threadz 1 ---\n--- Thread 1 (name: a/1) stack: ---\n  PC: 0x10 0x20\n\
      --- Thread 2 (name: b/2) stack: ---\n same as previous thread\n\
      --- Thread 3 (name: c/3) stack: ---\n PC: 0x11 0x10\n---- no stack trace for x\n",
    b"--- Thread 1 (name: a/1) stack: ---\n  PC: 0x10 0x20\n--- Memory map: ---\n\
      0-ffff r-xp 0 00:00 0 /bin/t\n",
    b"--- threadz 1 ---\n--- Thread 1 (name: a/1) stack: ---\n  PC: 0x10 0x20\n",
    b"--- heapz 1 ---\nformat = java\nresolution = bytes\n 100 2 @ 0x1 0x2\n 7 07 @ 0x1\n\
      0x1 a.B.c (B.java:7)\n0x2 d (/x/lib.so)\n0x2 e (y.java:0)\n",
    b"--- contentionz 1 ---\nformat = java\nresolution = us\nsampling period = 10\n\
      ms since reset = 5\n 3 4 @ 0x1\n\n0x1 generated stub/JIT\n0x3 GC",
    b"--- heapz 1 ---\nformat = cpp\n",
    b"--- heapz 1 ---",
    // Addresses in the missing first pieces of split mappings, overlapping pieces, an inverted
    // mapping, and addresses after the fake mapping exists.
    b"goroutine profile: total 9\n\
      1 @ 0x1101 0x2801 0x3c01 0x5001 0x7001 0x5801 0x3b01 0x2001 0x1801 0x9001 0x3001\n\
      1 @ 0x5001 0x4801 0x7001 0x6801 0xa001 0x1001\n---\nMAPPED_LIBRARIES:\n\
      2000-3000 r-xp 00001000 00:00 0 /a\n\
      2500-2600 r-xp 00002000 00:00 0 /b\n\
      8000-6000 r-xp 00003000 00:00 0 /inv\n\
      a000-b000 r-xp 00000000 00:00 0 /c.so\n\
      4000-4100 r-xp 00000500 00:00 0 /d\n",
    b"goroutine profile: total 9\n1 @ 0x1 0x401 0x801 0x601 0x1 0x301\n---\nMAPPED_LIBRARIES:\n\
      500-600 r-xp 00000400 00:00 0 /x\n\
      900-1000 r-xp 00000400 00:00 0 /y\n\
      400-480 r-xp 00000000 00:00 0 /z\n",
    b"\x0bheap profile: 1: 2 [1: 2] @ heap_v2/4\n\xc2\xa01: 2 [1: 2] @ 0x1\x0b\n",
    b"\xc2\xa0# x\ngoroutine profile: total 1\n\x0b1 @ 0x1\n",
    b"\x0b\ngoroutine profile: total 1\n1 @ 0x1\r\n\r\n",
    b"--- threadz 1 ---\n--- Thread 1 (name: a/1) stack: ---\n\xe3\x80\x80PC: 0x10\n---- no stack trace for\n",
];

#[test]
fn legacy_parses_match_go_1_19() {
    if !have_go("legacy_parses_match_go_1_19") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let oracle = build_oracle(dir.path());
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, data) in fixtures() {
        for (i, m) in mutations(&data).into_iter().enumerate() {
            inputs.push((format!("{name} mutation {i}"), m));
        }
        inputs.push((name, data));
    }
    for (i, data) in EDGE_CASES.iter().enumerate() {
        inputs.push((format!("edge case {i}"), data.to_vec()));
    }
    for (i, data) in generated_memory_maps().into_iter().enumerate() {
        inputs.push((format!("memory map {i}"), data));
    }
    for (i, data) in long_lines().into_iter().enumerate() {
        inputs.push((format!("long line {i}"), data));
    }
    let paths: Vec<PathBuf> = (0..inputs.len())
        .map(|i| dir.path().join(format!("in{i}")))
        .collect();
    for (path, (_, data)) in paths.iter().zip(&inputs) {
        std::fs::write(path, data).expect("write input");
    }
    for chunk in paths.chunks(500) {
        let status = Command::new(&oracle)
            .args(chunk)
            .status()
            .expect("run oracle");
        assert!(status.success());
    }
    let mut failures = Vec::new();
    let mut parsed = 0;
    for (path, (name, data)) in paths.iter().zip(&inputs) {
        let mut oracle_out = path.as_os_str().to_owned();
        oracle_out.push(".go");
        let expected = String::from_utf8_lossy(&std::fs::read(&oracle_out).expect("oracle output"))
            .into_owned();
        let actual = ours(data);
        parsed += usize::from(expected.starts_with("OK"));
        // Errors read as Go's, less the "parsing profile: " that Go's ParseData adds.
        let agree = expected == actual.replacen("ERR parsing profile: ", "ERR ", 1);
        if !agree {
            let first = expected
                .lines()
                .zip(actual.lines())
                .position(|(e, a)| e != a)
                .unwrap_or(0);
            let show = |s: &str| s.lines().skip(first).take(3).collect::<Vec<_>>().join("\n");
            failures.push(format!(
                "{name} (line {}):\n  go:   {}\n  ours: {}",
                first + 1,
                show(&expected),
                show(&actual)
            ));
        }
    }
    eprintln!(
        "{} inputs, {parsed} parsed by Go, {} disagree",
        inputs.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} inputs disagree:\n{}",
        failures.len(),
        inputs.len(),
        failures[..failures.len().min(15)].join("\n")
    );
}

/// What `go tool pprof -raw FILE` prints for one legacy file, from ferroprof's parse and the
/// operations Go's driver applies to a single source (the whole pipeline is tested in
/// `ops_go.rs` and by the conformance suite).
fn ferroprof_raw(data: &[u8]) -> String {
    let mut p = parse(data, &Limits::default()).expect("legacy fixture parses");
    add_fake_mapping(&mut p);
    let mut p = combine_profiles(&mut [p]).expect("one profile combines");
    let _ = remove_uninteresting(&mut p);
    unsource_mappings(&mut p);
    // Go 1.19 filters samples even with no filter set, dropping those without a stack.
    let options = FilterOptions::default();
    let filters = Filters::compile(&options, &num_label_units(&p)).expect("no filters compile");
    let _ = filters.apply(&mut p);
    let mut out = Vec::new();
    write_raw(&p, &mut out).expect("write to memory");
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn go_tool_pprof_raw_matches_on_legacy_fixtures() {
    if !have_go("go_tool_pprof_raw_matches_on_legacy_fixtures") {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let mut compared = 0;
    for (name, data) in fixtures() {
        let out = Command::new("go")
            .args(["tool", "pprof", "-raw"])
            .arg(fixture(&name))
            .env("HOME", home.path())
            .env("TZ", "UTC")
            .output()
            .expect("run go tool pprof");
        if !out.status.success() {
            // threadcreate.debug1.txt and goroutine.debug2.txt: Go cannot read them either.
            assert!(
                parse_legacy(&data).is_err(),
                "{name}: Go fails, ferroprof parses"
            );
            continue;
        }
        compared += 1;
        let expected = String::from_utf8_lossy(&out.stdout).into_owned();
        let actual = ferroprof_raw(&data);
        if expected != actual {
            let first = expected
                .lines()
                .zip(actual.lines())
                .position(|(e, a)| e != a);
            failures.push(format!(
                "{name}: first difference at line {}",
                first.unwrap_or(0) + 1
            ));
        }
    }
    assert!(compared >= 18, "only {compared} fixtures compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
