//! Trimming the graph to what a report shows: node and edge cutoffs, the node count limit, tag
//! cutoffs and redundant residual edges (pprof's `report.newTrimmedGraph` and its helpers).

use std::collections::{HashSet, VecDeque};

use ferroprof_profile::Profile;

use super::build::GraphBuilder;
use super::{EdgeId, Graph, GraphOptions, Node, NodeOrder};
use crate::report::Report;

/// Tag nodelets drawn per node at most; each counts toward the dot node limit.
pub const MAX_NODELETS: usize = 4;

/// A trimmed graph and the counts the legend reports.
#[derive(Debug, Clone)]
pub struct TrimmedGraph {
    /// The graph, sorted for the report.
    pub graph: Graph,
    /// Nodes left after the node-fraction cut, before the node count limit.
    pub orig_count: usize,
    /// Nodes dropped by the node-fraction cut.
    pub dropped_nodes: usize,
    /// Edges dropped by the edge-fraction cut.
    pub dropped_edges: usize,
}

impl Graph {
    /// Whether each node's |cum| reaches `cutoff`.
    pub fn nodes_above_cutoff(&self, cutoff: i64) -> Vec<bool> {
        self.nodes
            .iter()
            .map(|n| n.cum.wrapping_abs() >= cutoff)
            .collect()
    }

    /// The first `max_nodes` nodes (in current order) marked kept; for graphs, each node's
    /// nodelets count toward the limit.
    pub fn select_top_nodes(&self, max_nodes: usize, visual: bool) -> Vec<bool> {
        let mut limit = max_nodes;
        if visual && max_nodes > 0 {
            let mut count = 0;
            for (i, n) in self.nodes.iter().enumerate() {
                count += count_tags(n).min(MAX_NODELETS) + 1;
                if count >= max_nodes {
                    limit = i + 1;
                    break;
                }
            }
        }
        let limit = limit.min(self.nodes.len());
        (0..self.nodes.len()).map(|i| i < limit).collect()
    }

    /// Drops tags whose |flat| and |cum| are both below `cutoff`.
    pub fn trim_low_frequency_tags(&mut self, cutoff: i64) {
        let keep =
            |t: &super::Tag| t.flat.wrapping_abs() >= cutoff || t.cum.wrapping_abs() >= cutoff;
        for n in &mut self.nodes {
            n.label_tags.retain(|_, t| keep(t));
            for tags in n.numeric_tags.values_mut() {
                tags.retain(|_, t| keep(t));
            }
        }
    }

    /// Removes edges whose |weight| is below `cutoff`, returning how many.
    pub fn trim_low_frequency_edges(&mut self, cutoff: i64) -> usize {
        let mut dead = vec![false; self.edges.len()];
        let mut dropped = 0;
        for n in &self.nodes {
            for &e in &n.in_edges {
                if self.edges[e].weight.wrapping_abs() < cutoff {
                    dead[e] = true;
                    dropped += 1;
                }
            }
        }
        if dropped > 0 {
            for n in self.nodes.iter_mut().chain(self.phantoms.iter_mut()) {
                n.in_edges.retain(|&e| !dead[e]);
                n.out_edges.retain(|&e| !dead[e]);
            }
        }
        dropped
    }

    /// Removes residual edges whose ends are also connected by another path (pprof's
    /// `RemoveRedundantEdges`).
    pub fn remove_redundant_edges(&mut self) {
        for i in (0..self.nodes.len()).rev() {
            let ins = self.sorted_in_edges(i);
            for &e in ins.iter().rev() {
                if !self.edges[e].residual {
                    break;
                }
                if self.is_redundant_edge(e) {
                    self.unlink_edge(e);
                }
            }
        }
    }

    /// Whether the source of `e` reaches its destination through other edges.
    fn is_redundant_edge(&self, e: EdgeId) -> bool {
        let (src, dest) = (self.edges[e].src, self.edges[e].dest);
        let mut seen = HashSet::from([dest]);
        let mut queue = VecDeque::from([dest]);
        while let Some(n) = queue.pop_front() {
            for &ie in &self.node(n).in_edges {
                let from = self.edges[ie].src;
                if ie == e || seen.contains(&from) {
                    continue;
                }
                if from == src {
                    return true;
                }
                seen.insert(from);
                queue.push_back(from);
            }
        }
        false
    }
}

/// Tags with a non-zero flat weight: the nodelets a node would draw.
fn count_tags(n: &Node) -> usize {
    let labels = n.label_tags.values().filter(|t| t.flat != 0).count();
    let numeric: usize = n
        .numeric_tags
        .values()
        .map(|m| m.values().filter(|t| t.flat != 0).count())
        .sum();
    labels + numeric
}

/// Builds the report's graph and trims it by the node fraction, the node count and the edge
/// fraction, in pprof's order.
pub fn trimmed_graph(rpt: &Report<'_>) -> TrimmedGraph {
    let o = rpt.options();
    let gopts = GraphOptions::for_report(rpt);
    let profile: &Profile = rpt.profile();
    let visual = o.output_format.is_visual();
    let tree = gopts.call_tree;
    let order = if visual {
        NodeOrder::Entropy
    } else if o.cum_sort() {
        NodeOrder::CumName
    } else {
        NodeOrder::FlatName
    };
    let builder = GraphBuilder::new(profile, gopts);
    let rebuild = |g: &mut Graph, keep: &[bool]| {
        if tree {
            g.trim_tree(keep);
        } else {
            *g = builder.build(Some(&builder.kept_infos(g, keep)));
        }
    };

    let (mut g, total, dropped_nodes) = if tree {
        let mut g = builder.build_tree();
        let total = g.flat_sum();
        let node_cutoff = cutoff(total, o.effective_node_fraction());
        let mut dropped = 0;
        if node_cutoff > 0 {
            let keep = g.nodes_above_cutoff(node_cutoff);
            dropped = keep.iter().filter(|k| !**k).count();
            if dropped > 0 {
                rebuild(&mut g, &keep);
            }
        }
        (g, total, dropped)
    } else {
        above_node_fraction(&builder, o.effective_node_fraction())
    };
    let node_cutoff = cutoff(total, o.effective_node_fraction());
    let edge_cutoff = cutoff(total, o.effective_edge_fraction());
    let orig_count = g.nodes.len();
    g.sort_nodes(order);
    if let Some(count) = o.effective_node_count() {
        g.trim_low_frequency_tags(node_cutoff);
        g.trim_low_frequency_edges(edge_cutoff);
        let keep = g.select_top_nodes(count, visual);
        if keep.iter().filter(|k| **k).count() != g.nodes.len() {
            rebuild(&mut g, &keep);
            g.sort_nodes(order);
        }
    }
    g.trim_low_frequency_tags(node_cutoff);
    let dropped_edges = g.trim_low_frequency_edges(edge_cutoff);
    if visual {
        g.remove_redundant_edges();
    }
    TrimmedGraph {
        graph: g,
        orig_count,
        dropped_nodes,
        dropped_edges,
    }
}

/// The trimmed graph, with the report's output unit chosen from the nodes it shows: how every
/// graph-based writer starts (pprof's `newTrimmedGraph`, then `selectOutputUnit`).
pub(crate) fn trimmed_graph_in_output_unit(rpt: &mut Report<'_>) -> TrimmedGraph {
    let t = trimmed_graph(rpt);
    rpt.select_output_unit(
        t.graph
            .nodes
            .iter()
            .map(|n| (n.flat_value(), n.cum_value())),
    );
    t
}

/// The weight below which nodes (or edges) go: `fraction` of the total.
fn cutoff(total: i64, fraction: f64) -> i64 {
    ((total as f64 * fraction) as i64).wrapping_abs()
}

/// The graph of the nodes above the node fraction of the total, the total and how many nodes
/// fell below. The full graph's node weights alone decide which nodes stay, so the full graph
/// is only walked for them, never built; the graph is built once, by a walk over the kept nodes.
fn above_node_fraction(builder: &GraphBuilder<'_>, fraction: f64) -> (Graph, i64, usize) {
    let drop_negative = builder.options().drop_negative;
    if fraction == 0.0 {
        let g = builder.build(None);
        let total = g.flat_sum();
        return (g, total, 0);
    }
    let full = builder.node_weights();
    let total = full.flat_sum(drop_negative);
    let node_cutoff = cutoff(total, fraction);
    let above = (node_cutoff > 0)
        .then(|| full.infos_above(node_cutoff, drop_negative))
        .flatten();
    drop(full);
    match above {
        Some((kept, dropped)) => (builder.build(Some(&kept)), total, dropped),
        None => (builder.build(None), total, 0),
    }
}
