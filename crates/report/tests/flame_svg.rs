//! `-flame` and `-folded` on hand-made profiles and a fixture: the SVG parses as XML, has one
//! frame per stack node with a width proportional to its value, escapes names and colours a
//! diff by sign; folded stacks add up to the profile's total.

use ferroprof_profile::{
    parse, Function, FunctionId, Limits, Line, Location, LocationId, Profile, Sample, ValueType,
};
use ferroprof_report::{compute_total, generate, OutputFormat, ReportOptions};

/// A profile of `(stack, value)` samples, stacks written root first as `a;b;c`.
fn profile(samples: &[(&str, i64)]) -> Profile {
    let mut p = Profile {
        sample_type: vec![ValueType::new("cpu", "nanoseconds")],
        ..Profile::default()
    };
    let mut names: Vec<String> = Vec::new();
    for (stack, value) in samples {
        let mut location = Vec::new();
        for name in stack.split(';').rev() {
            let i = match names.iter().position(|n| n == name) {
                Some(i) => i,
                None => {
                    names.push(name.to_string());
                    names.len() - 1
                }
            } as u64
                + 1;
            if p.location.len() < i as usize {
                let mut f = Function::new(FunctionId::new(i).unwrap());
                f.name = name.to_string();
                p.function.push(f);
                let mut loc = Location::new(LocationId::new(i).unwrap());
                loc.line.push(Line {
                    function_id: Some(FunctionId::new(i).unwrap()),
                    line: 0,
                    column: 0,
                });
                p.location.push(loc);
            }
            location.push(LocationId::new(i).unwrap());
        }
        p.sample.push(Sample {
            location,
            value: vec![*value],
            ..Sample::default()
        });
    }
    p
}

fn render(p: &Profile, format: OutputFormat) -> String {
    render_in(p, format, "minimum")
}

fn render_in(p: &Profile, format: OutputFormat, unit: &str) -> String {
    let mut opts = ReportOptions::for_sample_index(p, 0);
    opts.output_format = format;
    opts.output_unit = unit.to_string();
    let mut out = Vec::new();
    generate(p, &opts, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Every frame of the SVG: (full name, tooltip, rect width, fill).
fn frames(svg: &str) -> Vec<(String, String, f64, String)> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.attribute("class") == Some("f"))
        .map(|g| {
            let child = |tag: &str| g.children().find(|c| c.has_tag_name(tag)).unwrap();
            let rect = child("rect");
            (
                g.attribute("data-n").unwrap().to_string(),
                child("title").text().unwrap().to_string(),
                rect.attribute("width").unwrap().parse().unwrap(),
                rect.attribute("fill").unwrap().to_string(),
            )
        })
        .collect()
}

fn frame<'a>(
    all: &'a [(String, String, f64, String)],
    name: &str,
) -> &'a (String, String, f64, String) {
    all.iter().find(|f| f.0 == name).unwrap()
}

#[test]
fn one_frame_per_stack_node_with_widths_proportional_to_values() {
    let p = profile(&[
        ("main.a;main.b", 30),
        ("main.a;main.c", 10),
        ("main.d", 60),
        ("main.a;main.b", 0),
    ]);
    let all = frames(&render(&p, OutputFormat::Flame));
    let names: Vec<&str> = all.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names.len(), 5, "root, a, b, c, d: {names:?}");
    // 1180 pixels between the paddings hold the root's 100ns.
    for (name, value) in [
        ("root", 100.0),
        ("main.a", 40.0),
        ("main.b", 30.0),
        ("main.c", 10.0),
        ("main.d", 60.0),
    ] {
        let width = frame(&all, name).2;
        assert!((width - value * 11.8).abs() < 0.01, "{name}: {width}");
    }
    assert!(
        frame(&all, "main.b").1.contains("30ns, 30.00%"),
        "{}",
        frame(&all, "main.b").1
    );
}

#[test]
fn output_is_deterministic_and_colours_come_from_names() {
    let p = profile(&[("main.a;main.b", 30), ("x.y;main.b", 10)]);
    let svg = render(&p, OutputFormat::Flame);
    assert_eq!(svg, render(&p, OutputFormat::Flame));
    let all = frames(&svg);
    let fills: Vec<&str> = all
        .iter()
        .filter(|f| f.0 == "main.b")
        .map(|f| f.3.as_str())
        .collect();
    assert_eq!(fills.len(), 2);
    assert_eq!(fills[0], fills[1], "one name, one colour");
    assert_ne!(frame(&all, "main.a").3, frame(&all, "x.y").3);
}

#[test]
fn hostile_names_are_escaped() {
    let evil = "</text><script>alert(1)</script>&\"'\u{1}";
    let p = profile(&[(&format!("main.a;{evil}"), 5)]);
    let svg = render(&p, OutputFormat::Flame);
    assert!(!svg.contains("<script>alert"));
    let all = frames(&svg);
    assert!(all
        .iter()
        .any(|f| f.0 == "</text><script>alert(1)</script>&\"'\u{fffd}"));
}

#[test]
fn a_diff_is_coloured_by_the_sign_of_each_frames_change() {
    let p = profile(&[("main.a;main.grew", 30), ("main.a;main.shrank", -20)]);
    let svg = render(&p, OutputFormat::Flame);
    assert!(svg.contains("Differential flame graph"));
    let all = frames(&svg);
    let rgb = |name: &str| {
        let fill = &frame(&all, name).3;
        let v: Vec<u32> = fill[4..fill.len() - 1]
            .split(',')
            .map(|c| c.parse().unwrap())
            .collect();
        v
    };
    let (grew, shrank) = (rgb("main.grew"), rgb("main.shrank"));
    assert!(grew[0] == 255 && grew[2] < 255, "red: {grew:?}");
    assert!(shrank[2] == 255 && shrank[0] < 255, "blue: {shrank:?}");
    // Both sides take room: the root is 50ns wide.
    assert!((frame(&all, "root").2 - 1180.0).abs() < 0.01);
    assert!((frame(&all, "main.shrank").2 - 20.0 * 1180.0 / 50.0).abs() < 0.01);
}

#[test]
fn folded_stacks_add_up_to_the_total_and_name_known_stacks() {
    let data = std::fs::read(ferroprof_testsupport::fixture(
        "google-pprof/internal/report/testdata/sample.cpu",
    ))
    .unwrap();
    let p = parse(&data, &Limits::default()).unwrap();
    for index in 0..p.sample_type.len() {
        let mut opts = ReportOptions::for_sample_index(&p, index);
        opts.output_format = OutputFormat::Folded;
        let mut out = Vec::new();
        generate(&p, &opts, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let sum: i64 = text
            .lines()
            .map(|l| l.rsplit_once(' ').unwrap().1.parse::<i64>().unwrap())
            .sum();
        assert_eq!(sum, compute_total(&p, &opts), "sample index {index}");
        assert!(text
            .lines()
            .any(|l| l.starts_with("runtime.main;main.main;main.busyLoop;")));
    }
}

#[test]
fn folded_merges_equal_stacks_and_drops_the_root() {
    let p = profile(&[("main.a;main.b", 30), ("main.a;main.b", 12), ("main.a", 5)]);
    assert_eq!(
        render(&p, OutputFormat::Folded),
        "main.a;main.b 42\nmain.a 5\n"
    );
}

#[test]
fn tooltips_are_in_the_reports_unit() {
    let p = profile(&[("main.a", 30)]);
    let all = frames(&render_in(&p, OutputFormat::Flame, "us"));
    assert!(
        frame(&all, "main.a").1.contains("0.03us, 100%"),
        "{}",
        frame(&all, "main.a").1
    );
}
