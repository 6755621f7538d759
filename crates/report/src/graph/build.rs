//! Building the graph from a profile: nodes per location line, weights and edges per sample.

use std::collections::HashMap;

use ferroprof_profile::{Line, Location, Profile, ProfileIndex, Sample};

use super::id_hash::IdMap;
use super::{Edge, EdgeId, Graph, Node, NodeId, NodeInfo, Tag, TagMap};
use crate::measurement;
use crate::options::OutputFormat;
use crate::paths;
use crate::report::{Report, DIFF_BASE_LABEL};

/// How a graph is built (pprof's `graph.Options`, plus the report settings it depends on).
#[derive(Clone, Debug, Default)]
pub struct GraphOptions {
    /// The sample value column.
    pub sample_index: usize,
    /// Divide by the first value column (`-mean`).
    pub mean: bool,
    /// Keep object file names and start lines in every node (raw, list, disasm, callgrind).
    pub obj_names: bool,
    /// Build a context-sensitive tree instead of a graph.
    pub call_tree: bool,
    /// Drop nodes whose value is negative.
    pub drop_negative: bool,
    /// `-trim_path` prefixes applied to source file names.
    pub trim_path: String,
    /// `-source_path`, used to guess build prefixes of source file names.
    pub source_path: String,
    /// Unit of the `bytes` numeric label, the only numeric label graphs keep.
    pub bytes_unit: String,
    /// The output unit numeric tags are formatted in.
    pub tag_unit: String,
    /// Collect label and numeric tags in nodes. Only graphs drawn as DOT show them (nodelets,
    /// and the node count of `select_top_nodes` counts them), so other reports skip the work:
    /// on a labelled profile tag bookkeeping was most of graph building (see benches/RESULTS.md).
    pub tags: bool,
}

impl GraphOptions {
    /// The graph options a report implies.
    pub fn for_report(rpt: &Report<'_>) -> Self {
        let o = rpt.options();
        GraphOptions {
            sample_index: o.sample_index,
            mean: o.mean,
            obj_names: matches!(
                o.output_format,
                OutputFormat::Raw
                    | OutputFormat::List
                    | OutputFormat::WebList
                    | OutputFormat::Dis
                    | OutputFormat::Callgrind
            ),
            call_tree: o.builds_call_tree(),
            drop_negative: o.drop_negative,
            trim_path: o.trim_path.clone(),
            source_path: o.source_path.clone(),
            bytes_unit: o.num_label_units.get("bytes").cloned().unwrap_or_default(),
            tag_unit: o.output_unit.clone(),
            tags: o.output_format.is_visual(),
        }
    }

    pub(super) fn weights(&self, s: &Sample) -> (i64, i64) {
        let w = s.value.get(self.sample_index).copied().unwrap_or(0);
        let dw = if self.mean {
            s.value.first().copied().unwrap_or(0)
        } else {
            0
        };
        (w, dw)
    }
}

/// Everything needed to turn a location line into a node identity.
pub(crate) struct InfoMaker<'a> {
    profile: &'a Profile,
    index: ProfileIndex,
    opts: &'a GraphOptions,
    /// Cleaned, trimmed file name of each function, by position.
    files: Vec<String>,
}

impl<'a> InfoMaker<'a> {
    pub(crate) fn new(profile: &'a Profile, opts: &'a GraphOptions) -> Self {
        let files = profile
            .function
            .iter()
            .map(|f| {
                let trimmed = paths::trim_path(&f.filename, &opts.trim_path, &opts.source_path);
                if trimmed.is_empty() {
                    trimmed
                } else {
                    paths::clean(&trimmed)
                }
            })
            .collect();
        InfoMaker {
            profile,
            index: ProfileIndex::new(profile),
            opts,
            files,
        }
    }

    pub(crate) fn location(&self, id: ferroprof_profile::LocationId) -> Option<&'a Location> {
        self.index.location(self.profile, id)
    }

    /// The node identity of one line of a location (pprof's `nodeInfo`).
    pub(crate) fn info(&self, loc: &Location, line: Option<&Line>) -> NodeInfo {
        let objfile = loc
            .mapping_id
            .and_then(|m| self.index.mapping(self.profile, m))
            .map(|m| m.filename.clone())
            .unwrap_or_default();
        let func_pos = line
            .and_then(|l| l.function_id)
            .and_then(|f| self.index.function_pos(f));
        let (Some(line), Some(pos)) = (line, func_pos) else {
            return NodeInfo {
                address: loc.address,
                objfile,
                ..Default::default()
            };
        };
        let func = &self.profile.function[pos];
        let mut info = NodeInfo {
            address: loc.address,
            lineno: line.line,
            name: func.name.clone(),
            file: self.files[pos].clone(),
            ..Default::default()
        };
        if self.opts.obj_names || info.name.is_empty() {
            info.objfile = objfile;
            info.start_line = func.start_line;
        }
        info
    }
}

/// The lines of a location as graph building walks them: one empty line for a location without
/// lines, so that its address and mapping still make a node.
pub(crate) fn location_lines(loc: &Location) -> Vec<Option<&Line>> {
    if loc.line.is_empty() {
        vec![None]
    } else {
        loc.line.iter().map(Some).collect()
    }
}

/// The string labels of a sample as one tag name: sorted `key:value` pairs joined by `\n`.
pub(super) fn join_labels(s: &Sample) -> String {
    let mut labels: Vec<String> = s
        .label
        .iter()
        .filter(|(k, _)| k.as_str() != DIFF_BASE_LABEL)
        .flat_map(|(k, vs)| vs.iter().map(move |v| format!("{k}:{v}")))
        .collect();
    labels.sort();
    labels.join("\\n")
}

/// Adds one sample's weight to a node: flat or cum, and its tags.
pub(super) fn add_sample(
    node: &mut Node,
    (w, dw): (i64, i64),
    labels: &str,
    s: &Sample,
    opts: &GraphOptions,
    flat: bool,
) {
    let add = |tag_flat: &mut i64, tag_div: &mut i64| {
        *tag_flat = tag_flat.wrapping_add(w);
        *tag_div = tag_div.wrapping_add(dw);
    };
    let add_to = |t: &mut Tag| {
        if flat {
            add(&mut t.flat, &mut t.flat_div)
        } else {
            add(&mut t.cum, &mut t.cum_div)
        }
    };
    if flat {
        add(&mut node.flat, &mut node.flat_div);
    } else {
        add(&mut node.cum, &mut node.cum_div);
    }
    if !opts.tags {
        return;
    }
    if !labels.is_empty() {
        add_to_tag(&mut node.label_tags, labels, ("", 0), add_to);
    }
    if let Some(values) = s.num_label.get("bytes") {
        if !node.numeric_tags.contains_key(labels) {
            node.numeric_tags.insert(labels.to_string(), TagMap::new());
        }
        let Some(tags) = node.numeric_tags.get_mut(labels) else {
            return;
        };
        for &v in values {
            let name = measurement::scaled_label(v, &opts.bytes_unit, &opts.tag_unit);
            add_to_tag(tags, &name, (&opts.bytes_unit, v), add_to);
        }
    }
}

/// Applies `add` to the tag `name` of `tags`, added (with this unit and value) if missing. One
/// lookup and no allocation in the common case, a tag the node already has.
fn add_to_tag(
    tags: &mut TagMap,
    name: &str,
    (unit, value): (&str, i64),
    add: impl FnOnce(&mut Tag),
) {
    if let Some(tag) = tags.get_mut(name) {
        add(tag);
        return;
    }
    let mut tag = Tag {
        name: name.to_string(),
        unit: unit.to_string(),
        value,
        ..Default::default()
    };
    add(&mut tag);
    tags.insert(name.to_string(), tag);
}

/// Builds the graph of `profile` (the call tree with `opts.call_tree`).
pub fn build_graph(profile: &Profile, opts: &GraphOptions) -> Graph {
    let builder = GraphBuilder::new(profile, opts.clone());
    if opts.call_tree {
        builder.build_tree()
    } else {
        builder.build(None)
    }
}

/// The node identities of a profile's location lines, worked out once and shared by every
/// rebuild of its graph with fewer nodes.
#[derive(Debug)]
pub struct GraphBuilder<'p> {
    profile: &'p Profile,
    opts: GraphOptions,
    /// Each distinct node identity once.
    infos: Vec<NodeInfo>,
    /// Position of each location in `profile.location`, by id.
    index: ProfileIndex,
    /// The info of each line of each location, by the location's position.
    loc_infos: Vec<Vec<usize>>,
}

impl<'p> GraphBuilder<'p> {
    /// Works out the node identity of every location line of `profile`.
    pub fn new(profile: &'p Profile, opts: GraphOptions) -> Self {
        let maker = InfoMaker::new(profile, &opts);
        // Sized for one line per location, so that the table is not rehashed while it grows.
        let mut info_id: HashMap<NodeInfo, usize> = HashMap::with_capacity(profile.location.len());
        let mut loc_infos = Vec::with_capacity(profile.location.len());
        for loc in &profile.location {
            let ids = location_lines(loc)
                .into_iter()
                .map(|line| {
                    let next = info_id.len();
                    *info_id.entry(maker.info(loc, line)).or_insert(next)
                })
                .collect();
            loc_infos.push(ids);
        }
        drop(maker);
        let mut infos = vec![NodeInfo::default(); info_id.len()];
        for (info, id) in info_id {
            infos[id] = info;
        }
        let index = ProfileIndex::new(profile);
        GraphBuilder {
            profile,
            opts,
            infos,
            index,
            loc_infos,
        }
    }

    /// The infos of the lines of the location with this id, innermost first.
    pub(super) fn location_infos(&self, id: ferroprof_profile::LocationId) -> Option<&[usize]> {
        Some(&self.loc_infos[self.index.location_pos(id)?])
    }

    /// The node identity with this info index.
    pub(super) fn info(&self, id: usize) -> &NodeInfo {
        &self.infos[id]
    }

    /// The profile the graph is built from.
    pub(super) fn profile(&self) -> &Profile {
        self.profile
    }

    /// The options the graph is built with.
    pub(super) fn options(&self) -> &GraphOptions {
        &self.opts
    }

    /// Builds the graph; with `kept` (by info, see [`GraphBuilder::kept_infos`]) only those
    /// nodes exist, and edges across dropped nodes become residual.
    pub fn build(&self, kept: Option<&[bool]>) -> Graph {
        let mut g = Graph::default();
        let mut walker = SampleWalker::new(self.infos.len());
        for s in &self.profile.sample {
            walker.add(&mut g, self, kept, s);
        }
        select_nodes(g, self.opts.drop_negative)
    }

    /// The infos of the nodes of `g` marked in `keep`, as [`GraphBuilder::build`] takes them.
    pub fn kept_infos(&self, g: &Graph, keep: &[bool]) -> Vec<bool> {
        let mut kept = vec![false; self.infos.len()];
        for (n, _) in g.nodes.iter().zip(keep).filter(|(_, k)| **k) {
            if let Some(flag) = kept.get_mut(n.info_id) {
                *flag = true;
            }
        }
        kept
    }
}

/// Per-sample bookkeeping: which nodes and edges the current sample already counted, kept as
/// generation stamps so that nothing is cleared between samples. Nodes are created when a
/// sample first reaches them.
struct SampleWalker {
    generation: u64,
    node_of_info: Vec<usize>,
    node_stamp: Vec<u64>,
    edge_stamp: Vec<u64>,
    edge_of: IdMap<(NodeId, NodeId), EdgeId>,
    /// The edge met at each depth (from the root) of the previous sample: consecutive samples
    /// share their outer frames, and this skips the `edge_of` lookup for them, a cache miss per
    /// frame on large graphs (a third of graph building under `perf annotate`).
    edge_at_depth: Vec<(NodeId, NodeId, EdgeId)>,
}

impl SampleWalker {
    fn new(infos: usize) -> Self {
        SampleWalker {
            generation: 0,
            node_of_info: vec![usize::MAX; infos],
            node_stamp: Vec::new(),
            edge_stamp: Vec::new(),
            edge_of: IdMap::default(),
            edge_at_depth: Vec::new(),
        }
    }

    fn node(&mut self, g: &mut Graph, b: &GraphBuilder<'_>, info: usize) -> NodeId {
        if self.node_of_info[info] == usize::MAX {
            let info_ref = &b.infos[info];
            g.nodes.push(Node {
                name: info_ref.printable_name(),
                info: info_ref.clone(),
                info_id: info,
                function_scope: usize::MAX,
                ..Default::default()
            });
            self.node_stamp.push(0);
            self.node_of_info[info] = g.nodes.len() - 1;
        }
        self.node_of_info[info]
    }

    fn add(&mut self, g: &mut Graph, b: &GraphBuilder<'_>, kept: Option<&[bool]>, s: &Sample) {
        let weights = b.opts.weights(s);
        if weights == (0, 0) {
            return;
        }
        self.generation += 1;
        let labels = if b.opts.tags {
            join_labels(s)
        } else {
            String::new()
        };
        let mut parent: Option<NodeId> = None;
        let mut residual = false;
        let mut depth = 0;
        for loc in s.location.iter().rev() {
            let Some(infos) = b.location_infos(*loc) else {
                continue;
            };
            for (ni, &info) in infos.iter().enumerate().rev() {
                if kept.is_some_and(|k| !k[info]) {
                    residual = true;
                    continue;
                }
                let n = self.node(g, b, info);
                if self.node_stamp[n] != self.generation {
                    self.node_stamp[n] = self.generation;
                    add_sample(&mut g.nodes[n], weights, &labels, s, &b.opts, false);
                }
                if let Some(p) = parent.filter(|&p| p != n) {
                    let inline = ni != infos.len() - 1;
                    self.add_edge(g, depth, (p, n), weights, (residual, inline));
                    depth += 1;
                }
                parent = Some(n);
                residual = false;
            }
        }
        if let (Some(leaf), false) = (parent, residual) {
            add_sample(&mut g.nodes[leaf], weights, &labels, s, &b.opts, true);
        }
    }

    /// Adds the sample's weight to the caller → callee edge, once per sample.
    fn add_edge(
        &mut self,
        g: &mut Graph,
        depth: usize,
        (src, dest): (NodeId, NodeId),
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
                self.remember_edge(depth, (src, dest, id));
                if self.edge_stamp[id] == self.generation {
                    return;
                }
                let e = &mut g.edges[id];
                e.weight = e.weight.wrapping_add(w);
                e.weight_div = e.weight_div.wrapping_add(dw);
                e.residual |= residual;
                e.inline &= inline;
                id
            }
            None => {
                let id = g.edges.len();
                g.edges.push(Edge {
                    src,
                    dest,
                    weight: w,
                    weight_div: dw,
                    residual,
                    inline,
                });
                g.nodes[src].out_edges.push(id);
                g.nodes[dest].in_edges.push(id);
                self.edge_of.insert((src, dest), id);
                self.edge_stamp.push(0);
                self.remember_edge(depth, (src, dest, id));
                id
            }
        };
        self.edge_stamp[id] = self.generation;
    }

    fn remember_edge(&mut self, depth: usize, edge: (NodeId, NodeId, EdgeId)) {
        match self.edge_at_depth.get_mut(depth) {
            Some(slot) => *slot = edge,
            None => self.edge_at_depth.push(edge),
        }
    }
}

/// Drops nodes without weight (and negative ones on request) from the shown nodes, keeping them
/// as phantoms at the end of their edges, as pprof does.
pub(super) fn select_nodes(mut g: Graph, drop_negative: bool) -> Graph {
    let keep: Vec<bool> = g
        .nodes
        .iter()
        .map(|n| {
            let negative = n.flat < 0 || (n.flat == 0 && n.cum < 0);
            let empty = n.cum == 0 && n.flat == 0;
            !(empty || drop_negative && negative)
        })
        .collect();
    g.retain_nodes(&keep, true);
    g
}
