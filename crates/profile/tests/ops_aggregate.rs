//! Granularity, sample index resolution, numeric label units and tag pseudo-frames.

mod ops_support;

use std::collections::BTreeMap;

use ferroprof_profile::ops::{
    add_label_nodes, aggregate_granularity, combine_profiles, has_file_lines, has_functions,
    num_label_units, sample_format, sample_index_by_name, Aggregation, Granularity,
};
use ferroprof_profile::{Profile, ValueType};
use ops_support::{profile, view, with_labels};

fn inlined() -> Profile {
    let mut p = profile(&[(&["inner", "outer", "main"], [1, 1])]);
    let inner = p.location[0].line[0];
    p.location[1].line.insert(0, inner);
    p.sample[0].location.remove(0);
    p.mapping[0].has_filenames = true;
    p.mapping[0].has_line_numbers = true;
    p.mapping[0].has_inline_frames = true;
    p
}

#[test]
fn granularities_blank_what_they_do_not_keep() {
    let cases = [
        (Granularity::Functions, false, ("outer", "", 0, 0)),
        (
            Granularity::FileFunctions,
            false,
            ("outer", "outer.go", 0, 0),
        ),
        (Granularity::Files, false, ("", "outer.go", 0, 0)),
        (Granularity::Lines, false, ("outer", "outer.go", 10, 0)),
        (
            Granularity::Addresses,
            true,
            ("outer", "outer.go", 10, 0x400020),
        ),
    ];
    for (g, noinlines, (name, file, line, address)) in cases {
        let mut p = inlined();
        aggregate_granularity(&mut p, g, noinlines);
        let loc = &p.location[1];
        let want_lines = if noinlines { 1 } else { 2 };
        assert_eq!(loc.line.len(), want_lines, "{g:?}");
        let last = loc.line.last().unwrap();
        let f = p
            .function
            .iter()
            .find(|f| Some(f.id) == last.function_id)
            .unwrap();
        assert_eq!(
            (f.name.as_str(), f.filename.as_str(), last.line, loc.address),
            (name, file, line, address),
            "{g:?}"
        );
        assert_eq!(p.mapping[0].has_functions, !name.is_empty(), "{g:?}");
        assert_eq!(p.mapping[0].has_inline_frames, !noinlines, "{g:?}");
    }
}

#[test]
fn addresses_with_inlines_change_nothing() {
    assert_eq!(
        Aggregation::for_granularity(Granularity::Addresses, false),
        None
    );
    let mut p = inlined();
    let before = p.clone();
    aggregate_granularity(&mut p, Granularity::Addresses, false);
    assert_eq!(p, before);
}

#[test]
fn noinlines_keeps_the_outermost_caller() {
    let mut p = inlined();
    aggregate_granularity(&mut p, Granularity::Functions, true);
    assert_eq!(view(&p)[0].0, "outer;main");
}

#[test]
fn granularity_names_round_trip() {
    for g in [
        Granularity::Functions,
        Granularity::FileFunctions,
        Granularity::Files,
        Granularity::Lines,
        Granularity::Addresses,
    ] {
        assert_eq!(Granularity::from_name(g.name()), Some(g));
    }
    assert_eq!(Granularity::from_name("bogus"), None);
}

#[test]
fn symbolization_checks_follow_mapping_flags() {
    let mut p = inlined();
    assert!(has_functions(&p) && has_file_lines(&p));
    p.mapping[0].has_line_numbers = false;
    assert!(has_functions(&p) && !has_file_lines(&p));
    for l in &mut p.location {
        l.mapping_id = None;
    }
    assert!(has_file_lines(&p));
}

fn heap_types() -> Profile {
    let mut p = profile(&[(&["a"], [1, 1])]);
    p.sample_type = vec![
        ValueType::new("alloc_objects", "count"),
        ValueType::new("alloc_space", "bytes"),
        ValueType::new("objects", "count"),
        ValueType::new("space", "bytes"),
    ];
    p.sample[0].value = vec![1, 2, 3, 4];
    p
}

#[test]
fn sample_index_by_number_name_and_default() {
    let mut p = heap_types();
    assert_eq!(sample_index_by_name(&p, "").unwrap(), 3);
    assert_eq!(sample_index_by_name(&p, "1").unwrap(), 1);
    assert_eq!(sample_index_by_name(&p, "alloc_space").unwrap(), 1);
    assert_eq!(sample_index_by_name(&p, "inuse_objects").unwrap(), 2);
    p.default_sample_type = "alloc_objects".into();
    assert_eq!(sample_index_by_name(&p, "").unwrap(), 0);
    let err = |s: &str| sample_index_by_name(&p, s).unwrap_err().to_string();
    assert_eq!(err("4"), "sample_index 4 is outside the range [0..3]");
    assert_eq!(err("-1"), "sample_index -1 is outside the range [0..3]");
    assert_eq!(
        err("bogus"),
        "sample_index \"bogus\" must be one of: [alloc_objects alloc_space objects space]"
    );
}

#[test]
fn mean_divides_by_the_count_column() {
    let p = heap_types();
    let f = sample_format(&p, "space", true).unwrap();
    assert_eq!((f.index, f.mean_divisor), (3, Some(0)));
    assert_eq!(f.sample_type, ValueType::new("mean_space", "bytes"));
    let f = sample_format(&p, "", false).unwrap();
    assert_eq!(
        (f.index, f.mean_divisor, f.sample_type.r#type.as_str()),
        (3, None, "space")
    );
    let empty = Profile::default();
    assert_eq!(
        sample_format(&empty, "", false).unwrap_err().to_string(),
        "profile has no samples"
    );
}

#[test]
fn numeric_label_units_take_the_first_and_report_the_rest() {
    let mut p = profile(&[(&["a"], [1, 1]), (&["b"], [1, 1]), (&["c"], [1, 1])]);
    let set = |s: &mut ferroprof_profile::Sample, key: &str, unit: &str| {
        s.num_label.insert(key.into(), vec![1]);
        if !unit.is_empty() {
            s.num_unit.insert(key.into(), vec![unit.into()]);
        }
    };
    set(&mut p.sample[0], "size", "bytes");
    set(&mut p.sample[1], "size", "kilobytes");
    set(&mut p.sample[2], "size", "megabytes");
    set(&mut p.sample[0], "request", "");
    set(&mut p.sample[1], "hits", "");
    let units = num_label_units(&p);
    let want: BTreeMap<String, String> =
        [("size", "bytes"), ("request", "bytes"), ("hits", "hits")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    assert_eq!(units.units, want);
    assert_eq!(
        units.warnings(),
        vec!["For tag size used unit bytes, also encountered unit(s) kilobytes, megabytes"]
    );
}

#[test]
fn tag_roots_and_leaves_become_pseudo_frames() {
    let mut p = profile(&[(&["a", "main"], [1, 1]), (&["b", "main"], [1, 1])]);
    p.sample[0] = with_labels(p.sample[0].clone(), &[("stage", "sort"), ("tenant", "x")]);
    p.sample[1].num_label.insert("bytes".into(), vec![2048]);
    p.sample[1]
        .num_unit
        .insert("bytes".into(), vec!["bytes".into()]);
    let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let (rm, lm) = add_label_nodes(&mut p, &keys(&["stage", "tenant"]), &keys(&["bytes"]), "kB");
    assert!(rm && lm);
    let stacks: Vec<String> = view(&p).into_iter().map(|(s, _, _)| s).collect();
    assert_eq!(stacks, vec!["2kB;b;main;;", ";a;main;x;sort"]);
    // Pseudo ids follow the largest existing ones; equal (name, key) pairs are shared.
    assert_eq!(p.location.len(), 3 + 6);
    assert_eq!(p.location[3].id.get(), 4);
    let files: Vec<&str> = p.function[3..]
        .iter()
        .map(|f| f.filename.as_str())
        .collect();
    assert_eq!(
        files,
        vec!["tenant", "stage", "bytes", "tenant", "stage", "bytes"]
    );
}

#[test]
fn combining_profiles_in_different_units_fails_with_go_text() {
    let a = profile(&[(&["a"], [1, 1])]);
    let mut b = a.clone();
    b.period_type = Some(ValueType::new("space", "bytes"));
    let err = combine_profiles(&mut [a, b]).unwrap_err().to_string();
    assert_eq!(
        err,
        "period type: incompatible types: {cpu nanoseconds 0 0} {space bytes 0 0}"
    );
}
