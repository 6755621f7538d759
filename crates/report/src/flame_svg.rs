//! `-flame`: a self-contained interactive SVG flame graph of the report's stacks
//! ([`crate::stacks`]), root at the bottom, children ordered by name as `flamegraph.pl` does.
//!
//! Every frame is a `<g class="f">` holding a `<title>` tooltip (value and percentage), a
//! `<rect>` whose width is proportional to the frame's value, and a label. An inline script
//! zooms into a clicked frame, searches by regexp and highlights matches. Colours are seeded by
//! a hash of the frame's name, so the output is deterministic; a profile with a diff base's
//! (negative) samples is coloured by the sign of each frame's net change instead: red grew,
//! blue shrank.

use std::collections::HashMap;
use std::io::Write;

use crate::markup::escape;
use crate::measurement;
use crate::report::Report;
use crate::stacks::{stack_set, StackSet};
use crate::Result;

/// The width of the image, padding included.
const WIDTH: f64 = 1200.0;
/// The padding left and right of the frames.
const PAD: f64 = 10.0;
/// The height of one frame.
const FRAME_HEIGHT: f64 = 16.0;
/// The space above the frames (title, search and reset).
const HEADER: f64 = 40.0;
/// The space below the frames (the details line).
const FOOTER: f64 = 30.0;
/// The average width of a character of the 12px label font.
const CHAR_WIDTH: f64 = 12.0 * 0.59;

/// One frame of the graph: a distinct path from the root.
struct Node {
    source: u32,
    depth: usize,
    /// The sum of the positive values through this frame.
    grew: i64,
    /// The sum of the negative values (a diff base's) through this frame.
    shrank: i64,
    children: HashMap<u32, usize>,
    /// The offset from the left edge, in units of value.
    offset: i64,
}

impl Node {
    fn weight(&self) -> i64 {
        self.grew - self.shrank
    }
}

/// Writes the report's flame graph as SVG.
pub fn write_flame_svg(rpt: &Report<'_>, out: &mut dyn Write) -> Result<()> {
    let set = stack_set(rpt);
    let mut nodes = build(&set);
    layout(&mut nodes, &set);
    let diff = set.stacks.iter().any(|s| s.value < 0);
    let levels = nodes.iter().map(|n| n.depth).max().unwrap_or(0) + 1;
    let height = HEADER + levels as f64 * FRAME_HEIGHT + FOOTER;
    write_header(out, height, &set, diff)?;
    let style = Style {
        set: &set,
        rpt,
        scale: (WIDTH - 2.0 * PAD) / nodes[0].weight().max(1) as f64,
        root_weight: nodes[0].weight().max(1) as f64,
        top: HEADER + (levels - 1) as f64 * FRAME_HEIGHT,
        diff,
    };
    out.write_all(b"<g id=\"frames\">\n")?;
    for node in &nodes {
        write_frame(out, node, &style)?;
    }
    out.write_all(b"</g>\n</svg>\n")?;
    Ok(())
}

/// The frames as a tree: node 0 is the root, and every node comes after its parent.
fn build(set: &StackSet) -> Vec<Node> {
    let node = |source, depth| Node {
        source,
        depth,
        grew: 0,
        shrank: 0,
        children: HashMap::new(),
        offset: 0,
    };
    let mut nodes = vec![node(0, 0)];
    for stack in &set.stacks {
        let mut at = 0;
        let add = |n: &mut Node| {
            if stack.value > 0 {
                n.grew += stack.value;
            } else {
                n.shrank += stack.value;
            }
        };
        add(&mut nodes[0]);
        for &source in stack.sources.iter().skip(1) {
            let next = nodes.len();
            let child = *nodes[at].children.entry(source).or_insert(next);
            if child == next {
                nodes.push(node(source, nodes[at].depth + 1));
            }
            add(&mut nodes[child]);
            at = child;
        }
    }
    nodes
}

/// Places every node's children side by side, ordered by name, from the node's own offset.
/// Parents precede children, so one pass in index order places every node.
fn layout(nodes: &mut [Node], set: &StackSet) {
    for i in 0..nodes.len() {
        let mut children: Vec<usize> = nodes[i].children.values().copied().collect();
        let name = |n: &Node| &set.sources[n.source as usize].full_name;
        children.sort_by(|&a, &b| name(&nodes[a]).cmp(name(&nodes[b])).then(a.cmp(&b)));
        let mut offset = nodes[i].offset;
        for c in children {
            nodes[c].offset = offset;
            offset += nodes[c].weight();
        }
    }
}

/// What every frame's drawing needs.
struct Style<'a> {
    set: &'a StackSet,
    rpt: &'a Report<'a>,
    /// Pixels per unit of value.
    scale: f64,
    root_weight: f64,
    /// The y of the root frame.
    top: f64,
    diff: bool,
}

fn write_frame(out: &mut dyn Write, node: &Node, style: &Style<'_>) -> Result<()> {
    let source = &style.set.sources[node.source as usize];
    let name = &source.full_name;
    let x = PAD + node.offset as f64 * style.scale;
    let width = node.weight() as f64 * style.scale;
    let y = style.top - node.depth as f64 * FRAME_HEIGHT;
    let inline = if source.inlined { " (inline)" } else { "" };
    writeln!(
        out,
        "<g class=\"f\" data-n=\"{n}\" data-x=\"{fx}\" data-w=\"{fw}\"><title>{n}{inline} ({tip})\
         </title><rect x=\"{x:.3}\" y=\"{y:.1}\" width=\"{width:.3}\" height=\"{h:.1}\" \
         fill=\"{fill}\" rx=\"2\" ry=\"2\"/><text x=\"{tx:.3}\" y=\"{ty:.1}\">{label}</text></g>",
        n = escape(name),
        fx = node.offset as f64 / style.root_weight,
        fw = node.weight() as f64 / style.root_weight,
        tip = escape(&tooltip(node, style)),
        h = FRAME_HEIGHT - 1.0,
        fill = if style.diff {
            diff_color(node)
        } else {
            name_color(name)
        },
        tx = x + 3.0,
        ty = y + 10.5,
        label = escape(&fit(name, width)),
    )?;
    Ok(())
}

/// `1.20s, 35.00%` (in the report's `-unit`, after `-divide_by`), or for a diff `+1.20s, -0.50s, 12.50%` (the percentage of the net change).
fn tooltip(node: &Node, style: &Style<'_>) -> String {
    let label = |v: i64| style.rpt.format_value(v);
    let total = style.set.total;
    if style.diff {
        let net = node.grew + node.shrank;
        format!(
            "+{}, {}, net {}",
            label(node.grew),
            label(node.shrank),
            measurement::percentage(net, total).trim()
        )
    } else {
        let value = node.grew;
        format!(
            "{}, {}",
            label(value),
            measurement::percentage(value, total).trim()
        )
    }
}

/// The label that fits in `width` pixels: the name, cut short with `..`, or nothing.
fn fit(name: &str, width: f64) -> String {
    let room = ((width - 6.0) / CHAR_WIDTH).floor();
    if room < 3.0 {
        return String::new();
    }
    let room = room as usize;
    if name.chars().count() <= room {
        return name.to_string();
    }
    let mut cut: String = name.chars().take(room - 2).collect();
    cut.push_str("..");
    cut
}

/// FNV-1a: a hash that is the same on every run and platform.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A warm colour seeded by the name (flamegraph.pl's "hot" palette).
fn name_color(name: &str) -> String {
    let h = fnv1a(name);
    let part = |shift: u32, range: u64| (h >> shift) % range;
    format!(
        "rgb({},{},{})",
        205 + part(0, 51),
        part(16, 231),
        part(32, 56)
    )
}

/// Red for a frame that grew, blue for one that shrank, the deeper the larger the change
/// relative to the frame; grey when the two sides cancel.
fn diff_color(node: &Node) -> String {
    let net = node.grew + node.shrank;
    if net == 0 {
        return "rgb(220,220,220)".into();
    }
    let ratio = net.unsigned_abs() as f64 / node.weight().max(1) as f64;
    let pale = (210.0 * (1.0 - ratio)).round() as u32 + 20;
    if net > 0 {
        format!("rgb(255,{pale},{pale})")
    } else {
        format!("rgb({pale},{pale},255)")
    }
}

fn write_header(out: &mut dyn Write, height: f64, set: &StackSet, diff: bool) -> Result<()> {
    let title = if diff {
        "Differential flame graph"
    } else {
        "Flame graph"
    };
    write!(
        out,
        "<?xml version=\"1.0\" standalone=\"no\"?>\n\
         <svg version=\"1.1\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" xmlns=\"http://www.w3.org/2000/svg\" \
         onload=\"init(evt)\">\n\
         <style>{STYLE}</style>\n<script type=\"text/ecmascript\"><![CDATA[\n\
         var PAD = {PAD}, W = {inner}, CHAR = {CHAR_WIDTH};\n{SCRIPT}]]></script>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"rgb(250,250,250)\"/>\n\
         <text id=\"title\" x=\"{mid}\" y=\"24\">{title}: {kind}</text>\n\
         <text id=\"reset\" class=\"button\" x=\"{PAD}\" y=\"24\">Reset Zoom</text>\n\
         <text id=\"search\" class=\"button\" x=\"{right}\" y=\"24\">Search</text>\n\
         <text id=\"matched\" x=\"{right}\" y=\"{bottom}\"> </text>\n\
         <text id=\"details\" x=\"{PAD}\" y=\"{bottom}\"> </text>\n",
        inner = WIDTH - 2.0 * PAD,
        mid = WIDTH / 2.0,
        right = WIDTH - PAD - 100.0,
        bottom = height - 10.0,
        kind = escape(&set.sample_type),
    )?;
    Ok(())
}

const STYLE: &str =
    "text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); } \
#title { text-anchor: middle; font-size: 17px; } .button { cursor: pointer; fill: rgb(0,0,160); } \
.f { cursor: pointer; } .f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }";

/// Zoom, search and details; it reads only the attributes written above.
const SCRIPT: &str = include_str!("flame_svg.js");
