//! The web UI in headless Chromium: every view draws, the flame graph zooms on click, search
//! highlights, the refine menu focuses, and a hostile profile runs nothing (RELIABILITY.md W1).
//! Each scenario gets one retry; screenshots go to `target/browsertests/`.

use std::net::SocketAddr;

use ferroprof_browsertests::webdriver::Browser;
use ferroprof_browsertests::{artifact_dir, fixture_profile, have_browser, serve};
use serde_json::json;

#[path = "../../driver/tests/webui_support/hostile.rs"]
mod hostile;

const CPU: &str = "go119/cpu.pb.gz";

/// Runs `scenario` in a fresh browser, once more if it fails.
fn with_retry(name: &str, scenario: impl Fn(&Browser) -> Result<(), String>) {
    if !have_browser(name) {
        return;
    }
    let mut last = String::new();
    for attempt in 1..=2 {
        match Browser::start().and_then(|b| scenario(&b)) {
            Ok(()) => return,
            Err(e) => {
                eprintln!("{name}: attempt {attempt} failed: {e}");
                last = e;
            }
        }
    }
    panic!("{name}: {last}");
}

fn shot(b: &Browser, name: &str) -> Result<(), String> {
    b.screenshot(&artifact_dir().join(format!("{name}.png")))
}

fn ensure(cond: bool, what: &str) -> Result<(), String> {
    cond.then_some(()).ok_or_else(|| what.to_string())
}

fn ui(addr: SocketAddr, view: &str) -> String {
    format!("http://{addr}/ui/{view}")
}

#[test]
fn every_view_draws() {
    let dir = tempfile::tempdir().unwrap();
    let addr = serve(fixture_profile(CPU), dir.path());
    let graphviz = ferroprof_testsupport::have_tool("dot", "graphviz", "browser graph view");
    with_retry("every_view_draws", |b| {
        let views = [
            ("top", "document.querySelectorAll('#toptable tbody tr').length > 3"),
            ("graph", "document.querySelectorAll('#graph g.node').length > 3"),
            ("flamegraph", "document.body.dataset.flameDrawn && document.getElementById('flame-canvas').height > 50"),
            ("peek?f=sort.partition", "document.querySelector('pre.listing').textContent.includes('sort.partition')"),
            ("source?f=sort.partition", "document.querySelectorAll('details.routine').length > 0"),
            ("disasm?f=sort.partition", "document.body.innerText.includes('no matches found')"),
        ];
        for (view, drawn) in views {
            if view == "graph" && !graphviz {
                continue;
            }
            b.goto(&ui(addr, view))?;
            b.wait_for(drawn, 30).map_err(|e| format!("{view}: {e}"))?;
            shot(b, view.split('?').next().unwrap_or(view))?;
        }
        Ok(())
    });
}

#[test]
fn flame_graph_zooms_on_click_and_searches() {
    let dir = tempfile::tempdir().unwrap();
    let addr = serve(fixture_profile(CPU), dir.path());
    with_retry("flame_graph_zooms", |b| {
        b.goto(&ui(addr, "flamegraph"))?;
        b.wait_for("document.body.dataset.flameDrawn", 30)?;
        let canvas = b.find("#flame-canvas")?;
        let size = b.eval(
            "const c = document.getElementById('flame-canvas').getBoundingClientRect(); return [c.width, c.height];",
            json!([]),
        )?;
        let (w, h) = (
            size[0].as_f64().unwrap_or(0.0) as i64,
            size[1].as_f64().unwrap_or(0.0) as i64,
        );
        // Row 1 (below the root), near the left edge: the largest child of the root.
        b.pointer(&canvas, 4 - w / 2, 27 - h / 2, None)?;
        let hover = b.eval(
            "return document.getElementById('flame-hover').textContent",
            json!([]),
        )?;
        ensure(
            hover.as_str().unwrap_or("").contains("total"),
            "hover shows values",
        )?;
        let before = b.eval(
            "return document.getElementById('flame-canvas').height",
            json!([]),
        )?;
        b.pointer(&canvas, 4 - w / 2, 27 - h / 2, Some(0))?;
        let zoom = b.wait_for("document.getElementById('flame-canvas').dataset.zoom", 10)?;
        ensure(zoom.as_str() != Some("root"), "zoomed into a frame")?;
        let after = b.eval(
            "return document.getElementById('flame-canvas').height",
            json!([]),
        )?;
        ensure(after != json!(0) && before != json!(0), "canvas drawn")?;
        shot(b, "flamegraph-zoomed")?;
        let url = b.url()?;
        ensure(
            url.contains("p=%5E"),
            &format!("the zoom is a pivot in the URL: {url}"),
        )?;
        b.goto(&url)?;
        let again = b.wait_for("document.getElementById('flame-canvas').dataset.zoom", 30)?;
        ensure(
            again == zoom,
            &format!("the URL reproduces the zoom: {again} vs {zoom}"),
        )?;
        let canvas = b.find("#flame-canvas")?;
        b.pointer(&canvas, 4 - w / 2, 27 - h / 2, Some(2))?;
        let source = b.wait_for(
            "!document.getElementById('flame-menu').hidden && document.querySelector('#flame-menu a').href",
            10,
        )?;
        ensure(
            source.as_str().unwrap_or("").contains("/ui/source?f=%5E"),
            &format!("the context menu links to the frame's source: {source}"),
        )?;
        shot(b, "flamegraph-menu")?;
        b.click(&b.find("#search")?)?;
        let search = b.find("#search")?;
        b.type_text(&search, "sort")?;
        b.wait_for(
            "document.getElementById('flame-hover').textContent.startsWith('matched')",
            10,
        )?;
        shot(b, "flamegraph-search")
    });
}

#[test]
fn search_highlights_and_refine_focus_changes_the_view() {
    let dir = tempfile::tempdir().unwrap();
    let addr = serve(fixture_profile(CPU), dir.path());
    with_retry("refine_focus", |b| {
        b.goto(&ui(addr, "top"))?;
        let rows_before = b.eval(
            "return document.querySelectorAll('#toptable tbody tr').length",
            json!([]),
        )?;
        let search = b.find("#search")?;
        b.type_text(&search, "sort\\.")?;
        let lit = b.wait_for(
            "document.querySelectorAll('#toptable tr.hilite').length",
            10,
        )?;
        let want = b.eval(
            "return Array.from(document.querySelectorAll('#toptable tbody tr')).filter(r => /sort\\./.test(r.cells[5].textContent)).length",
            json!([]),
        )?;
        ensure(
            lit == want,
            &format!("highlighted {lit} rows, {want} match"),
        )?;
        shot(b, "top-search")?;
        let row = b.find("#toptable tbody tr:nth-child(3) td.name")?;
        let name = b.eval(
            "return document.querySelector('#toptable tbody tr:nth-child(3) td.name').textContent",
            json!([]),
        )?;
        b.click(&row)?;
        b.click(&b.find("#menu-refine .menu-title")?)?;
        b.click(&b.find("#focus")?)?;
        b.wait_for("location.search.includes('f=')", 30)?;
        let url = b.url()?;
        let name = name.as_str().unwrap_or_default().to_string();
        ensure(url.contains("/ui/top?"), &format!("stays on top: {url}"))?;
        let legend = b.eval(
            "return document.getElementById('detailsbox').textContent",
            json!([]),
        )?;
        ensure(
            legend
                .as_str()
                .unwrap_or("")
                .contains(&format!("focus=^{}$", name.replace('.', "\\."))),
            &format!("legend names the focus on {name}: {legend}"),
        )?;
        let rows_after = b.eval(
            "return document.querySelectorAll('#toptable tbody tr').length",
            json!([]),
        )?;
        ensure(rows_after != rows_before, "the focused table differs")?;
        shot(b, "top-focused")
    });
}

#[test]
fn hostile_profile_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let addr = serve(hostile::hostile_profile(), dir.path());
    let graphviz = ferroprof_testsupport::have_tool("dot", "graphviz", "browser hostile graph");
    with_retry("hostile_profile", |b| {
        for view in [
            "top",
            "graph",
            "flamegraph",
            "peek?f=.",
            "source?f=.",
            "disasm",
        ] {
            if view == "graph" && !graphviz {
                continue;
            }
            b.goto(&ui(addr, view))?;
            if view == "flamegraph" {
                b.wait_for("document.body.dataset.flameDrawn", 30)?;
                let canvas = b.find("#flame-canvas")?;
                for y in [9, 27, 45, 63, 81, 99] {
                    b.pointer(&canvas, 0, y - 60, None)?;
                }
            }
            if view == "graph" {
                let node = b.find("#graph g#node2")?;
                b.pointer(&node, 0, 0, Some(0))?;
            }
            let search = b.find("#search")?;
            b.type_text(&search, hostile::PAYLOADS[1])?;
            std::thread::sleep(std::time::Duration::from_millis(400));
            if let Some(text) = b.open_dialog() {
                return Err(format!("{view}: a dialog opened: {text}"));
            }
            let pwned = b.eval("return window.pwned === undefined", json!([]))?;
            ensure(pwned == json!(true), &format!("{view}: a payload ran"))?;
            let text = b.eval("return document.body.innerText", json!([]))?;
            if view == "top" {
                ensure(
                    text.as_str().unwrap_or("").contains("onerror="),
                    "payloads show as text",
                )?;
            }
            shot(
                b,
                &format!("hostile-{}", view.split('?').next().unwrap_or(view)),
            )?;
        }
        Ok(())
    });
}

#[test]
fn configs_save_load_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let addr = serve(fixture_profile(CPU), dir.path());
    let settings = dir.path().join("pprof/settings.json");
    with_retry("configs", |b| {
        b.goto(&ui(addr, "top?f=sort&n=5"))?;
        b.click(&b.find("#menu-config .menu-title")?)?;
        b.click(&b.find("#save-config")?)?;
        b.type_text(&b.find("#config-name")?, "sorting")?;
        b.click(&b.find("#config-save")?)?;
        b.wait_for(
            "Array.from(document.querySelectorAll('.config a')).some(a => a.textContent === '\u{2713} sorting')",
            30,
        )?;
        let saved = std::fs::read_to_string(&settings).map_err(|e| e.to_string())?;
        ensure(saved.contains("\"focus\": \"sort\""), &saved)?;
        b.goto(&ui(addr, "flamegraph"))?;
        b.click(&b.find("#menu-config .menu-title")?)?;
        b.click(&b.find(".config a")?)?;
        b.wait_for("location.search.includes('f=sort')", 30)?;
        shot(b, "config-loaded")?;
        b.click(&b.find("#menu-config .menu-title")?)?;
        b.click(&b.find(".delete-config")?)?;
        b.wait_for("document.querySelectorAll('.config').length === 0", 30)?;
        let left = std::fs::read_to_string(&settings).map_err(|e| e.to_string())?;
        ensure(!left.contains("sorting"), &left)
    });
}

#[test]
fn top_sorts_by_column_and_graph_nodes_select() {
    let dir = tempfile::tempdir().unwrap();
    let addr = serve(fixture_profile(CPU), dir.path());
    let graphviz = ferroprof_testsupport::have_tool("dot", "graphviz", "browser graph selection");
    with_retry("sort_and_select", |b| {
        b.goto(&ui(addr, "top"))?;
        b.click(&b.find("#toptable th[data-key=\"5\"]")?)?;
        let sorted = b.eval(
            "const names = Array.from(document.querySelectorAll('#toptable td.name'), (c) => c.textContent);\
             return names.length > 3 && names.every((n, i) => i === 0 || names[i - 1] <= n);",
            json!([]),
        )?;
        ensure(sorted == json!(true), "rows sorted by name")?;
        b.click(&b.find("#toptable th[data-key=\"3\"]")?)?;
        let by_cum = b.eval(
            "const cum = Array.from(document.querySelectorAll('#toptable tbody tr'), (r) => parseFloat(r.cells[4].textContent));\
             return cum.every((c, i) => i === 0 || cum[i - 1] >= c);",
            json!([]),
        )?;
        ensure(by_cum == json!(true), "rows sorted by cum")?;
        shot(b, "top-sorted")?;
        if !graphviz {
            return Ok(());
        }
        b.goto(&ui(addr, "graph"))?;
        b.pointer(&b.find("#graph g#node2")?, 0, 0, Some(0))?;
        b.wait_for(
            "document.querySelector('#graph g#node2').classList.contains('selected')",
            10,
        )?;
        shot(b, "graph-selected")
    });
}
