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
