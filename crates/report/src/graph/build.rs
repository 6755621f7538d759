//! Building the graph from a profile: nodes per location line, weights and edges per sample.

use std::collections::{HashMap, HashSet};

use ferroprof_profile::{Line, Location, Profile, ProfileIndex, Sample};

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
    if !labels.is_empty() {
        add_to(find_or_add_tag(&mut node.label_tags, labels, "", 0));
    }
    if let Some(values) = s.num_label.get("bytes") {
        let tags = node.numeric_tags.entry(labels.to_string()).or_default();
        for &v in values {
            let name = measurement::scaled_label(v, &opts.bytes_unit, &opts.tag_unit);
            add_to(find_or_add_tag(tags, &name, &opts.bytes_unit, v));
        }
    }
}

fn find_or_add_tag<'t>(tags: &'t mut TagMap, name: &str, unit: &str, value: i64) -> &'t mut Tag {
    tags.entry(name.to_string()).or_insert_with(|| Tag {
        name: name.to_string(),
        unit: unit.to_string(),
        value,
        ..Default::default()
    })
}

/// Builds the graph of `profile`; with `kept`, only nodes whose info is in the set exist, and
/// edges across dropped nodes become residual.
pub fn build_graph(
    profile: &Profile,
    opts: &GraphOptions,
    kept: Option<&HashSet<NodeInfo>>,
) -> Graph {
    if opts.call_tree {
        return super::tree::build_tree(profile, opts);
    }
    let maker = InfoMaker::new(profile, opts);
    let mut g = Graph::default();
    let mut by_info: HashMap<NodeInfo, NodeId> = HashMap::new();
    let mut loc_nodes: HashMap<u64, Vec<Option<NodeId>>> = HashMap::new();
    for loc in &profile.location {
        let nodes = location_lines(loc)
            .into_iter()
            .map(|line| {
                let info = maker.info(loc, line);
                if kept.is_some_and(|k| !k.contains(&info)) {
                    return None;
                }
                Some(*by_info.entry(info).or_insert_with_key(|info| {
                    g.nodes.push(Node {
                        name: info.printable_name(),
                        info: info.clone(),
                        ..Default::default()
                    });
                    g.nodes.len() - 1
                }))
            })
            .collect();
        loc_nodes.insert(loc.id.get(), nodes);
    }
    let mut walker = SampleWalker::new(g.nodes.len());
    for s in &profile.sample {
        walker.add(&mut g, &loc_nodes, s, opts);
    }
    select_nodes(g, opts.drop_negative)
}

/// Per-sample bookkeeping: which nodes and edges the current sample already counted, kept as
/// generation stamps so that nothing is cleared between samples.
struct SampleWalker {
    generation: u64,
    node_stamp: Vec<u64>,
    edge_stamp: Vec<u64>,
    edge_of: HashMap<(NodeId, NodeId), EdgeId>,
}

impl SampleWalker {
    fn new(nodes: usize) -> Self {
        SampleWalker {
            generation: 0,
            node_stamp: vec![0; nodes],
            edge_stamp: Vec::new(),
            edge_of: HashMap::new(),
        }
    }

    fn add(
        &mut self,
        g: &mut Graph,
        loc_nodes: &HashMap<u64, Vec<Option<NodeId>>>,
        s: &Sample,
        opts: &GraphOptions,
    ) {
        let weights = opts.weights(s);
        if weights == (0, 0) {
            return;
        }
        self.generation += 1;
        let labels = join_labels(s);
        let mut parent: Option<NodeId> = None;
        let mut residual = false;
        for loc in s.location.iter().rev() {
            let Some(nodes) = loc_nodes.get(&loc.get()) else {
                continue;
            };
            for (ni, node) in nodes.iter().enumerate().rev() {
                let Some(n) = *node else {
                    residual = true;
                    continue;
                };
                if self.node_stamp[n] != self.generation {
                    self.node_stamp[n] = self.generation;
                    add_sample(&mut g.nodes[n], weights, &labels, s, opts, false);
                }
                if let Some(p) = parent.filter(|&p| p != n) {
                    let inline = ni != nodes.len() - 1;
                    self.add_edge(g, p, n, weights, residual, inline);
                }
                parent = Some(n);
                residual = false;
            }
        }
        if let (Some(leaf), false) = (parent, residual) {
            add_sample(&mut g.nodes[leaf], weights, &labels, s, opts, true);
        }
    }

    /// Adds the sample's weight to the caller → callee edge, once per sample.
    fn add_edge(
        &mut self,
        g: &mut Graph,
        src: NodeId,
        dest: NodeId,
        (w, dw): (i64, i64),
        residual: bool,
        inline: bool,
    ) {
        let id = match self.edge_of.get(&(src, dest)) {
            Some(&id) => {
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
                id
            }
        };
        self.edge_stamp[id] = self.generation;
    }
}

/// Drops nodes without weight (and negative ones on request), renumbering nodes and edges.
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
    g.retain_nodes(&keep);
    g
}
