//! The legend lines above graph-based reports (pprof's `reportLabels`): profile lines, active
//! filters, "Showing nodes accounting for …", dropped nodes and edges, "Showing top N nodes".

use crate::graph::TrimmedGraph;
use crate::measurement;
use crate::report::Report;

/// Filters longer than this many bytes are cut in the legend.
const MAX_FILTER_LEN: usize = 80;

/// The legend of a trimmed graph. Text reports pass `dropped_edges = false` (they never mention
/// edges); graphs pass `full_headers = true` (profile lines always, and the how-to-read line).
pub fn report_labels(
    rpt: &Report<'_>,
    t: &TrimmedGraph,
    with_dropped_edges: bool,
    full_headers: bool,
) -> Vec<String> {
    let o = rpt.options();
    let mut labels = if !o.profile_labels.is_empty() {
        o.profile_labels.clone()
    } else if full_headers || !o.compact_labels {
        rpt.profile_labels()
    } else {
        Vec::new()
    };
    if !o.active_filters.is_empty() {
        labels.push("Active filters:".to_string());
        labels.extend(
            o.active_filters
                .iter()
                .map(|f| format!("   {}", cut_filter(f))),
        );
    }
    let flat_sum = t
        .graph
        .nodes
        .iter()
        .fold(0i64, |acc, n| acc.wrapping_add(n.flat_value()));
    let total = rpt.total();
    labels.push(format!(
        "Showing nodes accounting for {}, {} of {} total",
        rpt.format_value(flat_sum),
        measurement::percentage(flat_sum, total).trim(),
        rpt.format_value(total)
    ));
    if total != 0 {
        let cutoff =
            |fraction: f64| rpt.format_value(((total as f64 * fraction) as i64).wrapping_abs());
        if t.dropped_nodes > 0 {
            labels.push(dropped(
                t.dropped_nodes,
                "node",
                "cum",
                &cutoff(o.effective_node_fraction()),
            ));
        }
        if with_dropped_edges && t.dropped_edges > 0 {
            labels.push(dropped(
                t.dropped_edges,
                "edge",
                "freq",
                &cutoff(o.effective_edge_fraction()),
            ));
        }
        let shown = t.graph.nodes.len();
        if shown > 0 && shown < t.orig_count {
            labels.push(format!("Showing top {shown} nodes out of {}", t.orig_count));
        }
    }
    if full_headers {
        labels.push("\nSee https://git.io/JfYMW for how to read the graph".to_string());
    }
    labels
}

fn cut_filter(f: &str) -> String {
    if f.len() <= MAX_FILTER_LEN {
        return f.to_string();
    }
    // Go cuts bytes; a cut inside a character keeps the bytes before it valid.
    let mut end = MAX_FILTER_LEN;
    while !f.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &f[..end])
}

fn dropped(count: usize, what: &str, measure: &str, cutoff: &str) -> String {
    let plural = if count > 1 { "s" } else { "" };
    format!("Dropped {count} {what}{plural} ({measure} <= {cutoff})")
}
