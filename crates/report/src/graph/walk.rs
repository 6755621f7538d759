//! One walk over a profile's sample groups: node and edge weights accumulated in flat arrays
//! indexed by creation order, turned into a [`Graph`] only when the graph is wanted. Trimming
//! by `-nodefraction` needs no more than the weights of the full graph.

use super::build::{is_shown, GraphBuilder};
use super::groups::SampleGroup;
use super::id_hash::IdMap;
use super::node_tags::NodeTags;
use super::{Edge, Graph, Node};

/// The weights of one node while walking.
#[derive(Clone, Copy, Debug)]
struct NodeWeights {
    info: usize,
    /// The last group that counted this node's cumulative weight.
    stamp: u64,
    flat: i64,
    flat_div: i64,
    cum: i64,
    cum_div: i64,
}

/// The weights and flags of one edge while walking, by the creation indices of its ends.
#[derive(Clone, Copy, Debug)]
struct EdgeWeights {
    src: usize,
    dest: usize,
    /// The last group that counted this edge.
    stamp: u64,
    weight: i64,
    weight_div: i64,
    residual: bool,
    inline: bool,
}

/// What a walk collected: nodes and edges in the order they were first met, and their tags.
#[derive(Debug)]
pub(super) struct Walk {
    generation: u64,
    /// The node (creation index) of each info, `usize::MAX` until met.
    node_of_info: Vec<usize>,
    nodes: Vec<NodeWeights>,
    edges: Vec<EdgeWeights>,
    edge_of: IdMap<(usize, usize), usize>,
    /// The edge met at each depth (from the root) of the previous group: consecutive stacks
    /// share their outer frames, and this skips the `edge_of` lookup for them, a cache miss per
    /// frame on large graphs.
    edge_at_depth: Vec<(usize, usize, usize)>,
    /// Whether edges are collected.
    with_edges: bool,
    tags: Option<NodeTags>,
}

impl GraphBuilder<'_> {
    /// The graph of the profile; with `kept` (by info) only those nodes exist, and edges across
    /// dropped nodes become residual.
    pub(super) fn graph(&self, kept: Option<&[bool]>) -> Graph {
        self.walk(kept, true, self.options().tags).into_graph(self)
    }

    /// The weights of the full graph's nodes, without edges or tags: all that the
    /// `-nodefraction` cut reads (the edges were a third of a walk's memory and time).
    pub(super) fn node_weights(&self) -> Walk {
        self.walk(None, false, false)
    }

    fn walk(&self, kept: Option<&[bool]>, edges: bool, tags: bool) -> Walk {
        let mut walk = Walk {
            generation: 0,
            node_of_info: vec![usize::MAX; self.info_count()],
            nodes: Vec::new(),
            edges: Vec::new(),
            edge_of: IdMap::default(),
            edge_at_depth: Vec::new(),
            with_edges: edges,
            tags: tags.then(NodeTags::default),
        };
        let (groups, _) = self.groups(tags);
        for group in groups {
            walk.add(self, kept, group);
        }
        walk
    }
}

impl Walk {
    fn node(&mut self, info: usize) -> usize {
        if self.node_of_info[info] == usize::MAX {
            self.node_of_info[info] = self.nodes.len();
            self.nodes.push(NodeWeights {
                info,
                stamp: 0,
                flat: 0,
                flat_div: 0,
                cum: 0,
                cum_div: 0,
            });
        }
        self.node_of_info[info]
    }

    fn add(&mut self, b: &GraphBuilder<'_>, kept: Option<&[bool]>, group: &SampleGroup) {
        self.generation += 1;
        let s = &b.profile().sample[group.sample];
        let (w, dw) = group.weights;
        let mut parent: Option<usize> = None;
        let mut residual = false;
        let mut depth = 0;
        for &frame in b.frames(group.stack) {
            let info = frame.info();
            if kept.is_some_and(|k| !k[info]) {
                residual = true;
                continue;
            }
            let n = self.node(info);
            let node = &mut self.nodes[n];
            if node.stamp != self.generation {
                node.stamp = self.generation;
                node.cum = node.cum.wrapping_add(w);
                node.cum_div = node.cum_div.wrapping_add(dw);
                if let Some(tags) = &mut self.tags {
                    tags.add(n, group, s, false);
                }
            }
            if let Some(p) = parent.filter(|&p| self.with_edges && p != n) {
                self.add_edge(depth, (p, n), group.weights, (residual, frame.inline()));
                depth += 1;
            }
            parent = Some(n);
            residual = false;
        }
        if let (Some(leaf), false) = (parent, residual) {
            let node = &mut self.nodes[leaf];
            node.flat = node.flat.wrapping_add(w);
            node.flat_div = node.flat_div.wrapping_add(dw);
            if let Some(tags) = &mut self.tags {
                tags.add(leaf, group, s, true);
            }
        }
    }

    /// Adds the group's weight to the caller → callee edge, once per group.
    fn add_edge(
        &mut self,
        depth: usize,
        (src, dest): (usize, usize),
        (w, dw): (i64, i64),
        (residual, inline): (bool, bool),
    ) {
        let cached = self
            .edge_at_depth
            .get(depth)
            .filter(|&&(s, d, _)| (s, d) == (src, dest))
            .map(|&(_, _, id)| id);
        let id = match cached.or_else(|| self.edge_of.get(&(src, dest)).copied()) {
            Some(id) => {
                let e = &mut self.edges[id];
                if e.stamp != self.generation {
                    e.stamp = self.generation;
                    e.weight = e.weight.wrapping_add(w);
                    e.weight_div = e.weight_div.wrapping_add(dw);
                    e.residual |= residual;
                    e.inline &= inline;
                }
                id
            }
            None => {
                let id = self.edges.len();
                self.edges.push(EdgeWeights {
                    src,
                    dest,
                    stamp: self.generation,
                    weight: w,
                    weight_div: dw,
                    residual,
                    inline,
                });
                self.edge_of.insert((src, dest), id);
                id
            }
        };
        match self.edge_at_depth.get_mut(depth) {
            Some(slot) => *slot = (src, dest, id),
            None => self.edge_at_depth.push((src, dest, id)),
        }
    }

    /// The nodes the graph would show (see [`is_shown`]).
    fn shown_nodes(&self, drop_negative: bool) -> impl Iterator<Item = &NodeWeights> {
        self.nodes
            .iter()
            .filter(move |n| is_shown(n.flat, n.cum, drop_negative))
    }

    /// The sum of the shown nodes' flat weights, as [`Graph::flat_sum`] of the built graph.
    pub(super) fn flat_sum(&self, drop_negative: bool) -> i64 {
        self.shown_nodes(drop_negative)
            .fold(0i64, |acc, n| acc.wrapping_add(n.flat))
    }

    /// The infos of the shown nodes whose |cum| reaches `cutoff`, and how many shown nodes do
    /// not; `None` when every shown node does.
    pub(super) fn infos_above(
        &self,
        cutoff: i64,
        drop_negative: bool,
    ) -> Option<(Vec<bool>, usize)> {
        let mut kept = vec![false; self.node_of_info.len()];
        let mut dropped = 0;
        for n in self.shown_nodes(drop_negative) {
            if n.cum.wrapping_abs() >= cutoff {
                kept[n.info] = true;
            } else {
                dropped += 1;
            }
        }
        (dropped > 0).then_some((kept, dropped))
    }

    /// The graph: shown nodes in the order they were met, then the others as phantoms; edges
    /// numbered by their caller's position, then in the order they were met (the order pprof's
    /// node selection leaves them in).
    fn into_graph(self, b: &GraphBuilder<'_>) -> Graph {
        let drop_negative = b.options().drop_negative;
        let shown: Vec<bool> = self
            .nodes
            .iter()
            .map(|n| is_shown(n.flat, n.cum, drop_negative))
            .collect();
        let shown_count = shown.iter().filter(|s| **s).count();
        let mut g = Graph::default();
        let mut new_id = Vec::with_capacity(self.nodes.len());
        for (n, &is_shown) in self.nodes.iter().zip(&shown) {
            let info = b.info(n.info);
            let node = Node {
                name: info.printable_name(),
                info: info.clone(),
                flat: n.flat,
                flat_div: n.flat_div,
                cum: n.cum,
                cum_div: n.cum_div,
                info_id: n.info,
                function_scope: usize::MAX,
                ..Default::default()
            };
            if is_shown {
                new_id.push(g.nodes.len());
                g.nodes.push(node);
            } else {
                new_id.push(shown_count + g.phantoms.len());
                g.phantoms.push(node);
            }
        }
        let mut order: Vec<usize> = (0..self.edges.len()).collect();
        order.sort_by_key(|&e| self.edges[e].src);
        g.edges.reserve(order.len());
        for e in order {
            let e = &self.edges[e];
            let (src, dest) = (new_id[e.src], new_id[e.dest]);
            let id = g.edges.len();
            g.edges.push(Edge {
                src,
                dest,
                weight: e.weight,
                weight_div: e.weight_div,
                residual: e.residual,
                inline: e.inline,
            });
            g.node_mut(src).out_edges.push(id);
            g.node_mut(dest).in_edges.push(id);
        }
        if let Some(tags) = self.tags {
            let (_, names) = b.groups(true);
            tags.finish(names, b.options(), &mut g, |n| new_id[n]);
        }
        g
    }
}
