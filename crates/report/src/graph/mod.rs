//! The call graph reports are drawn from: one node per distinct [`NodeInfo`] (at the granularity
//! the driver aggregated the profile to), flat and cumulative weights, caller → callee edges, and
//! the label tags of each node (pprof's `internal/graph`).

mod build;
mod groups;
mod id_hash;
mod node_tags;
mod order;
mod shorten;
mod tree;
mod trim;
mod walk;

use std::collections::BTreeMap;

pub use build::GraphOptions;
pub use build::{build_graph, GraphBuilder};
pub(crate) use build::{location_lines, InfoMaker};
pub use order::NodeOrder;
pub use shorten::shorten_function_name;
pub(crate) use trim::trimmed_graph_in_output_unit;
pub use trim::{trimmed_graph, TrimmedGraph, MAX_NODELETS};

/// What identifies a node: its function, file, line, address and object file as far as the
/// granularity keeps them (pprof's `graph.NodeInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeInfo {
    /// The function name, empty when unknown.
    pub name: String,
    /// The function's system (mangled) name, kept only on request.
    pub orig_name: String,
    /// The instruction address, 0 unless aggregated by address.
    pub address: u64,
    /// The source file, cleaned.
    pub file: String,
    /// The function's first line (kept with object names).
    pub start_line: i64,
    /// The source line, 0 unless aggregated by line.
    pub lineno: i64,
    /// The object file of the mapping, kept with object names or when the function is unknown.
    pub objfile: String,
}

impl NodeInfo {
    /// The parts of the node's printed name: address, function, `file:line` or file, or the
    /// object file's base name in brackets, or `<unknown>`.
    pub fn name_components(&self) -> Vec<String> {
        let mut parts = Vec::with_capacity(3);
        if self.address != 0 {
            parts.push(format!("{:016x}", self.address));
        }
        if !self.name.is_empty() {
            parts.push(self.name.clone());
        }
        if self.lineno != 0 {
            parts.push(format!("{}:{}", self.file, self.lineno));
        } else if !self.file.is_empty() {
            parts.push(self.file.clone());
        } else if !self.name.is_empty() {
        } else if !self.objfile.is_empty() {
            parts.push(format!("[{}]", crate::paths::base(&self.objfile)));
        } else {
            parts.push("<unknown>".to_string());
        }
        parts
    }

    /// The node's name as text reports print it: the components joined by spaces.
    pub fn printable_name(&self) -> String {
        self.name_components().join(" ")
    }

    /// The text Go's `fmt.Sprint` gives the info, pprof's last tie-break between nodes.
    fn go_sprint(&self) -> String {
        format!(
            "{{{} {} {} {} {} {} {}}}",
            self.name,
            self.orig_name,
            self.address,
            self.file,
            self.start_line,
            self.lineno,
            self.objfile
        )
    }
}

/// A label value (or numeric label value) seen on a node's samples, with its weights.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tag {
    /// The text shown: `key:value` pairs joined, or a formatted numeric value.
    pub name: String,
    /// The numeric value's unit; empty for string labels.
    pub unit: String,
    /// The numeric value (0 for string labels).
    pub value: i64,
    /// Weight of samples whose leaf is the node.
    pub flat: i64,
    /// Mean divisor of `flat`.
    pub flat_div: i64,
    /// Weight of samples through the node.
    pub cum: i64,
    /// Mean divisor of `cum`.
    pub cum_div: i64,
}

impl Tag {
    /// The flat weight, divided for `-mean`.
    pub fn flat_value(&self) -> i64 {
        div_value(self.flat, self.flat_div)
    }

    /// The cumulative weight, divided for `-mean`.
    pub fn cum_value(&self) -> i64 {
        div_value(self.cum, self.cum_div)
    }
}

/// Tags by name.
pub type TagMap = BTreeMap<String, Tag>;

/// Index of a node in [`Graph::nodes`].
pub type NodeId = usize;
/// Index of an edge in [`Graph::edges`].
pub type EdgeId = usize;

/// A node of the graph.
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// What the node stands for.
    pub info: NodeInfo,
    /// The printable name, computed once.
    pub name: String,
    /// Weight of samples whose leaf is this node.
    pub flat: i64,
    /// Mean divisor of `flat`.
    pub flat_div: i64,
    /// Weight of samples with this node anywhere on the stack (counted once per sample).
    pub cum: i64,
    /// Mean divisor of `cum`.
    pub cum_div: i64,
    /// Edges from callers.
    pub in_edges: Vec<EdgeId>,
    /// Edges to callees.
    pub out_edges: Vec<EdgeId>,
    /// Tags from string labels (all labels of a sample joined).
    pub label_tags: TagMap,
    /// Tags from numeric labels, by the joined string labels of their samples.
    pub numeric_tags: BTreeMap<String, TagMap>,
    /// The identity's index in the [`GraphBuilder`] that made the node.
    pub(crate) info_id: usize,
    /// Where the node's function is unique: everywhere in a graph (`usize::MAX`); under one
    /// parent (its creation index) in a call tree, as pprof keys a tree's nodes per parent.
    pub(crate) function_scope: usize,
}

impl Node {
    /// The node's function: its identity without address and line, in its scope. Nodes with the
    /// same name and file but different functions are told apart in callgrind output.
    pub(crate) fn function_key(&self) -> (usize, NodeInfo) {
        let info = NodeInfo {
            address: 0,
            lineno: 0,
            ..self.info.clone()
        };
        (self.function_scope, info)
    }
}

impl Node {
    /// The flat value, divided for `-mean`.
    pub fn flat_value(&self) -> i64 {
        div_value(self.flat, self.flat_div)
    }

    /// The cumulative value, divided for `-mean`.
    pub fn cum_value(&self) -> i64 {
        div_value(self.cum, self.cum_div)
    }
}

/// A caller → callee edge.
#[derive(Clone, Debug, Default)]
pub struct Edge {
    /// The caller.
    pub src: NodeId,
    /// The callee.
    pub dest: NodeId,
    /// Weight of samples through the call.
    pub weight: i64,
    /// Mean divisor of `weight`.
    pub weight_div: i64,
    /// Nodes between the two were dropped: the edge stands for a longer path.
    pub residual: bool,
    /// The call was inlined (both ends are lines of one location).
    pub inline: bool,
}

impl Edge {
    /// The weight, divided for `-mean`.
    pub fn weight_value(&self) -> i64 {
        div_value(self.weight, self.weight_div)
    }
}

fn div_value(v: i64, div: i64) -> i64 {
    if div == 0 {
        v
    } else {
        v.wrapping_div(div)
    }
}

/// The call graph. Removed edges stay in `edges` but are unlinked from their nodes.
///
/// Node ids below `nodes.len()` are shown nodes; higher ids are `phantoms`: nodes dropped for
/// having no weight (or a negative one with `drop_negative`) whose edges pprof leaves attached to
/// the shown nodes. They matter with `-mean`, where a zero-weight sample still counts: such
/// edges take part in sort scores, inline marks and trees, and dot draws them to node `N0`.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// The nodes, in report order once sorted.
    pub nodes: Vec<Node>,
    /// Dropped nodes still at the end of some edge.
    pub phantoms: Vec<Node>,
    /// Every edge ever created; only those listed by nodes are live.
    pub edges: Vec<Edge>,
}

impl Graph {
    /// The shown node or phantom with this id.
    pub fn node(&self, id: NodeId) -> &Node {
        match id.checked_sub(self.nodes.len()) {
            None => &self.nodes[id],
            Some(p) => &self.phantoms[p],
        }
    }

    fn node_mut(&mut self, id: NodeId) -> &mut Node {
        match id.checked_sub(self.nodes.len()) {
            None => &mut self.nodes[id],
            Some(p) => &mut self.phantoms[p],
        }
    }

    /// Whether `id` is a shown node (not a phantom).
    pub fn is_shown(&self, id: NodeId) -> bool {
        id < self.nodes.len()
    }

    /// The live edges into `node`, sorted by pprof's edge order.
    pub fn sorted_in_edges(&self, node: NodeId) -> Vec<EdgeId> {
        self.sort_edges(self.nodes[node].in_edges.clone())
    }

    /// The live edges out of `node`, sorted by pprof's edge order.
    pub fn sorted_out_edges(&self, node: NodeId) -> Vec<EdgeId> {
        self.sort_edges(self.nodes[node].out_edges.clone())
    }

    /// Sorts edges by |weight| descending, then caller name, then callee name.
    pub fn sort_edges(&self, mut ids: Vec<EdgeId>) -> Vec<EdgeId> {
        ids.sort_by(|&a, &b| {
            let (ea, eb) = (&self.edges[a], &self.edges[b]);
            let by_weight = if ea.weight != eb.weight {
                eb.weight.wrapping_abs().cmp(&ea.weight.wrapping_abs())
            } else {
                std::cmp::Ordering::Equal
            };
            by_weight
                .then_with(|| self.node(ea.src).name.cmp(&self.node(eb.src).name))
                .then_with(|| self.node(ea.dest).name.cmp(&self.node(eb.dest).name))
        });
        ids
    }

    /// The sum of the nodes' raw flat values.
    pub fn flat_sum(&self) -> i64 {
        self.nodes
            .iter()
            .fold(0i64, |acc, n| acc.wrapping_add(n.flat))
    }

    /// Unlinks edge `e` from both its nodes.
    fn unlink_edge(&mut self, e: EdgeId) {
        let Edge { src, dest, .. } = self.edges[e];
        self.node_mut(src).out_edges.retain(|&x| x != e);
        self.node_mut(dest).in_edges.retain(|&x| x != e);
    }

    /// Keeps the nodes marked in `keep` (in their order); the others become phantoms when
    /// `as_phantoms`, else they go with their edges. Existing phantoms stay.
    pub(super) fn retain_nodes(&mut self, keep: &[bool], as_phantoms: bool) {
        let old_count = self.nodes.len();
        let old: Vec<Node> = std::mem::take(&mut self.nodes)
            .into_iter()
            .chain(std::mem::take(&mut self.phantoms))
            .collect();
        let old_edges = std::mem::take(&mut self.edges);
        let kept_count = keep.iter().filter(|k| **k).count();
        let mut new_id = vec![usize::MAX; old.len()];
        let mut live = Vec::new();
        for (i, mut n) in old.into_iter().enumerate() {
            live.append(&mut n.out_edges);
            n.in_edges.clear();
            if keep.get(i).copied().unwrap_or(false) {
                new_id[i] = self.nodes.len();
                self.nodes.push(n);
            } else if as_phantoms || i >= old_count {
                new_id[i] = kept_count + self.phantoms.len();
                self.phantoms.push(n);
            }
        }
        for e in live {
            let (src, dest) = (new_id[old_edges[e].src], new_id[old_edges[e].dest]);
            if src == usize::MAX || dest == usize::MAX {
                continue;
            }
            let id = self.edges.len();
            self.edges.push(Edge {
                src,
                dest,
                ..old_edges[e].clone()
            });
            self.node_mut(src).out_edges.push(id);
            self.node_mut(dest).in_edges.push(id);
        }
    }
}
