//! Operations on profiles that break the model's invariants (dangling ids, odd value counts) and
//! the fetch helpers: no panic, and dangling references count as absent.

mod ops_support;

use ferroprof_profile::ops::{
    add_fake_mapping, aggregate_granularity, compact, filter_samples_by_name, merge, prune,
    prune_from, show_from, unsource_mappings, FilterOptions, Filters, Granularity,
};
use ferroprof_profile::{FunctionId, Line, LocationId, MappingId, Profile};
use ops_support::{profile, view};
use regex::Regex;

fn dangling() -> Profile {
    let mut p = profile(&[(&["a", "main"], [1, 1]), (&["b", "main"], [2, 2])]);
    p.sample[0].location.insert(0, LocationId::new(99).unwrap());
    p.location[0].mapping_id = MappingId::new(42);
    p.location[1].line.push(Line {
        function_id: FunctionId::new(77),
        line: 1,
        column: 0,
    });
    p.sample[1].value.push(5);
    p
}

#[test]
fn merge_treats_dangling_ids_as_absent() {
    let p = dangling();
    let m = merge(&[&p, &p]).unwrap();
    assert_eq!(m.sample[0].location.len(), 2);
    assert_eq!(m.location[0].mapping_id, None);
    assert_eq!(m.location[1].line[1].function_id, None);
    assert_eq!(m.sample[0].value, vec![2, 2]);
    let c = compact(&p);
    assert_eq!(c.sample.len(), 2);
}

#[test]
fn filters_and_pruning_survive_dangling_ids() {
    let rx = |s: &str| Regex::new(s).unwrap();
    let mut p = dangling();
    filter_samples_by_name(
        &mut p,
        Some(&rx("a")),
        Some(&rx("zzz")),
        Some(&rx("main")),
        Some(&rx(".")),
    );
    let mut p = dangling();
    assert!(show_from(&mut p, &rx("main")));
    let mut p = dangling();
    prune(&mut p, &rx("^a$"), None);
    prune_from(&mut p, &rx("^main$"));
    let mut p = dangling();
    let options = FilterOptions {
        focus: "main".into(),
        tagfocus: "1kb:".into(),
        ..FilterOptions::default()
    };
    let filters = Filters::compile(&options, &Default::default()).unwrap();
    let warnings = filters.apply(&mut p);
    assert_eq!(warnings, vec!["TagFocus expression matched no samples"]);
    let mut p = dangling();
    aggregate_granularity(&mut p, Granularity::Lines, true);
    assert_eq!(p.location[1].line.len(), 1);
}

#[test]
fn a_fake_mapping_holds_every_location_of_a_profile_without_mappings() {
    let mut p = profile(&[(&["a", "main"], [1, 1])]);
    p.mapping.clear();
    for l in &mut p.location {
        l.mapping_id = None;
    }
    add_fake_mapping(&mut p);
    assert_eq!(p.mapping.len(), 1);
    assert_eq!(p.mapping[0].id.get(), 1);
    assert!(p.mapping[0].filename.is_empty());
    assert!(p
        .location
        .iter()
        .all(|l| l.mapping_id == Some(p.mapping[0].id)));
    let before = p.clone();
    add_fake_mapping(&mut p);
    assert_eq!(p, before);
    assert_eq!(
        view(&p),
        vec![("a;main".to_string(), String::new(), vec![1, 1])]
    );
}

#[test]
fn source_urls_are_cleared_from_mappings_without_build_ids() {
    let mut p = profile(&[(&["a"], [1, 1])]);
    let mut second = p.mapping[0].clone();
    second.id = MappingId::new(2).unwrap();
    p.mapping.push(second);
    let mut third = p.mapping[0].clone();
    third.id = MappingId::new(3).unwrap();
    p.mapping.push(third);
    let cases = [
        ("http://host:6060/debug/pprof/profile", "", ""),
        ("https+insecure://host/x", "abc", "https+insecure://host/x"),
        ("/usr/lib/libc.so.6", "", "/usr/lib/libc.so.6"),
    ];
    for (m, (file, build_id, _)) in p.mapping.iter_mut().zip(cases) {
        m.filename = file.into();
        m.build_id = build_id.into();
    }
    unsource_mappings(&mut p);
    let files: Vec<&str> = p.mapping.iter().map(|m| m.filename.as_str()).collect();
    assert_eq!(files, cases.map(|c| c.2));
}
