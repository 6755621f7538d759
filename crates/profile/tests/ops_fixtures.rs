//! Every operation on every profile fixture that parses: no panic, and the results stay valid
//! profiles (Go's `CheckValid`).

use std::path::PathBuf;

use ferroprof_profile::ops::{
    add_fake_mapping, add_label_nodes, aggregate_granularity, combine_profiles, compact, merge,
    num_label_units, remove_uninteresting, scale, subtract_base, BaseKind, FilterOptions, Filters,
    Granularity,
};
use ferroprof_profile::{check_valid, parse, Limits, Profile};
use ferroprof_testsupport::fixtures_dir;

/// The fixture folders holding profiles.
const DIRS: [&str; 6] = [
    "go119",
    "pprof-rs",
    "google-pprof/profile/testdata",
    "google-pprof/internal/driver/testdata",
    "google-pprof/internal/report/testdata",
    "google-pprof/internal/proftest/testdata",
];

fn fixture_profiles() -> Vec<(PathBuf, Profile)> {
    let mut out = Vec::new();
    for dir in DIRS {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures_dir().join(dir))
            .expect("fixture folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).expect("readable");
            if let Ok(p) = parse(&data, &Limits::default()) {
                out.push((path, p));
            }
        }
    }
    out
}

fn valid(p: &Profile, what: &str, path: &std::path::Path) {
    if let Err(e) = check_valid(p) {
        panic!("{}: after {what}: {e}", path.display());
    }
}

fn filter_variants() -> Vec<FilterOptions> {
    vec![
        FilterOptions {
            focus: "main|runtime".into(),
            hide: "runtime".into(),
            ..Default::default()
        },
        FilterOptions {
            ignore: "sort".into(),
            show: "main|\\.go".into(),
            ..Default::default()
        },
        FilterOptions {
            show_from: "main".into(),
            prune_from: "runtime".into(),
            ..Default::default()
        },
        FilterOptions {
            tagfocus: "1kb:".into(),
            taghide: "bytes".into(),
            ..Default::default()
        },
        FilterOptions {
            tagfocus: "thread|stage".into(),
            tagshow: "stage".into(),
            ..Default::default()
        },
    ]
}

#[test]
fn operations_keep_fixtures_valid() {
    let profiles = fixture_profiles();
    assert!(
        profiles.len() >= 30,
        "only {} fixtures parsed",
        profiles.len()
    );
    let variants = filter_variants();
    for (path, original) in &profiles {
        let mut p = original.clone();
        add_fake_mapping(&mut p);
        let mut p = combine_profiles(&mut [p]).expect("a profile combines with itself");
        valid(&p, "combine", path);
        let _ = remove_uninteresting(&mut p);
        valid(&p, "remove_uninteresting", path);
        let doubled = merge(&[&p, &p]).expect("merge with itself");
        valid(&doubled, "merge", path);
        assert_eq!(
            doubled.location.len(),
            p.location.len(),
            "{}",
            path.display()
        );
        let diff = subtract_base(p.clone(), p.clone(), BaseKind::DiffBase, true).expect("diff");
        valid(&diff, "diff_base", path);
        let units = num_label_units(&p);
        for options in &variants {
            let mut q = p.clone();
            let keys = ["stage".to_string()];
            add_label_nodes(&mut q, &keys, &keys, "minimum");
            Filters::compile(options, &units)
                .expect("filters compile")
                .apply(&mut q);
            valid(&q, "filters", path);
            for g in [
                Granularity::Functions,
                Granularity::Files,
                Granularity::Addresses,
            ] {
                let mut r = q.clone();
                aggregate_granularity(&mut r, g, true);
                valid(&r, "aggregate", path);
                scale(&mut r, 0.5);
                valid(&compact(&r), "compact", path);
            }
        }
    }
}

/// A line describing a merge result: element counts and an FNV-1a digest of its `-raw` dump.
fn merge_digest(name: &str, case: &str, p: &Profile) -> String {
    let mut raw = Vec::new();
    ferroprof_profile::write_raw(p, &mut raw).expect("raw dump to memory");
    let digest = raw.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!(
        "{name} {case}: {} samples, {} locations, {} functions, {} mappings, raw {} bytes {digest:016x}\n",
        p.sample.len(),
        p.location.len(),
        p.function.len(),
        p.mapping.len(),
        raw.len()
    )
}

/// `p` with the values of every other sample negated: merged with `p`, half the sums cancel
/// out, which makes the merger run its second pass.
fn every_other_negated(p: &Profile) -> Profile {
    let mut q = p.clone();
    for s in q.sample.iter_mut().step_by(2) {
        for v in &mut s.value {
            *v = v.wrapping_neg();
        }
    }
    q
}

/// Merge and compact results on every fixture, as digests recorded from the merger that copied
/// its sources (before it moved out of owned ones): one profile alone, a profile with itself,
/// with a copy whose sums cancel for every other sample, and each fixture with the next
/// compatible one. Renumbering, dedup and zero-sample rules must give the same profiles.
#[test]
fn merge_results_match_the_copying_merger() {
    let profiles = fixture_profiles();
    let mut out = String::new();
    for (i, (path, p)) in profiles.iter().enumerate() {
        let name = path.file_name().expect("file name").to_string_lossy();
        out += &merge_digest(&name, "compact", &compact(p));
        let doubled = merge(&[p, p]).expect("merge with itself");
        out += &merge_digest(&name, "self", &doubled);
        let negated = every_other_negated(p);
        let cancelled = merge(&[p, &negated]).expect("merge with negated copy");
        out += &merge_digest(&name, "cancel", &cancelled);
        let next = profiles[i + 1..]
            .iter()
            .find(|(_, q)| ferroprof_profile::ops::check_compatible(p, q).is_ok());
        if let Some((next_path, q)) = next {
            let next_name = next_path.file_name().expect("file name").to_string_lossy();
            let pair = merge(&[p, q, p]).expect("compatible profiles merge");
            out += &merge_digest(&name, &format!("with {next_name}"), &pair);
        }
    }
    ferroprof_testsupport::assert_golden(
        env!("CARGO_MANIFEST_DIR"),
        "merge/fixtures.digests",
        &out,
    );
}
