//! `-top` / `-text`: one line per node with flat, running sum and cum (pprof's `printText`).

use std::io::Write;

use crate::graph::{trimmed_graph_in_output_unit, Graph, NodeId};
use crate::legend::report_labels;
use crate::measurement::percentage;
use crate::report::Report;
use crate::Result;

/// ` (inline)` when every edge into the node is inlined, ` (partial-inline)` when some are.
pub fn inline_suffix(g: &Graph, n: NodeId) -> &'static str {
    let ins = &g.nodes[n].in_edges;
    let inline = ins.iter().filter(|&&e| g.edges[e].inline).count();
    match inline {
        0 => "",
        k if k == ins.len() => " (inline)",
        _ => " (partial-inline)",
    }
}

/// Writes the top report.
pub fn write_text(rpt: &mut Report<'_>, out: &mut dyn Write) -> Result<()> {
    let t = trimmed_graph_in_output_unit(rpt);
    let g = &t.graph;
    writeln!(out, "{}", report_labels(rpt, &t, false, false).join("\n"))?;
    writeln!(
        out,
        "{:>10} {:>5}% {:>5}% {:>10} {:>5}%",
        "flat", "flat", "sum", "cum", "cum"
    )?;
    let total = rpt.total();
    let mut flat_sum = 0i64;
    for (i, n) in g.nodes.iter().enumerate() {
        let (flat, cum) = (n.flat_value(), n.cum_value());
        flat_sum = flat_sum.wrapping_add(flat);
        writeln!(
            out,
            "{:>10} {} {} {:>10} {}  {}{}",
            rpt.format_value(flat),
            percentage(flat, total),
            percentage(flat_sum, total),
            rpt.format_value(cum),
            percentage(cum, total),
            n.name,
            inline_suffix(g, i)
        )?;
    }
    Ok(())
}
