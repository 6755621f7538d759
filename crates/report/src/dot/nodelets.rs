//! Tag nodelets: small boxes hanging off a node for its label values and numeric label values,
//! at most four of each, numeric values beyond four grouped into ranges.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::sort_tags;
use crate::graph::{Node, Tag, MAX_NODELETS};
use crate::measurement;
use crate::report::Report;

/// The DOT lines of a node's nodelets (empty when it has none to draw).
pub(super) fn node_nodelets(rpt: &Report<'_>, node: &Node, id: usize) -> String {
    let mut out = String::new();
    let mut tags: Vec<Tag> = node.label_tags.values().cloned().collect();
    let numeric: BTreeMap<&str, Vec<Tag>> = node
        .numeric_tags
        .iter()
        .filter(|(_, m)| !m.is_empty())
        .map(|(k, m)| (k.as_str(), m.values().cloned().collect()))
        .collect();
    let flat_tags = !node.out_edges.is_empty();
    sort_tags(&mut tags, flat_tags);
    tags.truncate(MAX_NODELETS);
    for (i, t) in tags.iter().enumerate() {
        let w = if flat_tags {
            t.flat_value()
        } else {
            t.cum_value()
        };
        if w == 0 {
            continue;
        }
        let weight = rpt.format_value(w);
        write_nodelet(
            &mut out,
            &format!("N{id}"),
            &format!("N{id}_{i}"),
            t,
            &weight,
            "",
        );
        if let Some(nts) = numeric.get(t.name.as_str()) {
            out += &numeric_nodelets(rpt, nts, flat_tags, &format!("N{id}_{i}"));
        }
    }
    if let Some(nts) = numeric.get("") {
        out += &numeric_nodelets(rpt, nts, flat_tags, &format!("N{id}"));
    }
    out
}

fn numeric_nodelets(rpt: &Report<'_>, tags: &[Tag], flat_tags: bool, source: &str) -> String {
    let mut out = String::new();
    for (j, t) in collapsed_tags(tags, MAX_NODELETS, flat_tags)
        .iter()
        .enumerate()
    {
        let (w, attr) = if flat_tags || t.flat_value() == t.cum_value() {
            (t.flat_value(), "")
        } else {
            (t.cum_value(), " style=\"dotted\"")
        };
        if w == 0 {
            continue;
        }
        let weight = rpt.format_value(w);
        write_nodelet(
            &mut out,
            source,
            &format!("N{source}_{j}"),
            t,
            &weight,
            attr,
        );
    }
    out
}

/// One nodelet: the box `name` labelled with the tag, and its edge from `parent` labelled with
/// the tag's weight; `edge_attr` adds attributes to the edge.
fn write_nodelet(
    out: &mut String,
    parent: &str,
    name: &str,
    tag: &Tag,
    weight: &str,
    edge_attr: &str,
) {
    let _ = writeln!(
        out,
        "{name} [label = \"{}\" id=\"{name}\" fontsize=8 shape=box3d tooltip=\"{weight}\"]",
        tag.name
    );
    let _ = writeln!(
        out,
        "{parent} -> {name} [label=\" {weight}\" weight=100 tooltip=\"{weight}\" labeltooltip=\"{weight}\"{edge_attr}]"
    );
}

/// At most `count` tags: the heaviest start groups, every other tag joins the group whose first
/// tag has the nearest value, and each group becomes one tag labelled with its value range.
fn collapsed_tags(tags: &[Tag], count: usize, flat_tags: bool) -> Vec<Tag> {
    let mut sorted = tags.to_vec();
    sort_tags(&mut sorted, flat_tags);
    if sorted.len() <= count {
        return sorted;
    }
    let mut groups: Vec<Vec<&Tag>> = sorted[..count].iter().map(|t| vec![t]).collect();
    for t in &sorted[count..] {
        let mut best = (0, tag_distance(t, groups[0][0]));
        for (i, g) in groups.iter().enumerate().skip(1) {
            let d = tag_distance(t, g[0]);
            if d < best.1 {
                best = (i, d);
            }
        }
        groups[best.0].push(t);
    }
    let mut collapsed: Vec<Tag> = groups.iter().map(|g| group_tag(g)).collect();
    sort_tags(&mut collapsed, flat_tags);
    collapsed
}

fn tag_distance(t: &Tag, u: &Tag) -> f64 {
    let v = measurement::scale(u.value, &u.unit, &t.unit).0;
    (t.value as f64 - v).abs()
}

/// One tag standing for a group: `min..max` label and the group's summed weights.
fn group_tag(g: &[&Tag]) -> Tag {
    if let [t] = g {
        return Tag {
            name: measurement::label(t.value, &t.unit),
            flat: t.flat_value(),
            cum: t.cum_value(),
            ..Default::default()
        };
    }
    let (mut min, mut max) = (g[0], g[0]);
    let (mut f, mut df, mut c, mut dc) = (min.flat, min.flat_div, min.cum, min.cum_div);
    for t in &g[1..] {
        if (measurement::scale(t.value, &t.unit, &min.unit).0 as i64) < min.value {
            min = t;
        }
        if (measurement::scale(t.value, &t.unit, &max.unit).0 as i64) > max.value {
            max = t;
        }
        f = f.wrapping_add(t.flat);
        df = df.wrapping_add(t.flat_div);
        c = c.wrapping_add(t.cum);
        dc = dc.wrapping_add(t.cum_div);
    }
    if df != 0 {
        f = f.wrapping_div(df);
    }
    if dc != 0 {
        c = c.wrapping_div(dc);
    }
    let name = format!(
        "{}..{}",
        measurement::label(min.value, &min.unit),
        measurement::label(max.value, &max.unit)
    );
    Tag {
        name,
        flat: f,
        cum: c,
        ..Default::default()
    }
}
