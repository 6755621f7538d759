//! `-dot`: the call graph in Graphviz's DOT language, with a legend box, node and edge labels,
//! sizes and colours by weight, and tag nodelets (pprof's `ComposeDot`).

use std::io::Write;

use crate::graph::{
    shorten_function_name, trimmed_graph_in_output_unit, Edge, Graph, Node, NodeInfo, Tag,
};
use crate::legend::report_labels;
use crate::measurement::percentage;
use crate::paths;
use crate::report::Report;
use crate::Result;

mod nodelets;

/// Escapes a string for a double-quoted DOT attribute; newlines become left-justified breaks.
pub(crate) fn escape_for_dot(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\l")
}

/// Writes the DOT report.
pub fn write_dot(rpt: &mut Report<'_>, out: &mut dyn Write) -> Result<()> {
    let t = trimmed_graph_in_output_unit(rpt);
    let labels = report_labels(rpt, &t, true, true);
    let title = rpt.title();
    let name = if title.is_empty() { "unnamed" } else { &title };
    writeln!(out, "digraph \"{name}\" {{")?;
    writeln!(out, "node [style=filled fillcolor=\"#f8f8f8\"]")?;
    write_legend(out, &labels, &title)?;
    let g = &t.graph;
    if !g.nodes.is_empty() {
        write_body(rpt, g, out)?;
    }
    writeln!(out, "}}")?;
    Ok(())
}

fn write_legend(out: &mut dyn Write, labels: &[String], title: &str) -> Result<()> {
    let Some(first) = labels.first() else {
        return Ok(());
    };
    let escaped: Vec<String> = labels.iter().map(|l| escape_for_dot(l)).collect();
    write!(
        out,
        "subgraph cluster_L {{ \"{}\" [shape=box fontsize=16",
        escape_for_dot(first)
    )?;
    write!(out, " label=\"{}\\l\"", escaped.join("\\l"))?;
    if !title.is_empty() {
        write!(out, " tooltip=\"{title}\"")?;
    }
    writeln!(out, "] }}")?;
    Ok(())
}

fn write_body(rpt: &Report<'_>, g: &Graph, out: &mut dyn Write) -> Result<()> {
    let max_flat = g
        .nodes
        .iter()
        .map(|n| n.flat_value().wrapping_abs())
        .max()
        .unwrap_or(0);
    let mut has_nodelets = vec![false; g.nodes.len()];
    let mut edges = Vec::new();
    for (i, n) in g.nodes.iter().enumerate() {
        write_node(rpt, n, i + 1, max_flat as f64, out)?;
        let nodelets = nodelets::node_nodelets(rpt, n, i + 1);
        out.write_all(nodelets.as_bytes())?;
        has_nodelets[i] = !nodelets.is_empty();
        edges.extend_from_slice(&n.out_edges);
    }
    for e in g.sort_edges(edges) {
        let edge = &g.edges[e];
        let src_has_nodelets = has_nodelets.get(edge.src).copied().unwrap_or(false);
        write_edge(rpt, g, edge, src_has_nodelets, out)?;
    }
    Ok(())
}

fn write_node(
    rpt: &Report<'_>,
    n: &Node,
    id: usize,
    max_flat: f64,
    out: &mut dyn Write,
) -> Result<()> {
    let (flat, cum) = (n.flat_value(), n.cum_value());
    let total = rpt.total();
    let mut label = multiline_printable_name(&n.info);
    let flat_text = rpt.format_value(flat);
    if flat != 0 {
        label += &format!("{flat_text} ({})", percentage(flat, total).trim());
    } else {
        label += "0";
    }
    let mut cum_text = flat_text;
    if cum != flat {
        label += if flat != 0 { "\\n" } else { " " };
        cum_text = rpt.format_value(cum);
        label += &format!("of {cum_text} ({})", percentage(cum, total).trim());
    }
    let mut font_size = 8;
    let abs_flat = flat.wrapping_abs() as f64;
    if max_flat != 0.0 && flat != 0 && abs_flat <= max_flat {
        font_size += (16.0 * (abs_flat / max_flat).sqrt()).ceil() as i64;
    }
    let score = cum as f64 / total.wrapping_abs() as f64;
    writeln!(
        out,
        "N{id} [label=\"{label}\" id=\"node{id}\" fontsize={font_size} shape=box tooltip=\"{} ({cum_text})\" color=\"{}\" fillcolor=\"{}\"]",
        escape_for_dot(&n.name),
        dot_color(score, false),
        dot_color(score, true)
    )?;
    Ok(())
}

fn write_edge(
    rpt: &Report<'_>,
    g: &Graph,
    e: &Edge,
    src_has_nodelets: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let inline = if e.inline { "\\n (inline)" } else { "" };
    let wv = e.weight_value();
    let w = rpt.format_value(wv);
    let mut attr = format!("label=\" {w}{inline}\"");
    let total = rpt.total();
    if total != 0 {
        let weight = 1
            + (wv.wrapping_mul(100).wrapping_div(total))
                .wrapping_abs()
                .min(100);
        if weight > 1 {
            attr += &format!(" weight={weight}");
        }
        let width = 1
            + (wv.wrapping_mul(5).wrapping_div(total))
                .wrapping_abs()
                .min(5);
        if width > 1 {
            attr += &format!(" penwidth={width}");
        }
        let score = wv as f64 / total.wrapping_abs() as f64;
        attr += &format!(" color=\"{}\"", dot_color(score, false));
    }
    let arrow = if e.residual { "..." } else { "->" };
    let tooltip = format!(
        "\"{} {arrow} {} ({w})\"",
        escape_for_dot(&g.node(e.src).name),
        escape_for_dot(&g.node(e.dest).name)
    );
    attr += &format!(" tooltip={tooltip} labeltooltip={tooltip}");
    if e.residual {
        attr += " style=\"dotted\"";
    }
    if src_has_nodelets {
        attr += " minlen=2";
    }
    // A phantom end has no number in the graph; pprof prints it as N0.
    let number = |id: usize| if g.is_shown(id) { id + 1 } else { 0 };
    writeln!(out, "N{} -> N{} [{attr}]", number(e.src), number(e.dest))?;
    Ok(())
}

/// The colour for a weight fraction in [-1, 1]: red for positive, green for negative, grey near
/// zero; pale for backgrounds.
fn dot_color(score: f64, background: bool) -> String {
    const SHIFT: f64 = 0.7;
    let (mut saturation, value) = if background { (0.1, 0.93) } else { (1.0, 0.7) };
    let mut score = score.clamp(-1.0, 1.0);
    if score.abs() < 0.2 {
        saturation *= score.abs() / 0.2;
    }
    if score > 0.0 {
        score = score.powf(1.0 - SHIFT);
    }
    if score < 0.0 {
        score = -(-score).powf(1.0 - SHIFT);
    }
    let (r, g) = if score < 0.0 {
        (value * (1.0 + saturation * score), value)
    } else {
        (value, value * (1.0 - saturation * score))
    };
    let b = value * (1.0 - saturation);
    let byte = |c: f64| (c * 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

/// A node's label text: the shortened name split into lines at `.` and `::`, then the base
/// name of the file, each part ending in `\n`.
fn multiline_printable_name(info: &NodeInfo) -> String {
    let name = escape_for_dot(&shorten_function_name(&info.name))
        .replace("::", "\\n")
        .replace("[...]", "[…]")
        .replace('.', "\\n");
    let file = if info.file.is_empty() {
        String::new()
    } else {
        paths::base(&info.file)
    };
    let copy = NodeInfo {
        name,
        file,
        ..info.clone()
    };
    copy.name_components().join("\\n") + "\\n"
}

/// Orders tags by |cum| (unless `flat`), then |flat|, both descending, then by name.
pub(crate) fn sort_tags(tags: &mut [Tag], flat: bool) {
    tags.sort_by(|a, b| {
        let by_cum = if !flat && a.cum != b.cum {
            b.cum.wrapping_abs().cmp(&a.cum.wrapping_abs())
        } else {
            std::cmp::Ordering::Equal
        };
        let by_flat = if a.flat != b.flat {
            b.flat.wrapping_abs().cmp(&a.flat.wrapping_abs())
        } else {
            std::cmp::Ordering::Equal
        };
        by_cum.then(by_flat).then_with(|| a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_match_pprof() {
        assert_eq!(dot_color(1.0, false), "#b20000");
        assert_eq!(dot_color(1.0, true), "#edd5d5");
        assert_eq!(dot_color(0.0, false), "#b2b2b2");
        assert_eq!(dot_color(-1.0, false), "#00b200");
    }

    #[test]
    fn names_split_into_lines() {
        let info = NodeInfo {
            name: "github.com/x/pkg.(*T).M".into(),
            ..Default::default()
        };
        assert_eq!(multiline_printable_name(&info), "pkg\\n(*T)\\nM\\n");
        assert_eq!(escape_for_dot("a\"b\\c\nd"), "a\\\"b\\\\c\\ld");
    }
}
