//! `-tree` and `-peek`: each node with its callers above and callees below (pprof's
//! `printTree`). Peek shows only nodes whose name matches the symbol regex.

use std::io::Write;

use crate::graph::trimmed_graph_in_output_unit;
use crate::legend::report_labels;
use crate::measurement::percentage;
use crate::report::Report;
use crate::{Error, Result};

const SEPARATOR: &str = "----------------------------------------------------------+-------------";
const LEGEND: &str = "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ";

/// Writes the tree report, or the peek report when the options carry a symbol regex.
pub fn write_tree(rpt: &mut Report<'_>, out: &mut dyn Write) -> Result<()> {
    let t = trimmed_graph_in_output_unit(rpt);
    let g = &t.graph;
    writeln!(out, "{}", report_labels(rpt, &t, false, false).join("\n"))?;
    writeln!(out, "{SEPARATOR}\n{LEGEND}")?;
    let rx = rpt.options().symbol.as_ref();
    let total = rpt.total();
    let mut flat_sum = 0i64;
    let mut matched = 0;
    for (i, n) in g.nodes.iter().enumerate() {
        if rx.is_some_and(|rx| !rx.is_match(&n.name)) {
            continue;
        }
        matched += 1;
        let (flat, cum) = (n.flat_value(), n.cum_value());
        writeln!(out, "{SEPARATOR}")?;
        for e in g.sorted_in_edges(i) {
            let e = &g.edges[e];
            let inline = if e.inline { " (inline)" } else { "" };
            let caller = &g.node(e.src).name;
            let w = e.weight;
            writeln!(
                out,
                "{:>50} {} |   {caller}{inline}",
                rpt.format_value(w),
                percentage(w, cum)
            )?;
        }
        flat_sum = flat_sum.wrapping_add(flat);
        writeln!(
            out,
            "{:>10} {} {} {:>10} {}                | {}",
            rpt.format_value(flat),
            percentage(flat, total),
            percentage(flat_sum, total),
            rpt.format_value(cum),
            percentage(cum, total),
            n.name
        )?;
        for e in g.sorted_out_edges(i) {
            let e = &g.edges[e];
            let inline = if e.inline { " (inline)" } else { "" };
            let callee = &g.node(e.dest).name;
            let w = e.weight;
            writeln!(
                out,
                "{:>50} {} |   {callee}{inline}",
                rpt.format_value(w),
                percentage(w, cum)
            )?;
        }
    }
    if !g.nodes.is_empty() {
        writeln!(out, "{SEPARATOR}")?;
    }
    match rx {
        Some(rx) if matched == 0 => Err(Error::NoMatches(rx.as_str().to_string())),
        _ => Ok(()),
    }
}
