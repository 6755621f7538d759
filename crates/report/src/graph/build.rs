//! Building the graph from a profile: nodes per location line, weights and edges per sample.

use std::cell::OnceCell;
use std::hash::{BuildHasher, RandomState};

use ferroprof_profile::{Line, Location, LocationId, Profile, ProfileIndex, Sample};

use super::groups::{Frame, Grouping, SampleGroup};
use super::id_hash::HashChains;
use super::{Graph, NodeInfo};
use crate::options::OutputFormat;
use crate::paths;
use crate::report::Report;

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

    /// The position of the location with this id in the profile's locations.
    pub(crate) fn location_pos(&self, id: LocationId) -> Option<usize> {
        self.index.location_pos(id)
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

/// Builds the graph of `profile` (the call tree with `opts.call_tree`).
pub fn build_graph(profile: &Profile, opts: &GraphOptions) -> Graph {
    let builder = GraphBuilder::new(profile, opts.clone());
    if opts.call_tree {
        builder.build_tree()
    } else {
        builder.build(None)
    }
}

/// The node identities of a profile's location lines and its samples grouped by stack, worked
/// out once and shared by every walk that builds its graph (the full graph, then the graphs with
/// fewer nodes that trimming asks for).
#[derive(Debug)]
pub struct GraphBuilder<'p> {
    profile: &'p Profile,
    opts: GraphOptions,
    /// Each distinct node identity once.
    infos: Vec<NodeInfo>,
    /// Position of each location in `profile.location`, by id.
    index: ProfileIndex,
    /// Where the infos of each location's lines start in `line_infos`, by the location's
    /// position, with one more entry for the end.
    line_start: Vec<usize>,
    /// The info of each line of each location, innermost first, locations one after the other:
    /// one flat array rather than a vector per location, so that the walk's per-frame lookup
    /// stays in cache (`perf annotate` put a third of graph building on that load).
    line_infos: Vec<usize>,
    /// The samples grouped by stack (and label set, for tags), made on first use.
    grouping: OnceCell<Grouping>,
}

impl<'p> GraphBuilder<'p> {
    /// Works out the node identity of every location line of `profile`.
    pub fn new(profile: &'p Profile, opts: GraphOptions) -> Self {
        let maker = InfoMaker::new(profile, &opts);
        // Node identities hold names from the input: SipHash.
        let hasher = RandomState::new();
        let mut chains = HashChains::default();
        let mut infos: Vec<NodeInfo> = Vec::with_capacity(profile.location.len());
        let mut line_start = Vec::with_capacity(profile.location.len() + 1);
        let mut line_infos = Vec::with_capacity(profile.location.len());
        for loc in &profile.location {
            line_start.push(line_infos.len());
            for line in location_lines(loc) {
                let info = maker.info(loc, line);
                let hash = hasher.hash_one(&info);
                let id = chains.find(hash, |i| infos[i] == info).unwrap_or_else(|| {
                    chains.add(hash);
                    infos.push(info);
                    infos.len() - 1
                });
                line_infos.push(id);
            }
        }
        line_start.push(line_infos.len());
        drop(maker);
        let index = ProfileIndex::new(profile);
        GraphBuilder {
            profile,
            opts,
            infos,
            index,
            line_start,
            line_infos,
            grouping: OnceCell::new(),
        }
    }

    /// The infos of the lines of the location with this id, innermost first.
    pub(super) fn location_infos(&self, id: LocationId) -> Option<&[usize]> {
        let pos = self.index.location_pos(id)?;
        Some(&self.line_infos[self.line_start[pos]..self.line_start[pos + 1]])
    }

    /// The number of distinct node identities.
    pub(super) fn info_count(&self) -> usize {
        self.infos.len()
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

    fn grouping(&self) -> &Grouping {
        self.grouping
            .get_or_init(|| Grouping::new(self, self.opts.tags))
    }

    /// The sample groups a walk goes through (by stack, or by stack and label set with `tags`),
    /// and the names of their label sets.
    pub(super) fn groups(&self, tags: bool) -> (&[SampleGroup], &[String]) {
        let g = self.grouping();
        let groups = if tags {
            &g.by_stack_and_labels
        } else {
            &g.by_stack
        };
        (groups, &g.label_names)
    }

    /// The frames of a stack of the grouping, root first.
    pub(super) fn frames(&self, stack: usize) -> &[Frame] {
        self.grouping().frames(stack)
    }

    /// Builds the graph; with `kept` (by info, see [`GraphBuilder::kept_infos`]) only those
    /// nodes exist, and edges across dropped nodes become residual.
    pub fn build(&self, kept: Option<&[bool]>) -> Graph {
        self.graph(kept)
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

/// Drops nodes without weight (and negative ones on request) from the shown nodes, keeping them
/// as phantoms at the end of their edges, as pprof does.
pub(super) fn select_nodes(mut g: Graph, drop_negative: bool) -> Graph {
    let keep: Vec<bool> = g
        .nodes
        .iter()
        .map(|n| is_shown(n.flat, n.cum, drop_negative))
        .collect();
    g.retain_nodes(&keep, true);
    g
}

/// Whether a node with these weights is shown (pprof drops empty nodes, and negative ones with
/// `drop_negative`).
pub(super) fn is_shown(flat: i64, cum: i64, drop_negative: bool) -> bool {
    let negative = flat < 0 || (flat == 0 && cum < 0);
    let empty = cum == 0 && flat == 0;
    !(empty || drop_negative && negative)
}
