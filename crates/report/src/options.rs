//! What a report shows and how: the output format, the sample value, units, trimming and the
//! labels of the legend. The driver fills a [`ReportOptions`] from its configuration (after
//! `go tool pprof`'s per-command overrides) and hands it to [`crate::generate`].

use std::collections::BTreeMap;

use regex::Regex;

/// The level at which the driver aggregated the profile before reporting (`-granularity`): the
/// profile crate's, so that aggregation and reports share one definition.
pub use ferroprof_profile::ops::Granularity;

/// The report to produce (pprof's `report.Callgrind`, `report.Text`, …).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// `-top` / `-text`: one line per node.
    #[default]
    Text,
    /// `-tree`: callers and callees of every node.
    Tree,
    /// `-peek=REGEX`: the tree restricted to nodes matching [`ReportOptions::symbol`].
    Peek,
    /// `-dot`: a Graphviz graph.
    Dot,
    /// `-callgrind`: the callgrind format.
    Callgrind,
    /// `-list=REGEX`: annotated source of matching functions.
    List,
    /// `-disasm=REGEX`: annotated assembly of matching symbols.
    Dis,
    /// `-weblist=REGEX`: annotated source and assembly as HTML.
    WebList,
    /// `-traces`: every sample's stack.
    Traces,
    /// `-tags`: the label values and their weights.
    Tags,
    /// `-raw`: the profile's text dump.
    Raw,
    /// `-comments`: the profile's comments.
    Comments,
    /// `-proto`: the profile re-encoded.
    Proto,
    /// `-topproto`: the top nodes as a profile.
    TopProto,
    /// `-folded` (a ferroprof addition): one line per stack, `root;caller;leaf value`.
    Folded,
    /// `-flame` (a ferroprof addition): an interactive SVG flame graph.
    Flame,
}

impl OutputFormat {
    /// Whether the report draws a graph (legend with full headers, entropy order, nodelets).
    pub fn is_visual(self) -> bool {
        self == OutputFormat::Dot
    }
}

/// How nodes are ordered (`-flat`, `-cum`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// By flat value, then name, then cum value (the default).
    #[default]
    Flat,
    /// By cum value, then name, then flat value.
    Cum,
}

/// Everything a report writer needs to know besides the profile (pprof's `report.Options`).
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// The report to write.
    pub output_format: OutputFormat,
    /// Which sample value column is reported (index into `Profile::sample_type`).
    pub sample_index: usize,
    /// The reported sample type's name as the profile states it (`cpu`, `inuse_space`).
    pub sample_type: String,
    /// The reported sample type's unit as the profile states it (`nanoseconds`, `bytes`).
    pub sample_unit: String,
    /// Report values divided by the first value column (`-mean`); the type prints `mean_<type>`.
    pub mean: bool,
    /// Divide every printed value by this constant (`-divide_by`); never 0.
    pub divide_by: f64,
    /// The unit values print in: `minimum` (one unit per report), `auto` (per value) or a unit.
    pub output_unit: String,
    /// Keep at most this many nodes (`-nodecount`); `None` keeps all. The driver resolves pprof's
    /// per-command default (-1) before filling this in.
    pub node_count: Option<usize>,
    /// Drop nodes whose |cum| is below this fraction of the total (`-nodefraction`).
    pub node_fraction: f64,
    /// Drop edges whose |weight| is below this fraction of the total (`-edgefraction`).
    pub edge_fraction: f64,
    /// `false` (`-trim=false`) disables `node_count`, `node_fraction` and `edge_fraction`.
    pub trim: bool,
    /// Build a context-sensitive tree instead of a graph (`-call_tree`; dot and callgrind only).
    pub call_tree: bool,
    /// Hide nodes with negative values (`-drop_negative`).
    pub drop_negative: bool,
    /// Omit the profile lines (File, Type, Time, Duration) from text headers (`-compact_labels`).
    pub compact_labels: bool,
    /// Percentages are relative to the filtered samples (`-relative_percentages`). The driver
    /// honours this by computing [`ReportOptions::total`] after filtering.
    pub relative_percentages: bool,
    /// The level the profile was aggregated at (informational for the writers).
    pub granularity: Granularity,
    /// Inlined frames were attributed to their callers (`-noinlines`).
    pub no_inlines: bool,
    /// Node order for text and tree reports.
    pub sort: SortOrder,
    /// The regex of `-peek`, `-list`, `-disasm` and `-weblist`.
    pub symbol: Option<Regex>,
    /// List-separated (`:`) directories where `-list` looks for source files; empty means the
    /// reader's current directory.
    pub source_path: String,
    /// List-separated path prefixes trimmed from source file names (`-trim_path`).
    pub trim_path: String,
    /// The dot graph's name; `None` derives it from the main binary's file name.
    pub title: Option<String>,
    /// Replaces the profile lines of the legend when not empty.
    pub profile_labels: Vec<String>,
    /// The filters the driver applied, as `name=value`, for the legend's "Active filters:".
    pub active_filters: Vec<String>,
    /// Unit of each numeric label key (`ferroprof_profile::ops::num_label_units`).
    pub num_label_units: BTreeMap<String, String>,
    /// The total that percentages refer to. `go tool pprof` computes it before applying filters
    /// (unless `relative_percentages`), so the driver passes it here; `None` computes it from the
    /// profile given to the report.
    pub total: Option<i64>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            output_format: OutputFormat::Text,
            sample_index: 0,
            sample_type: String::new(),
            sample_unit: String::new(),
            mean: false,
            divide_by: 1.0,
            output_unit: "minimum".to_string(),
            node_count: None,
            node_fraction: 0.005,
            edge_fraction: 0.001,
            trim: true,
            call_tree: false,
            drop_negative: false,
            compact_labels: false,
            relative_percentages: false,
            granularity: Granularity::Functions,
            no_inlines: false,
            sort: SortOrder::Flat,
            symbol: None,
            source_path: String::new(),
            trim_path: String::new(),
            title: None,
            profile_labels: Vec::new(),
            active_filters: Vec::new(),
            num_label_units: BTreeMap::new(),
            total: None,
        }
    }
}

impl ReportOptions {
    /// Options for reporting sample column `index` of `profile` (type, unit and numeric label
    /// units filled in), everything else at pprof's defaults.
    pub fn for_sample_index(profile: &ferroprof_profile::Profile, index: usize) -> Self {
        let (sample_type, sample_unit) = profile
            .sample_type
            .get(index)
            .map(|t| (t.r#type.clone(), t.unit.clone()))
            .unwrap_or_default();
        ReportOptions {
            sample_index: index,
            sample_type,
            sample_unit,
            num_label_units: ferroprof_profile::ops::num_label_units(profile).units,
            ..ReportOptions::default()
        }
    }

    /// The multiplier applied to values before printing: `1 / divide_by`.
    pub fn ratio(&self) -> f64 {
        1.0 / self.divide_by
    }

    /// The sample type as reports print it: `mean_` prefixed with `-mean`.
    pub fn type_label(&self) -> String {
        if self.mean {
            format!("mean_{}", self.sample_type)
        } else {
            self.sample_type.clone()
        }
    }

    /// Whether nodes are sorted by cum value.
    pub fn cum_sort(&self) -> bool {
        self.sort == SortOrder::Cum
    }

    /// The node limit in effect: `None` when trimming is off or there is no limit.
    pub fn effective_node_count(&self) -> Option<usize> {
        self.node_count.filter(|&n| self.trim && n > 0)
    }

    /// The node fraction in effect (0 when trimming is off).
    pub fn effective_node_fraction(&self) -> f64 {
        if self.trim {
            self.node_fraction
        } else {
            0.0
        }
    }

    /// The edge fraction in effect (0 when trimming is off).
    pub fn effective_edge_fraction(&self) -> f64 {
        if self.trim {
            self.edge_fraction
        } else {
            0.0
        }
    }

    /// Whether the graph is built as a context-sensitive tree (only dot and callgrind honour
    /// `call_tree`).
    pub fn builds_call_tree(&self) -> bool {
        self.call_tree
            && matches!(
                self.output_format,
                OutputFormat::Dot | OutputFormat::Callgrind
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granularity_names_round_trip() {
        for name in ["functions", "filefunctions", "files", "lines", "addresses"] {
            assert_eq!(
                Granularity::from_name(name).map(Granularity::name),
                Some(name)
            );
        }
        assert_eq!(Granularity::from_name("bogus"), None);
    }

    #[test]
    fn trim_false_disables_every_limit() {
        let o = ReportOptions {
            trim: false,
            node_count: Some(10),
            ..Default::default()
        };
        assert_eq!(o.effective_node_count(), None);
        assert_eq!(o.effective_node_fraction(), 0.0);
        assert_eq!(o.effective_edge_fraction(), 0.0);
        assert_eq!(
            ReportOptions {
                divide_by: 2.0,
                ..Default::default()
            }
            .ratio(),
            0.5
        );
    }
}
