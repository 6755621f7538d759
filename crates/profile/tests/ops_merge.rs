//! Merging, compaction, scaling and base subtraction.

mod ops_support;

use ferroprof_profile::ops::{
    check_compatible, combine_profiles, compact, merge, normalize, scale, scale_n, subtract_base,
    BaseKind, DIFF_BASE_KEY,
};
use ferroprof_profile::{Error, LocationId, Mapping, MappingId, Profile, Sample, ValueType};
use ops_support::{profile, total, view, with_labels};

fn sample_profile() -> Profile {
    profile(&[
        (&["leaf", "mid", "main"], [1, 10]),
        (&["other", "mid", "main"], [2, 20]),
        (&["leaf", "main"], [3, 30]),
    ])
}

#[test]
fn merging_a_profile_with_itself_doubles_values_and_keeps_the_tables() {
    let p = sample_profile();
    let m = merge(&[&p, &p]).unwrap();
    assert_eq!(m.location.len(), p.location.len());
    assert_eq!(m.function.len(), p.function.len());
    assert_eq!(m.mapping.len(), 1);
    assert_eq!(m.sample.len(), p.sample.len());
    for (a, b) in p.sample.iter().zip(&m.sample) {
        assert_eq!(b.value, a.value.iter().map(|v| v * 2).collect::<Vec<_>>());
    }
    assert_eq!(total(&m, 1), 2 * total(&p, 1));
}

#[test]
fn merge_is_associative() {
    let a = sample_profile();
    let b = profile(&[
        (&["x", "mid", "main"], [5, 50]),
        (&["leaf", "mid", "main"], [1, 1]),
    ]);
    let c = profile(&[(&["main"], [7, 70]), (&["other", "mid", "main"], [1, 2])]);
    let left = merge(&[&merge(&[&a, &b]).unwrap(), &c]).unwrap();
    let right = merge(&[&a, &merge(&[&b, &c]).unwrap()]).unwrap();
    let flat = merge(&[&a, &b, &c]).unwrap();
    assert_eq!(view(&left), view(&right));
    assert_eq!(view(&left), view(&flat));
    assert_eq!(left.location.len(), flat.location.len());
}

#[test]
fn ids_are_renumbered_in_first_use_order() {
    let mut p = sample_profile();
    // Unused location and function, and shuffled ids.
    ops_support::location_for(&mut p, "unused");
    p.location.reverse();
    let m = compact(&p);
    let ids: Vec<u64> = m.location.iter().map(|l| l.id.get()).collect();
    assert_eq!(ids, vec![1, 2, 3, 4]);
    assert_eq!(
        m.sample[0].location,
        vec![1, 2, 3]
            .into_iter()
            .map(|i| LocationId::new(i).unwrap())
            .collect::<Vec<_>>()
    );
    assert_eq!(m.function.len(), 4);
    assert_eq!(view(&m), view(&p));
}

#[test]
fn samples_with_equal_stacks_and_labels_add_up() {
    let mut p = profile(&[
        (&["a", "main"], [1, 1]),
        (&["a", "main"], [2, 2]),
        (&["a", "main"], [4, 4]),
    ]);
    p.sample[2] = with_labels(p.sample[2].clone(), &[("k", "v")]);
    let m = compact(&p);
    assert_eq!(m.sample.len(), 2);
    assert_eq!(m.sample[0].value, vec![3, 3]);
    assert_eq!(m.sample[1].value, vec![4, 4]);
}

#[test]
fn zero_samples_and_what_only_they_use_disappear() {
    let p = profile(&[(&["a", "main"], [0, 0]), (&["b", "main"], [1, 1])]);
    let m = compact(&p);
    assert_eq!(
        view(&m),
        vec![("b;main".to_string(), String::new(), vec![1, 1])]
    );
    assert_eq!(m.location.len(), 2);
}

#[test]
fn subtracting_a_profile_from_itself_leaves_nothing() {
    let p = sample_profile();
    let d = subtract_base(p.clone(), p.clone(), BaseKind::Base, false).unwrap();
    assert!(d.sample.is_empty());
    assert!(d.location.is_empty() && d.function.is_empty());
    // As in Go, the first mapping is kept even when no sample is left to use it.
    assert_eq!(d.mapping.len(), 1);
}

#[test]
fn diff_base_labels_base_samples_and_keeps_both_sides() {
    let p = sample_profile();
    let d = subtract_base(p.clone(), p.clone(), BaseKind::DiffBase, false).unwrap();
    assert_eq!(d.sample.len(), 2 * p.sample.len());
    let base: Vec<&Sample> = d
        .sample
        .iter()
        .filter(|s| s.label.contains_key(DIFF_BASE_KEY))
        .collect();
    assert_eq!(base.len(), p.sample.len());
    assert!(base.iter().all(|s| s.value.iter().all(|&v| v < 0)));
    assert_eq!(total(&d, 1), 0);
}

#[test]
fn normalize_scales_to_the_base_totals() {
    let mut p = profile(&[(&["a"], [1, 100]), (&["b"], [3, 300])]);
    let base = profile(&[(&["a"], [8, 200])]);
    normalize(&mut p, &base).unwrap();
    assert_eq!(total(&p, 0), 8);
    assert_eq!(total(&p, 1), 200);
    assert_eq!(p.sample[0].value, vec![2, 50]);
}

#[test]
fn scale_rounds_half_away_from_zero_and_drops_zeroed_samples() {
    let mut p = profile(&[(&["a"], [1, 5]), (&["b"], [1, 1]), (&["c"], [3, -5])]);
    scale(&mut p, 0.5);
    assert_eq!(
        p.sample.iter().map(|s| s.value.clone()).collect::<Vec<_>>(),
        vec![vec![1, 3], vec![1, 1], vec![2, -3]]
    );
    scale(&mut p, 0.1);
    assert!(p.sample.is_empty());
}

#[test]
fn scale_n_keeps_samples_by_the_scaled_columns_only() {
    let mut p = profile(&[(&["a"], [5, 0]), (&["b"], [5, 3])]);
    scale_n(&mut p, &[1.0, 2.0]).unwrap();
    // Go keeps a sample only when a column whose ratio is not 1 is non-zero.
    assert_eq!(p.sample.len(), 1);
    assert_eq!(p.sample[0].value, vec![5, 6]);
    let err = scale_n(&mut p, &[1.0]).unwrap_err();
    assert_eq!(err.to_string(), "mismatched scale ratios, got 1, want 2");
}

#[test]
fn incompatible_profiles_are_refused_with_go_texts() {
    let a = sample_profile();
    let mut b = sample_profile();
    b.period_type = Some(ValueType::new("space", "bytes"));
    let err = merge(&[&a, &b]).unwrap_err();
    assert!(matches!(err, Error::Incompatible(_)));
    assert!(
        err.to_string().starts_with("incompatible period types"),
        "{err}"
    );
    let mut c = sample_profile();
    c.sample_type.pop();
    let err = check_compatible(&a, &c).unwrap_err();
    assert!(
        err.to_string().starts_with("incompatible sample types"),
        "{err}"
    );
    assert_eq!(merge(&[]).unwrap_err().to_string(), "no profiles to merge");
}

#[test]
fn headers_combine_as_go_does() {
    let mut a = sample_profile();
    let mut b = sample_profile();
    a.time_nanos = 200;
    b.time_nanos = 100;
    a.duration_nanos = 5;
    b.duration_nanos = 7;
    b.period = 20_000_000;
    a.comments = vec!["x".into(), "y".into()];
    b.comments = vec!["y".into(), "z".into()];
    b.default_sample_type = "cpu".into();
    let m = merge(&[&a, &b]).unwrap();
    assert_eq!(
        (m.time_nanos, m.duration_nanos, m.period),
        (100, 12, 20_000_000)
    );
    assert_eq!(m.comments, vec!["x", "y", "z"]);
    assert_eq!(m.default_sample_type, "cpu");
}

#[test]
fn mappings_with_one_build_id_merge_across_address_randomization() {
    let a = sample_profile();
    let mut b = sample_profile();
    let shift = 0x1000_0000;
    b.mapping[0].memory_start += shift;
    b.mapping[0].memory_limit += shift;
    for l in &mut b.location {
        l.address += shift;
    }
    let m = merge(&[&a, &b]).unwrap();
    assert_eq!(m.mapping.len(), 1);
    assert_eq!(m.location.len(), a.location.len());
    assert_eq!(m.location[0].address, a.location[0].address);
    // Another binary of the same size stays apart.
    let mut c = sample_profile();
    c.mapping[0] = Mapping {
        filename: "/bin/other".into(),
        ..c.mapping[0].clone()
    };
    let m = merge(&[&a, &c]).unwrap();
    assert_eq!(m.mapping.len(), 2);
    assert_eq!(m.mapping[1].id, MappingId::new(2).unwrap());
    assert_eq!(m.location.len(), 2 * a.location.len());
}

#[test]
fn combine_converts_units_to_the_finest() {
    let a = sample_profile();
    let mut b = sample_profile();
    b.sample_type[1].unit = "milliseconds".into();
    for s in &mut b.sample {
        s.value[1] = 2;
    }
    let m = combine_profiles(&mut [a, b]).unwrap();
    assert_eq!(m.sample_type[1].unit, "nanoseconds");
    assert_eq!(total(&m, 1), 60 + 3 * 2_000_000);
}

#[test]
fn a_million_frames_merge_without_recursion() {
    let names: Vec<String> = (0..1_000_000).map(|i| format!("f{}", i % 1000)).collect();
    let stack: Vec<&str> = names.iter().map(String::as_str).collect();
    let p = profile(&[(&stack, [1, 1])]);
    let m = merge(&[&p, &p]).unwrap();
    assert_eq!(m.sample[0].location.len(), 1_000_000);
    assert_eq!(m.sample[0].value, vec![2, 2]);
    assert_eq!(m.location.len(), 1000);
}
