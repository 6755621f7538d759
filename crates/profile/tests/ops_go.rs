//! Differential tests of the profile operations against `go tool pprof -raw` (Go 1.19.8).
//!
//! `-raw` prints the profile as it stands after fetching, merging, base subtraction and
//! filtering, with no granularity applied (raw forces `addresses` with inlined frames), so the
//! output compares the operations' samples, ids and orders byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

use ferroprof_profile::ops::{
    add_fake_mapping, add_label_nodes, combine_profiles, num_label_units, remove_uninteresting,
    subtract_base, unsource_mappings, BaseKind, FilterOptions, Filters,
};
use ferroprof_profile::{parse, proto, write_raw, Limits, Profile};
use ferroprof_testsupport::{fixture, fixtures_dir};

/// A change made to each source (given its position) before both sides read it.
type Rewrite = fn(usize, &mut Profile);

/// One `go tool pprof -raw` invocation, described by its parts.
#[derive(Default)]
struct Case {
    sources: &'static [&'static str],
    bases: &'static [&'static str],
    diff_base: bool,
    normalize: bool,
    filters: FilterOptions,
    /// `-tagroot` and `-tagleaf` label keys, comma-separated.
    tagroot: &'static str,
    tagleaf: &'static str,
    /// When set, the sources are rewritten with these drop_frames and keep_frames first.
    frames: Option<(&'static str, &'static str)>,
    /// When set, each source (with its position) is rewritten by this function first.
    rewrite: Option<(&'static str, Rewrite)>,
}

impl Case {
    /// The source files as given to both sides: the fixtures, or rewritten copies in `tmp`.
    fn source_paths(&self, tmp: &Path) -> Vec<PathBuf> {
        if self.frames.is_none() && self.rewrite.is_none() {
            return self.sources.iter().map(|s| fixture(s)).collect();
        }
        let mut paths = Vec::new();
        for (i, src) in self.sources.iter().enumerate() {
            let mut p = load(&fixture(src));
            if let Some((drop, keep)) = self.frames {
                p.drop_frames = drop.to_string();
                p.keep_frames = keep.to_string();
            }
            if let Some((_, rewrite)) = self.rewrite {
                rewrite(i, &mut p);
            }
            let path = tmp.join(format!("frames{i}.pb.gz"));
            let mut file = std::fs::File::create(&path).expect("temp file");
            proto::encode(&p, &mut file).expect("profile encodes");
            paths.push(path);
        }
        paths
    }

    fn go_args(&self, sources: &[PathBuf]) -> Vec<String> {
        let mut args = vec!["tool".to_string(), "pprof".to_string(), "-raw".to_string()];
        for (name, keys) in [("tagroot", self.tagroot), ("tagleaf", self.tagleaf)] {
            if !keys.is_empty() {
                args.push(format!("-{name}={keys}"));
            }
        }
        let f = &self.filters;
        for (name, value) in [
            ("focus", &f.focus),
            ("ignore", &f.ignore),
            ("hide", &f.hide),
            ("show", &f.show),
            ("show_from", &f.show_from),
            ("tagfocus", &f.tagfocus),
            ("tagignore", &f.tagignore),
            ("tagshow", &f.tagshow),
            ("taghide", &f.taghide),
            ("prune_from", &f.prune_from),
        ] {
            if !value.is_empty() {
                args.push(format!("-{name}={value}"));
            }
        }
        if self.normalize {
            args.push("-normalize".to_string());
        }
        let base_flag = if self.diff_base {
            "-diff_base"
        } else {
            "-base"
        };
        args.extend(self.bases.iter().map(|b| format!("{base_flag}={b}")));
        args.extend(sources.iter().map(|s| s.display().to_string()));
        args
    }

    fn describe(&self) -> String {
        let frames = self
            .frames
            .map(|(d, k)| format!(" (drop_frames={d:?} keep_frames={k:?})"));
        let sources: Vec<PathBuf> = self.sources.iter().map(PathBuf::from).collect();
        let rewrite = self.rewrite.map(|(what, _)| format!(" ({what})"));
        self.go_args(&sources)[2..].join(" ")
            + &frames.unwrap_or_default()
            + &rewrite.unwrap_or_default()
    }
}

fn load(path: &Path) -> Profile {
    let data = std::fs::read(path).expect("fixture readable");
    let mut p =
        parse(&data, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    add_fake_mapping(&mut p);
    p
}

/// What `go tool pprof -raw` does with the case, with ferroprof's operations: standard output
/// and the lines Go prints on standard error.
fn ferroprof_raw(case: &Case, sources: &[PathBuf]) -> (String, String) {
    let mut sources: Vec<Profile> = sources.iter().map(|s| load(s)).collect();
    let mut p = combine_profiles(&mut sources).expect("sources combine");
    if !case.bases.is_empty() {
        let mut bases: Vec<Profile> = case.bases.iter().map(|s| load(&fixture(s))).collect();
        let base = combine_profiles(&mut bases).expect("bases combine");
        let kind = if case.diff_base {
            BaseKind::DiffBase
        } else {
            BaseKind::Base
        };
        p = subtract_base(p, base, kind, case.normalize).expect("base subtracts");
    }
    // Go ignores this error.
    let _ = remove_uninteresting(&mut p);
    unsource_mappings(&mut p);
    let units = num_label_units(&p);
    let mut messages = units.warnings();
    let keys = |list: &str| {
        list.split(',')
            .filter(|k| !k.is_empty())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let (root_keys, leaf_keys) = (keys(case.tagroot), keys(case.tagleaf));
    let (root, leaf) = add_label_nodes(&mut p, &root_keys, &leaf_keys, "minimum");
    for (set, matched, option) in [
        (case.tagroot, root, "TagRoot"),
        (case.tagleaf, leaf, "TagLeaf"),
    ] {
        if !set.is_empty() && !matched {
            messages.push(format!("{option} expression matched no samples"));
        }
    }
    let filters = Filters::compile(&case.filters, &units).expect("filters compile");
    messages.extend(filters.notices(&case.filters));
    messages.extend(filters.apply(&mut p));
    let mut out = Vec::new();
    write_raw(&p, &mut out).expect("raw writes");
    let stderr = messages.iter().map(|m| format!("{m}\n")).collect();
    (String::from_utf8(out).expect("utf-8"), stderr)
}

fn go_raw(case: &Case, sources: &[PathBuf], home: &Path) -> (String, String) {
    let out = Command::new("go")
        .args(case.go_args(sources))
        .current_dir(fixtures_dir())
        .env("TZ", "UTC")
        .env("HOME", home)
        .output()
        .expect("go runs");
    assert!(
        out.status.success(),
        "go failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    (stdout, String::from_utf8(out.stderr).expect("utf-8"))
}

fn filters(edit: impl FnOnce(&mut FilterOptions)) -> FilterOptions {
    let mut f = FilterOptions::default();
    edit(&mut f);
    f
}

/// Makes the second profile a CPU profile counted in microseconds.
fn to_microseconds(i: usize, p: &mut Profile) {
    if i == 1 {
        p.period_type.as_mut().expect("period type").unit = "microseconds".into();
        p.period /= 1000;
        p.sample_type[1].unit = "microseconds".into();
        for s in &mut p.sample {
            s.value[1] /= 1000;
        }
    }
}

/// Makes the first profile a heap profile counted in kilobytes.
fn to_kilobytes(i: usize, p: &mut Profile) {
    if i == 0 {
        p.period_type.as_mut().expect("period type").unit = "kilobytes".into();
        for (t, column) in p.sample_type.iter_mut().zip(0..) {
            if t.unit == "bytes" {
                t.unit = "kilobytes".into();
                for s in &mut p.sample {
                    s.value[column] /= 1024;
                }
            }
        }
    }
}

fn cases() -> Vec<Case> {
    let cpu: &'static [&'static str] = &["go119/cpu.pb.gz"];
    let heap: &'static [&'static str] = &["go119/heap.pb.gz"];
    vec![
        Case {
            sources: cpu,
            ..Case::default()
        },
        Case {
            sources: &["go119/threadcreate.pb.gz"],
            ..Case::default()
        },
        Case {
            sources: &["go119/cpu.pb.gz", "go119/cpu2.pb.gz"],
            ..Case::default()
        },
        Case {
            sources: &["go119/cpu.pb.gz", "go119/cpu.pb.gz"],
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.focus = "sort".into()),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.ignore = "sort|encode".into()),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.hide = "runtime".into()),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.show = "main".into()),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.show_from = "sort".into()),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.prune_from = "sort".into()),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.tagfocus = "stage=sort".into()),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.tagfocus = "beta".into()),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| {
                f.tagignore = "tenant=alpha".into();
                f.tagshow = "stage".into();
            }),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.taghide = "tenant".into()),
            ..Case::default()
        },
        Case {
            sources: heap,
            filters: filters(|f| f.tagfocus = "bytes=64kb:".into()),
            ..Case::default()
        },
        Case {
            sources: heap,
            filters: filters(|f| f.tagfocus = ":1kb".into()),
            ..Case::default()
        },
        Case {
            sources: heap,
            filters: filters(|f| f.tagfocus = "1kb:1mb".into()),
            ..Case::default()
        },
        Case {
            sources: &["go119/heap2.pb.gz"],
            bases: heap,
            ..Case::default()
        },
        Case {
            sources: &["go119/heap2.pb.gz"],
            bases: heap,
            diff_base: true,
            ..Case::default()
        },
        Case {
            sources: cpu,
            bases: &["go119/cpu2.pb.gz"],
            diff_base: true,
            normalize: true,
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/internal/proftest/testdata/large.cpu"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/internal/report/testdata/sample.cpu"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/internal/report/testdata/sample.cpu"],
            filters: filters(|f| f.show_from = "mapiternext".into()),
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/internal/proftest/testdata/large.cpu"],
            filters: filters(|f| {
                f.focus = "time".into();
                f.hide = "runtime".into();
            }),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| {
                f.focus = "main".into();
                f.ignore = "compress".into();
                f.show = "sort|main".into();
                f.hide = "Less".into();
            }),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.focus = "nothing_matches_this".into()),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| {
                f.show_from = "nothing_matches_this".into();
                f.tagfocus = "nothing".into();
                f.taghide = "nothing".into();
            }),
            ..Case::default()
        },
        Case {
            sources: cpu,
            filters: filters(|f| f.focus = "\\.go$".into()),
            ..Case::default()
        },
        Case {
            sources: &["pprof-rs/cpu.pb"],
            filters: filters(|f| f.tagfocus = "thread=rsworkload".into()),
            ..Case::default()
        },
        Case {
            sources: &["go119/mutex.pb.gz", "go119/mutex.pb.gz"],
            ..Case::default()
        },
        Case {
            sources: &["go119/block.pb.gz"],
            bases: &["go119/block.pb.gz"],
            ..Case::default()
        },
        Case {
            sources: &["go119/allocs.pb.gz"],
            filters: filters(|f| f.prune_from = "json".into()),
            ..Case::default()
        },
        Case {
            sources: &["go119/goroutine.pb.gz"],
            filters: filters(|f| f.ignore = "runtime\\.gopark".into()),
            ..Case::default()
        },
        Case {
            sources: &["go119/heap2.pb.gz"],
            bases: heap,
            normalize: true,
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/profile/testdata/cppbench.cpu"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/profile/testdata/gobench.cpu"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/profile/testdata/java.cpu"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/profile/testdata/cppbench.heap"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/profile/testdata/java.heap"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/profile/testdata/cppbench.contention"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/profile/testdata/java.contention"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/profile/testdata/cppbench.thread"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/profile/testdata/go.godoc.thread"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/internal/driver/testdata/cppbench.small.contention"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/internal/driver/testdata/go.nomappings.crash"],
            ..Case::default()
        },
        Case {
            sources: &["google-pprof/profile/testdata/java.cpu"],
            filters: filters(|f| f.focus = "java".into()),
            ..Case::default()
        },
        Case {
            sources: &[
                "google-pprof/profile/testdata/java.heap",
                "google-pprof/profile/testdata/java.heap",
            ],
            filters: filters(|f| f.hide = "java".into()),
            ..Case::default()
        },
        Case {
            sources: &["go119/heap.debug1.txt"],
            bases: &["go119/heap.pb.gz"],
            diff_base: true,
            ..Case::default()
        },
        Case {
            sources: cpu,
            tagroot: "stage,tenant",
            tagleaf: "bytes",
            ..Case::default()
        },
        Case {
            sources: heap,
            tagleaf: "bytes",
            filters: filters(|f| f.focus = "MB|kB".into()),
            ..Case::default()
        },
        Case {
            sources: cpu,
            frames: Some(("runtime\\..*|sort\\..*", "sort\\.Sort")),
            ..Case::default()
        },
        Case {
            sources: heap,
            frames: Some(("main\\..*", "")),
            ..Case::default()
        },
        Case {
            sources: cpu,
            frames: Some(("(", "")),
            ..Case::default()
        },
        Case {
            sources: &["go119/goroutine.pb.gz"],
            frames: Some(("runtime\\.gopark|main\\.main", "")),
            filters: filters(|f| f.hide = "chan".into()),
            ..Case::default()
        },
        Case {
            sources: &["go119/cpu.pb.gz", "pprof-rs/cpu.pb"],
            ..Case::default()
        },
        Case {
            sources: &["go119/cpu.pb.gz", "google-pprof/profile/testdata/java.cpu"],
            ..Case::default()
        },
        Case {
            sources: &["go119/block.pb.gz", "go119/mutex.pb.gz"],
            ..Case::default()
        },
        Case {
            sources: &[
                "go119/cpu.pb.gz",
                "google-pprof/profile/testdata/gobench.cpu",
                "google-pprof/profile/testdata/go.crc32.cpu",
            ],
            filters: filters(|f| f.focus = "crc32|sort".into()),
            ..Case::default()
        },
        Case {
            sources: &["go119/cpu.pb.gz", "go119/cpu2.pb.gz"],
            rewrite: Some(("second source in microseconds", to_microseconds)),
            ..Case::default()
        },
        Case {
            sources: &["go119/heap.pb.gz", "go119/heap2.pb.gz"],
            rewrite: Some(("first source in kilobytes", to_kilobytes)),
            ..Case::default()
        },
    ]
}

#[test]
fn raw_output_matches_go_tool_pprof() {
    if !ferroprof_testsupport::have_go("raw_output_matches_go_tool_pprof") {
        return;
    }
    let home = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    let all = cases();
    for case in &all {
        let sources = case.source_paths(home.path());
        let (want, want_err) = go_raw(case, &sources, home.path());
        let (got, got_err) = ferroprof_raw(case, &sources);
        // Only the lines the operations produce; Go also reports on symbolization.
        let want_err: String = want_err
            .lines()
            .filter(|l| {
                l.contains(" expression matched no samples")
                    || l.contains(" as range, not regexp")
                    || l.starts_with("For tag ")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        if want_err != got_err {
            failures.push(format!(
                "{}: stderr {want_err:?} != {got_err:?}",
                case.describe()
            ));
        }
        if want != got {
            let line = want.lines().zip(got.lines()).position(|(a, b)| a != b);
            failures.push(format!(
                "{}: first difference at line {line:?}",
                case.describe()
            ));
            if std::env::var_os("OPS_GO_DUMP").is_some() {
                std::fs::write("/tmp/ops_go_want.txt", &want).ok();
                std::fs::write("/tmp/ops_go_got.txt", &got).ok();
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
