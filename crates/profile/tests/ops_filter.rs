//! Name and tag filters, show_from/prune_from, drop_frames pruning.

mod ops_support;

use ferroprof_profile::ops::{
    filter_samples_by_name, filter_samples_by_tag, filter_tags_by_name, num_label_units, prune,
    prune_from, remove_uninteresting, show_from, simplify_function_name, FilterOptions, Filters,
    NameMatches, TagFilter,
};
use ferroprof_profile::{Line, Profile};
use ops_support::{profile, total, view, with_labels};
use regex::Regex;

fn rx(s: &str) -> Regex {
    Regex::new(s).unwrap()
}

fn stacks(p: &Profile) -> Vec<String> {
    view(p).into_iter().map(|(stack, _, _)| stack).collect()
}

fn three() -> Profile {
    profile(&[
        (&["leaf", "mid", "main"], [1, 10]),
        (&["other", "mid", "main"], [2, 20]),
        (&["leaf", "main"], [3, 30]),
        (&[], [4, 40]),
    ])
}

#[test]
fn without_filters_only_empty_stacks_go() {
    let mut p = three();
    let m = filter_samples_by_name(&mut p, None, None, None, None);
    assert_eq!(
        m,
        NameMatches {
            focus: true,
            ..NameMatches::default()
        }
    );
    assert_eq!(p.sample.len(), 3);
    assert_eq!(total(&p, 1), 60);
}

#[test]
fn focus_and_ignore_select_samples() {
    let mut p = three();
    let m = filter_samples_by_name(&mut p, Some(&rx("mid")), Some(&rx("other")), None, None);
    assert!(m.focus && m.ignore);
    assert_eq!(stacks(&p), vec!["leaf;mid;main"]);
    let mut p = three();
    let m = filter_samples_by_name(&mut p, Some(&rx("nowhere")), None, None, None);
    assert!(!m.focus);
    assert!(p.sample.is_empty());
}

#[test]
fn focus_matches_file_and_mapping_names() {
    let mut p = three();
    filter_samples_by_name(&mut p, Some(&rx("^other\\.go$")), None, None, None);
    assert_eq!(stacks(&p), vec!["other;mid;main"]);
    let mut p = three();
    filter_samples_by_name(&mut p, Some(&rx("/bin/app")), None, None, None);
    assert_eq!(p.sample.len(), 3);
}

#[test]
fn hide_and_show_remove_frames_but_keep_totals_of_what_is_left() {
    let mut p = three();
    let m = filter_samples_by_name(&mut p, None, None, Some(&rx("mid")), None);
    assert!(m.hide);
    assert_eq!(stacks(&p), vec!["leaf;main", "leaf;main", "other;main"]);
    assert_eq!(total(&p, 1), 60);
    let mut p = three();
    let m = filter_samples_by_name(&mut p, None, None, None, Some(&rx("leaf")));
    assert!(m.show);
    assert_eq!(stacks(&p), vec!["leaf", "leaf"]);
    assert_eq!(total(&p, 0), 4);
}

#[test]
fn hide_and_show_work_inside_inlined_locations() {
    let mut p = profile(&[(&["inner", "outer", "main"], [1, 1])]);
    // Fold "inner" into the location of "outer" as an inlined frame.
    let inner = p.location[0].line[0];
    p.location[1].line.insert(0, inner);
    p.sample[0].location.remove(0);
    let mut hidden = p.clone();
    filter_samples_by_name(&mut hidden, None, None, Some(&rx("inner")), None);
    assert_eq!(stacks(&hidden), vec!["outer;main"]);
    let mut shown = p.clone();
    filter_samples_by_name(&mut shown, None, None, None, Some(&rx("inner|main")));
    assert_eq!(stacks(&shown), vec!["inner;main"]);
    // A line without a function survives show.
    let mut p2 = p.clone();
    p2.location[1].line.push(Line {
        function_id: None,
        line: 3,
        column: 0,
    });
    filter_samples_by_name(&mut p2, None, None, None, Some(&rx("main")));
    assert_eq!(p2.location[1].line.len(), 1);
}

#[test]
fn show_from_follows_the_go_documentation() {
    // Frames [A, B, C, B] with A the root: stored leaf first.
    let base = profile(&[(&["B", "C", "B", "A"], [1, 1])]);
    for (re, want) in [
        ("A", Some("B;C;B;A")),
        ("B", Some("B;C;B")),
        ("C", Some("B;C")),
        ("D", None),
    ] {
        let mut p = base.clone();
        let matched = show_from(&mut p, &rx(&format!("^{re}$")));
        assert_eq!(matched, want.is_some(), "{re}");
        assert_eq!(
            stacks(&p),
            want.into_iter().map(String::from).collect::<Vec<_>>(),
            "{re}"
        );
    }
}

#[test]
fn prune_and_prune_from_follow_the_go_documentation() {
    // Locations [A, B, C, B, D], D the root.
    let base = profile(&[(&["A", "B", "C", "B", "D"], [1, 1])]);
    let cases = [("A", "A;B;C;B;D", "B;C;B;D"), ("B", "B;C;B;D", "D")];
    for (re, want_from, want_prune) in cases {
        let mut p = base.clone();
        prune_from(&mut p, &rx(&format!("^{re}$")));
        assert_eq!(stacks(&p), vec![want_from], "prune_from {re}");
        let mut p = base.clone();
        prune(&mut p, &rx(&format!("^{re}$")), None);
        assert_eq!(stacks(&p), vec![want_prune], "prune {re}");
    }
    let mut p = base.clone();
    prune(&mut p, &rx("^B$"), Some(&rx("B")));
    assert_eq!(stacks(&p), vec!["A;B;C;B;D"]);
}

#[test]
fn prune_keeps_frames_before_the_first_user_frame() {
    let mut p = profile(&[(&["leaf", "drop", "root_drop"], [1, 1])]);
    prune(&mut p, &rx("^(root_drop|drop)$"), None);
    assert_eq!(stacks(&p), vec!["leaf;drop;root_drop"]);
    let mut p = profile(&[(&["leaf", "drop", "main"], [1, 1])]);
    p.drop_frames = "drop".into();
    remove_uninteresting(&mut p).unwrap();
    assert_eq!(stacks(&p), vec!["main"]);
    p.drop_frames = "(".into();
    assert!(remove_uninteresting(&mut p)
        .unwrap_err()
        .to_string()
        .starts_with("failed to compile regexp ("));
}

#[test]
fn function_names_are_simplified_for_pruning() {
    assert_eq!(simplify_function_name("foo(int, char)"), "foo");
    assert_eq!(simplify_function_name(".foo"), "foo");
    assert_eq!(
        simplify_function_name("(anonymous namespace)::f(int)"),
        "(anonymous namespace)::f"
    );
    assert_eq!(
        simplify_function_name("A::operator()(int) const"),
        "A::operator()"
    );
    assert_eq!(simplify_function_name("main.main"), "main.main");
}

fn tagged() -> Profile {
    let mut p = profile(&[(&["a"], [1, 1]), (&["b"], [2, 2]), (&["c"], [4, 4])]);
    p.sample[0] = with_labels(
        p.sample[0].clone(),
        &[("stage", "sort"), ("tenant", "beta")],
    );
    p.sample[1] = with_labels(p.sample[1].clone(), &[("stage", "encode")]);
    let sizes = [512, 65536, 2 << 20];
    for (s, size) in p.sample.iter_mut().zip(sizes) {
        s.num_label.insert("bytes".into(), vec![size]);
    }
    p
}

fn tag_filter(value: &str, p: &Profile) -> TagFilter {
    TagFilter::compile("tagfocus", value, &num_label_units(p)).unwrap()
}

#[test]
fn tag_regexps_match_key_value_pairs_or_one_key() {
    let p = tagged();
    let kept = |value: &str| {
        let mut q = p.clone();
        let f = tag_filter(value, &q);
        assert!(!f.is_range(), "{value}");
        filter_samples_by_tag(&mut q, Some(&f), None);
        stacks(&q)
    };
    assert_eq!(kept("sort"), vec!["a"]);
    assert_eq!(kept("stage:enc"), vec!["b"]);
    assert_eq!(kept("stage=sort,encode"), vec!["a", "b"]);
    assert_eq!(kept("stage,beta"), vec!["a"]);
    assert_eq!(kept("tenant=sort"), Vec::<String>::new());
}

#[test]
fn numeric_ranges_convert_units() {
    let p = tagged();
    let kept = |value: &str| {
        let mut q = p.clone();
        let f = tag_filter(value, &q);
        assert!(f.is_range(), "{value}");
        filter_samples_by_tag(&mut q, Some(&f), None);
        stacks(&q)
    };
    assert_eq!(kept("64kb"), vec!["b"]);
    assert_eq!(kept("bytes=64kb:"), vec!["b", "c"]);
    assert_eq!(kept(":1kb"), vec!["a"]);
    assert_eq!(kept("1kb:1mb"), vec!["b"]);
    assert_eq!(kept("512"), Vec::<String>::new()); // unitless range vs a value in bytes
    assert_eq!(kept("other=1kb:"), Vec::<String>::new());
    // Mismatched unit families are not ranges.
    assert!(!tag_filter("64:1mb", &p).is_range());
    assert!(!tag_filter("1kb:2ms", &p).is_range());
}

#[test]
fn tag_focus_and_ignore_report_matches() {
    let mut p = tagged();
    let focus = tag_filter("stage", &p);
    let ignore = tag_filter("encode", &p);
    let (fm, im) = filter_samples_by_tag(&mut p, Some(&focus), Some(&ignore));
    assert!(fm && im);
    assert_eq!(stacks(&p), vec!["a"]);
}

#[test]
fn tag_show_and_hide_remove_keys() {
    let mut p = tagged();
    let (sm, hm) = filter_tags_by_name(&mut p, Some(&rx("stage|bytes")), Some(&rx("bytes")));
    assert!(sm && hm);
    for s in &p.sample {
        assert!(s.num_label.is_empty() && !s.label.contains_key("tenant"));
    }
    assert_eq!(
        p.sample[0].label,
        ferroprof_profile::LabelMap::from([("stage".to_string(), vec!["sort".to_string()])])
    );
}

#[test]
fn filters_apply_in_go_order_with_go_warnings() {
    let mut p = tagged();
    let options = FilterOptions {
        focus: "^(a|b)$".into(),
        hide: "zzz".into(),
        tagfocus: "bytes=1kb:".into(),
        tagshow: "nothing".into(),
        ..FilterOptions::default()
    };
    let filters = Filters::compile(&options, &num_label_units(&p)).unwrap();
    assert_eq!(
        filters.notices(&options),
        vec!["tagfocus:Interpreted '1kb:' as range, not regexp"]
    );
    let warnings = filters.apply(&mut p);
    assert_eq!(
        warnings,
        vec![
            "Hide expression matched no samples",
            "TagShow expression matched no samples"
        ]
    );
    assert_eq!(stacks(&p), vec!["b"]);
    assert!(p.sample[0].label.is_empty());
    let bad = FilterOptions {
        ignore: "(".into(),
        ..FilterOptions::default()
    };
    let err = Filters::compile(&bad, &num_label_units(&p)).unwrap_err();
    assert!(
        err.to_string().starts_with("parsing ignore regexp: "),
        "{err}"
    );
}

#[test]
fn a_million_frames_filter_and_prune_without_recursion() {
    let names: Vec<String> = (0..1_000_000).map(|i| format!("f{}", i % 1000)).collect();
    let stack: Vec<&str> = names.iter().map(String::as_str).collect();
    let p = profile(&[(&stack, [1, 1])]);
    let mut q = p.clone();
    filter_samples_by_name(&mut q, Some(&rx("f999")), None, Some(&rx("^f1$")), None);
    assert_eq!(q.sample[0].location.len(), 999_000);
    let mut q = p.clone();
    assert!(show_from(&mut q, &rx("^f5$")));
    assert_eq!(q.sample[0].location.len(), 999_006);
    let mut q = p.clone();
    prune_from(&mut q, &rx("^f7$"));
    assert_eq!(q.sample[0].location.len(), 999_993);
    let mut q = p;
    prune(&mut q, &rx("^f3$"), None);
    assert_eq!(q.sample[0].location.len(), 996);
}
