//! Tests beside the flag table: every flag in each of Go's spellings, bad values and override
//! order, then what the options do to the [`Config`](crate::Config).

use super::*;
use crate::error::FlagError;

fn parse(args: &[&str]) -> Result<LowArgs, FlagError> {
    parse_args(args.iter().copied())
}

/// A valid value of each kind, its parsed form, and a value the kind rejects.
fn sample(kind: Kind) -> (&'static str, Value, Option<&'static str>) {
    match kind {
        Kind::Bool => ("false", Value::Bool(false), Some("maybe")),
        Kind::Int => ("10", Value::Int(10), Some("ten")),
        Kind::Float => ("0.25", Value::Float(0.25), Some("quarter")),
        Kind::Text => ("x.y", Value::Text("x.y".into()), None),
    }
}

#[test]
fn every_flag_parses_in_each_spelling() {
    for flag in FLAGS.iter().filter(|f| f.is_command_line_flag()) {
        let (text, value, _) = sample(flag.kind);
        let n = flag.name;
        for args in [vec![format!("-{n}={text}")], vec![format!("--{n}={text}")]] {
            let low = parse(&args.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
            assert_eq!(low.value(n), Some(&value), "{args:?}");
        }
        if flag.kind != Kind::Bool {
            let low = parse(&[&format!("-{n}"), text, "src"]).unwrap();
            assert_eq!(low.value(n), Some(&value), "-{n} {text}");
            assert_eq!(low.positional, ["src"]);
        }
    }
}

#[test]
fn every_flag_rejects_a_bad_value_and_needs_its_value() {
    for flag in FLAGS.iter().filter(|f| f.is_command_line_flag()) {
        let (_, _, bad) = sample(flag.kind);
        let n = flag.name;
        if let Some(bad) = bad {
            let err = parse(&[&format!("-{n}={bad}")]).unwrap_err();
            assert!(
                matches!(err, FlagError::BadValue { flag, .. } if flag == n),
                "-{n}={bad}"
            );
        }
        if flag.kind != Kind::Bool {
            let err = parse(&[&format!("-{n}")]).unwrap_err();
            assert!(
                matches!(err, FlagError::MissingValue(ref m) if m == n),
                "-{n}"
            );
        }
    }
}

#[test]
fn every_flag_keeps_its_last_value() {
    for flag in FLAGS.iter().filter(|f| f.is_command_line_flag()) {
        let n = flag.name;
        let (first, last, want) = match flag.kind {
            Kind::Bool => ("true", "false", Value::Bool(false)),
            Kind::Int => ("1", "2", Value::Int(2)),
            Kind::Float => ("1.5", "2.5", Value::Float(2.5)),
            Kind::Text => ("a", "b", Value::Text("b".into())),
        };
        let low = parse(&[&format!("-{n}={first}"), &format!("--{n}={last}")]).unwrap();
        assert_eq!(low.value(n), Some(&want), "-{n}");
        assert_eq!(low.final_values().filter(|(f, _)| f.name == n).count(), 1);
    }
}

#[test]
fn bool_flags_take_values_only_after_equals() {
    let low = parse(&["-trim", "false", "p.pb"]).unwrap();
    assert_eq!(low.value("trim"), Some(&Value::Bool(true)));
    assert_eq!(low.positional, ["false", "p.pb"]);
    for (text, want) in [
        ("1", true),
        ("t", true),
        ("TRUE", true),
        ("F", false),
        ("False", false),
    ] {
        let low = parse(&[&format!("-trim={text}")]).unwrap();
        assert_eq!(low.value("trim"), Some(&Value::Bool(want)), "{text}");
    }
}

#[test]
fn flags_stop_at_the_first_source_and_after_double_dash() {
    let low = parse(&["-top", "a.pb", "-raw", "b.pb"]).unwrap();
    assert!(low.value("raw").is_none());
    assert_eq!(low.positional, ["a.pb", "-raw", "b.pb"]);
    let low = parse(&["-top", "--", "-raw"]).unwrap();
    assert_eq!(low.positional, ["-raw"]);
    let low = parse(&["-top", "-", "x"]).unwrap();
    assert_eq!(low.positional, ["-", "x"]);
}

#[test]
fn go_flag_errors() {
    assert!(matches!(parse(&["-nosuchflag"]), Err(FlagError::Unknown(n)) if n == "nosuchflag"));
    // No clustering: -tc is one (unknown) flag, not -t -c.
    assert!(matches!(parse(&["-tc"]), Err(FlagError::Unknown(_))));
    // Multiple-choice options are set through their choices, as in Go.
    assert!(matches!(parse(&["-sort=cum"]), Err(FlagError::Unknown(_))));
    assert!(matches!(
        parse(&["-granularity=lines"]),
        Err(FlagError::Unknown(_))
    ));
    assert!(matches!(parse(&["---top"]), Err(FlagError::BadSyntax(_))));
    assert!(matches!(parse(&["-=1"]), Err(FlagError::BadSyntax(_))));
    assert!(parse(&["-help"]).unwrap().help);
    assert!(parse(&["--h"]).unwrap().help);
    let err = parse(&["-nodecount=x"]).unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid value \"x\" for flag -nodecount: expected an integer"
    );
}

#[test]
fn integers_and_floats_use_go_syntax() {
    use super::parse::parse_go_int;
    assert_eq!(parse_go_int("0x10"), Some(16));
    assert_eq!(parse_go_int("010"), Some(8));
    assert_eq!(parse_go_int("0b101"), Some(5));
    assert_eq!(parse_go_int("-1"), Some(-1));
    assert_eq!(parse_go_int("+7"), Some(7));
    assert_eq!(parse_go_int("1_000"), Some(1000));
    assert_eq!(parse_go_int("1__0"), None);
    assert_eq!(parse_go_int("--1"), None);
    assert_eq!(parse_go_int(""), None);
    assert_eq!(parse_go_int("99999999999999999999"), None);
    assert_eq!(parse_go_float("1e-3"), Some(0.001));
    assert_eq!(parse_go_float(".5"), Some(0.5));
    assert_eq!(parse_go_float("Inf"), Some(f64::INFINITY));
    assert_eq!(parse_go_float("0x1p3"), None);
    assert_eq!(parse_go_float("1.5.2"), None);
    assert_eq!(parse_go_float("1_000.5"), None);
}

#[test]
fn the_table_has_no_duplicate_names_and_options_are_settable() {
    let mut names: Vec<_> = FLAGS.iter().map(|f| f.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
    // Every option reads back what the shell sets.
    let mut config = crate::Config::default();
    for flag in FLAGS {
        if let Role::Option { get, .. } = flag.role {
            let (text, _, _) = sample(flag.kind);
            let text = match flag.name {
                "sort" => "cum",
                "granularity" => "lines",
                "sample_index" => "1",
                "output" => "out.txt",
                _ => text,
            };
            config
                .set(flag.name, text)
                .unwrap_or_else(|e| panic!("{}: {e}", flag.name));
            assert_eq!(get(&config).display(), text, "{}", flag.name);
        }
    }
}

#[test]
fn go_float_display_matches_fmt_sprint() {
    assert_eq!(Value::Float(0.005).display(), "0.005");
    assert_eq!(Value::Float(1.0).display(), "1");
    assert_eq!(Value::Float(1e21).display(), "1e+21");
    assert_eq!(Value::Float(1e-5).display(), "1e-05");
}
