//! Graphics through the real Graphviz: `-svg` is well-formed SVG naming the hot functions, `-png`
//! is a PNG, and without `dot` on PATH the command fails with Go's message and how to install
//! Graphviz. (`-web` handing the SVG to a browser is tested in `viewer.rs`.)

use std::path::Path;
use std::process::{Command, Output};

use ferroprof_testsupport::{fixture, have_tool};

fn ferroprof(args: &[&str], input: &Path, path: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferroprof"));
    cmd.args(args).arg(input).env("TZ", "UTC");
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    cmd.output().unwrap()
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The text of every `<text>` element, in document order.
fn svg_texts(svg: &str) -> Vec<String> {
    // Graphviz declares the SVG 1.1 DTD; roxmltree reads it (without fetching anything).
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(svg, options)
        .unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    root.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::to_string)
        .collect()
}

#[test]
fn svg_is_well_formed_and_names_the_top_functions() {
    if !have_tool(
        "dot",
        "graphviz",
        "svg_is_well_formed_and_names_the_top_functions",
    ) {
        return;
    }
    let cpu = fixture("go119/cpu.pb.gz");
    let out = ferroprof(&["-svg"], &cpu, None);
    assert_success(&out);
    let svg = String::from_utf8(out.stdout).unwrap();
    let texts = svg_texts(&svg);

    // The top functions by flat weight, as -top prints them, are drawn as nodes.
    let top = ferroprof(&["-top", "-nodecount=3"], &cpu, None);
    assert_success(&top);
    let top = String::from_utf8(top.stdout).unwrap();
    let names: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("flat"))
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(5))
        .collect();
    assert_eq!(names.len(), 3, "{top}");
    for name in names {
        // Graphviz labels show the short name (package path trimmed), split over lines.
        let short = name.rsplit('/').next().unwrap();
        let last = short.rsplit('.').next().unwrap();
        assert!(
            texts.iter().any(|t| t.contains(last)),
            "{name} ({last}) not drawn; texts: {texts:?}"
        );
    }
    // The legend names the profile.
    assert!(
        texts.iter().any(|t| t.starts_with("Type: cpu")),
        "{texts:?}"
    );
}

#[test]
fn png_starts_with_the_png_signature() {
    if !have_tool("dot", "graphviz", "png_starts_with_the_png_signature") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.png");
    let cpu = fixture("go119/cpu.pb.gz");
    let out = ferroprof(&["-png", "-output", file.to_str().unwrap()], &cpu, None);
    assert_success(&out);
    let png = std::fs::read(&file).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{:?}",
        &png[..png.len().min(16)]
    );
    assert!(png.len() > 1000, "a {}-byte PNG", png.len());
}

#[test]
fn without_graphviz_fails_with_gos_message_and_how_to_install_it() {
    let empty = tempfile::tempdir().unwrap();
    let cpu = fixture("go119/cpu.pb.gz");
    let path = empty.path().to_str().unwrap();
    for format in ["-svg", "-png", "-pdf"] {
        let out = ferroprof(&[format], &cpu, Some(path));
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(out.stdout.is_empty(), "{format}");
        let err = String::from_utf8(out.stderr).unwrap();
        // Go 1.19.8 (`PATH=/nonexistent go tool pprof -svg …`) prints exactly this sentence.
        assert!(
            err.contains(
                "failed to execute dot. Is Graphviz installed? Error: exec: \"dot\": \
                 executable file not found in $PATH"
            ),
            "{format}: {err}"
        );
        assert!(err.contains("apt-get install graphviz"), "{format}: {err}");
        assert_eq!(err.lines().count(), 1, "{format}: {err}");
    }
    // -dot needs no Graphviz.
    let out = ferroprof(&["-dot"], &cpu, Some(path));
    assert_success(&out);
    assert!(out.stdout.starts_with(b"digraph"));
}

#[test]
fn web_without_a_browser_names_the_svg_it_wrote() {
    if !have_tool(
        "dot",
        "graphviz",
        "web_without_a_browser_names_the_svg_it_wrote",
    ) {
        return;
    }
    // PATH holds only `dot`: no xdg-open, chrome, firefox or sensible-browser to start.
    let bin = tempfile::tempdir().unwrap();
    let dot = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("dot"))
        .find(|d| d.is_file())
        .unwrap();
    std::os::unix::fs::symlink(&dot, bin.path().join("dot")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ferroprof"))
        .arg("-web")
        .arg(fixture("go119/cpu.pb.gz"))
        .env("PATH", bin.path())
        .env("TMPDIR", tmp.path())
        .env_remove("BROWSER")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    let written: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let svg = &written[0];
    assert_eq!(svg.extension().and_then(|e| e.to_str()), Some("svg"));
    assert!(err.contains(svg.to_str().unwrap()), "{err}");
    assert!(err.contains("set BROWSER"), "{err}");
    svg_texts(&std::fs::read_to_string(svg).unwrap());
}
