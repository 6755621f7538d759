//! The context-sensitive call tree (`-call_tree`): one node per distinct path from a root, and
//! trimming that splices dropped nodes out of their paths.

use super::build::{select_nodes, GraphBuilder};
use super::id_hash::IdMap;
use super::node_tags::NodeTags;
use super::{Edge, EdgeId, Graph, Node, NodeId};

impl GraphBuilder<'_> {
    /// Builds the call tree (pprof's `newTree`): a node per distinct path from a root.
    pub fn build_tree(&self) -> Graph {
        let opts = self.options();
        let mut g = Graph::default();
        let mut children: IdMap<(NodeId, usize), NodeId> = IdMap::default();
        let mut edge_of: IdMap<(NodeId, NodeId), EdgeId> = IdMap::default();
        let mut names: Vec<Option<String>> = Vec::new();
        let mut tags = opts.tags.then(NodeTags::default);
        let (groups, label_names) = self.groups(opts.tags);
        for group in groups {
            let s = &self.profile().sample[group.sample];
            let (w, dw) = group.weights;
            let mut parent: Option<NodeId> = None;
            for &frame in self.frames(group.stack) {
                let info = frame.info();
                let key = (parent.unwrap_or(usize::MAX), info);
                let n = *children.entry(key).or_insert_with(|| {
                    if names.len() <= info {
                        names.resize(info + 1, None);
                    }
                    let node_info = self.info(info);
                    let name = names[info]
                        .get_or_insert_with(|| node_info.printable_name())
                        .clone();
                    g.nodes.push(Node {
                        name,
                        info: node_info.clone(),
                        info_id: info,
                        function_scope: parent.unwrap_or(usize::MAX),
                        ..Default::default()
                    });
                    g.nodes.len() - 1
                });
                let node = &mut g.nodes[n];
                node.cum = node.cum.wrapping_add(w);
                node.cum_div = node.cum_div.wrapping_add(dw);
                if let Some(tags) = &mut tags {
                    tags.add(n, group, s, false);
                }
                if let Some(p) = parent {
                    add_tree_edge(&mut g, &mut edge_of, p, n, group.weights, frame.inline());
                }
                parent = Some(n);
            }
            if let Some(leaf) = parent {
                let node = &mut g.nodes[leaf];
                node.flat = node.flat.wrapping_add(w);
                node.flat_div = node.flat_div.wrapping_add(dw);
                if let Some(tags) = &mut tags {
                    tags.add(leaf, group, s, true);
                }
            }
        }
        if let Some(tags) = tags {
            tags.finish(label_names, opts, &mut g, |n| n);
        }
        select_nodes(g, opts.drop_negative)
    }
}

fn add_tree_edge(
    g: &mut Graph,
    edge_of: &mut IdMap<(NodeId, NodeId), EdgeId>,
    src: NodeId,
    dest: NodeId,
    (w, dw): (i64, i64),
    inline: bool,
) {
    if let Some(&id) = edge_of.get(&(src, dest)) {
        let e = &mut g.edges[id];
        e.weight = e.weight.wrapping_add(w);
        e.weight_div = e.weight_div.wrapping_add(dw);
        e.inline &= inline;
        return;
    }
    let id = g.edges.len();
    g.edges.push(Edge {
        src,
        dest,
        weight: w,
        weight_div: dw,
        residual: false,
        inline,
    });
    g.nodes[src].out_edges.push(id);
    g.nodes[dest].in_edges.push(id);
    edge_of.insert((src, dest), id);
}

impl Graph {
    /// Removes the nodes not in `keep`, connecting each removed node's children to its parent
    /// with residual edges (pprof's `TrimTree`).
    pub fn trim_tree(&mut self, keep: &[bool]) {
        for (cur, &kept) in keep.iter().enumerate() {
            if kept {
                continue;
            }
            let outs = std::mem::take(&mut self.nodes[cur].out_edges);
            let Some(&in_edge) = self.nodes[cur].in_edges.first() else {
                for e in outs {
                    let child = self.edges[e].dest;
                    self.node_mut(child).in_edges.retain(|&x| x != e);
                }
                continue;
            };
            let parent = self.edges[in_edge].src;
            let parent_inline = self.edges[in_edge].inline;
            self.node_mut(parent).out_edges.retain(|&x| x != in_edge);
            for e in outs {
                let edge = &mut self.edges[e];
                edge.src = parent;
                edge.residual = true;
                edge.inline = parent_inline && edge.inline;
                self.node_mut(parent).out_edges.push(e);
            }
        }
        self.retain_nodes(keep, false);
        self.remove_redundant_edges();
    }
}
