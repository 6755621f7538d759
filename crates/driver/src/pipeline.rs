//! One report from a fetched profile, in the order `go tool pprof`'s `generateRawReport` runs
//! its stages: per-command overrides, label pseudo-frames, filters, report options and total,
//! aggregation, and the report writer. Each stage is a function of its input and the options.

use std::io::Write;

use ferroprof_profile::ops::{self, FilterOptions, Filters, NumLabelUnits};
use ferroprof_profile::Profile;
use ferroprof_report::{compute_total, ObjectTool, OutputFormat, ReportOptions, SourceReader};

use crate::command::{Command, CommandName};
use crate::config::{Config, Granularity, NodeCount};
use crate::error::{Error, Result};
use crate::ui::Ui;

/// Writes the report `command` of `profile` with `config` to `out`; warnings go to `ui`.
///
/// The stages change a copy of `profile`; [`generate_report_owned`] saves the copy.
pub fn generate_report(
    profile: &Profile,
    command: &Command,
    config: &Config,
    ui: &mut dyn Ui,
    out: &mut dyn Write,
) -> Result<()> {
    generate_report_owned(profile.clone(), command, config, ui, out)
}

/// [`generate_report`] of a profile not needed afterwards (a one-shot report): the stages
/// change it in place, so it is never held twice.
pub fn generate_report_owned(
    profile: Profile,
    command: &Command,
    config: &Config,
    ui: &mut dyn Ui,
    out: &mut dyn Write,
) -> Result<()> {
    let (p, options) = prepare_owned(profile, command, config, ui)?;
    let objects = crate::objtool::LocalObjects::new(config.intel_syntax);
    let written = write_with_objects(&p, &options, &FileSources, &objects, out);
    // Freeing a model of millions of small allocations was 14% of a one-shot `-top` on a 10 MB
    // profile (perf, benches/RESULTS.md); a thread of its own frees it while the report is
    // delivered, and the process exit may cut that short. If no thread can start, the closure
    // (and the profile with it) is dropped here instead of panicking like `thread::spawn`.
    let _ = std::thread::Builder::new().spawn(move || drop(p));
    written
}

/// Every stage but the writer: the profile filtered and aggregated for `command`, and the
/// report options (the web UI runs its own writers on them).
pub(crate) fn prepare_report(
    profile: &Profile,
    command: &Command,
    config: &Config,
    ui: &mut dyn Ui,
) -> Result<(Profile, ReportOptions)> {
    prepare_owned(profile.clone(), command, config, ui)
}

/// [`prepare_report`] on the profile itself.
fn prepare_owned(
    mut p: Profile,
    command: &Command,
    config: &Config,
    ui: &mut dyn Ui,
) -> Result<(Profile, ReportOptions)> {
    let units = ops::num_label_units(&p);
    for warning in units.warnings() {
        ui.print_err(&warning);
    }
    let cfg = apply_command_overrides(command.name, config.clone());
    add_tag_frames(&mut p, &cfg, ui);
    let filters = compile_filters(&cfg, &units, ui)?;
    // Percentages are relative to all samples unless asked otherwise, so the focus is applied
    // after the total is taken.
    if cfg.relative_percentages {
        apply_filters(&filters, &mut p, ui);
    }
    let mut options = report_options(&p, &units, &cfg, command)?;
    options.total = Some(compute_total(&p, &options));
    if !cfg.relative_percentages {
        apply_filters(&filters, &mut p, ui);
    }
    aggregate(&mut p, &cfg);
    Ok((p, options))
}

/// pprof's `applyCommandOverrides`: listings and binary formats run untrimmed at the
/// granularity they need; a default node count becomes all (text) or 80 (everything else).
pub fn apply_command_overrides(command: CommandName, mut cfg: Config) -> Config {
    let mut trim = cfg.trim;
    match command {
        CommandName::Disasm => {
            trim = false;
            cfg.granularity = Granularity::Addresses;
            // One location per address, so cumulative values are not counted twice.
            cfg.noinlines = true;
        }
        CommandName::WebList => {
            trim = false;
            cfg.granularity = Granularity::Addresses;
            cfg.noinlines = false;
        }
        CommandName::Peek => trim = false,
        CommandName::List => {
            trim = false;
            cfg.granularity = Granularity::Lines;
        }
        CommandName::Text | CommandName::Top | CommandName::TopProto => {
            if cfg.nodecount == NodeCount::Default {
                cfg.nodecount = NodeCount::Limit(0);
            }
        }
        _ => {
            if cfg.nodecount == NodeCount::Default {
                cfg.nodecount = NodeCount::Limit(80);
            }
        }
    }
    if matches!(
        command.format(),
        OutputFormat::Proto | OutputFormat::Raw | OutputFormat::Callgrind
    ) {
        trim = false;
        cfg.granularity = Granularity::Addresses;
        cfg.noinlines = false;
    }
    if !trim {
        cfg.nodecount = NodeCount::Limit(0);
        cfg.nodefraction = 0.0;
        cfg.edgefraction = 0.0;
    }
    cfg.trim = trim;
    cfg
}

/// `-tagroot` / `-tagleaf`: pseudo-frames from label values, added before filtering so that
/// filters can match them.
fn add_tag_frames(p: &mut Profile, cfg: &Config, ui: &mut dyn Ui) {
    if cfg.tagroot.is_empty() && cfg.tagleaf.is_empty() {
        return;
    }
    let (root, leaf) = ops::add_label_nodes(p, &cfg.tagroot, &cfg.tagleaf, &cfg.unit);
    if !cfg.tagroot.is_empty() && !root {
        ui.print_err("TagRoot expression matched no samples");
    }
    if !cfg.tagleaf.is_empty() && !leaf {
        ui.print_err("TagLeaf expression matched no samples");
    }
}

fn regex_text(rx: &Option<regex::Regex>) -> String {
    rx.as_ref()
        .map(|r| r.as_str().to_string())
        .unwrap_or_default()
}

fn filter_options(cfg: &Config) -> FilterOptions {
    FilterOptions {
        focus: regex_text(&cfg.focus),
        ignore: regex_text(&cfg.ignore),
        hide: regex_text(&cfg.hide),
        show: regex_text(&cfg.show),
        show_from: regex_text(&cfg.show_from),
        tagfocus: cfg.tagfocus.clone(),
        tagignore: cfg.tagignore.clone(),
        tagshow: regex_text(&cfg.tagshow),
        taghide: regex_text(&cfg.taghide),
        prune_from: regex_text(&cfg.prune_from),
    }
}

/// Compiles the filters against the profile's label units, printing pprof's range notices.
fn compile_filters(cfg: &Config, units: &NumLabelUnits, ui: &mut dyn Ui) -> Result<Filters> {
    let options = filter_options(cfg);
    let filters = Filters::compile(&options, units)?;
    for notice in filters.notices(&options) {
        ui.print_err(&notice);
    }
    Ok(filters)
}

fn apply_filters(filters: &Filters, p: &mut Profile, ui: &mut dyn Ui) {
    for warning in filters.apply(p) {
        ui.print_err(&warning);
    }
}

/// The legend's "Active filters:" entries, in pprof's order (`prune_from` is not listed).
fn active_filters(cfg: &Config) -> Vec<String> {
    let o = filter_options(cfg);
    [
        ("focus", &o.focus),
        ("ignore", &o.ignore),
        ("hide", &o.hide),
        ("show", &o.show),
        ("show_from", &o.show_from),
        ("tagfocus", &o.tagfocus),
        ("tagignore", &o.tagignore),
        ("tagshow", &o.tagshow),
        ("taghide", &o.taghide),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={v}"))
    .collect()
}

/// pprof's `reportOptions`: resolves the sample index and checks the divisor.
fn report_options(
    p: &Profile,
    units: &NumLabelUnits,
    cfg: &Config,
    command: &Command,
) -> Result<ReportOptions> {
    let format = ops::sample_format(p, &cfg.sample_index.to_string(), cfg.mean)?;
    if cfg.divide_by == 0.0 {
        return Err(Error::Usage("zero divisor specified".into()));
    }
    let sample_type = &p.sample_type[format.index];
    Ok(ReportOptions {
        output_format: command.name.format(),
        sample_index: format.index,
        sample_type: sample_type.r#type.clone(),
        sample_unit: sample_type.unit.clone(),
        mean: cfg.mean,
        divide_by: cfg.divide_by,
        output_unit: cfg.unit.clone(),
        node_count: match cfg.nodecount {
            NodeCount::Limit(n) if n > 0 => Some(n),
            _ => None,
        },
        node_fraction: cfg.nodefraction,
        edge_fraction: cfg.edgefraction,
        trim: cfg.trim,
        call_tree: cfg.call_tree,
        drop_negative: cfg.drop_negative,
        compact_labels: cfg.compact_labels,
        relative_percentages: cfg.relative_percentages,
        granularity: cfg.granularity,
        no_inlines: cfg.noinlines,
        sort: cfg.sort,
        symbol: command.symbol.clone(),
        source_path: cfg.source_path.clone(),
        trim_path: cfg.trim_path.clone(),
        active_filters: active_filters(cfg),
        num_label_units: units.units.clone(),
        ..ReportOptions::default()
    })
}

/// The shell's greeting lines (pprof's `greetings`): the profile's header labels, and a hint
/// when the default sample type has no samples but others exist.
pub(crate) fn greeting(profile: &Profile, config: &Config) -> Vec<String> {
    let units = ops::num_label_units(profile);
    let command = Command {
        name: CommandName::Top,
        symbol: None,
    };
    let mut lines = Vec::new();
    if let Ok(mut options) = report_options(profile, &units, config, &command) {
        options.total = Some(compute_total(profile, &options));
        let report = ferroprof_report::Report::new(profile, &options);
        lines.push(report.profile_labels().join("\n"));
        if report.total() == 0 && profile.sample_type.len() > 1 {
            lines.push("No samples were found with the default sample value type.".into());
            lines.push("Try \"sample_index\" command to analyze different sample values.\n".into());
        }
    }
    lines.push("Entering interactive mode (type \"help\" for commands, \"o\" for options)".into());
    lines
}

/// Aggregates at the configured granularity (nothing to do for addresses with inlines).
fn aggregate(p: &mut Profile, cfg: &Config) {
    ops::aggregate_granularity(p, cfg.granularity, cfg.noinlines);
}

/// Runs the report writer for the options' format (`-proto` re-encodes the profile here);
/// `-list` reads source files through `sources`, `-disasm` local binaries.
pub(crate) fn write_report(
    p: &Profile,
    options: &ReportOptions,
    sources: &dyn SourceReader,
    out: &mut dyn Write,
) -> Result<()> {
    write_with_objects(
        p,
        options,
        sources,
        &crate::objtool::LocalObjects::new(false),
        out,
    )
}

/// [`write_report`] with the binaries `-disasm` reads.
fn write_with_objects(
    p: &Profile,
    options: &ReportOptions,
    sources: &dyn SourceReader,
    objects: &dyn ObjectTool,
    out: &mut dyn Write,
) -> Result<()> {
    match options.output_format {
        OutputFormat::Proto => write_proto(p, options, out),
        _ => ferroprof_report::generate_with_tools(p, options, sources, objects, out)
            .map_err(|e| Error::Report(e.to_string())),
    }
}

/// `-proto`: the profile with `-divide_by` applied to every value (truncated, as Go does),
/// re-encoded.
fn write_proto(p: &Profile, options: &ReportOptions, out: &mut dyn Write) -> Result<()> {
    let encode = |p: &Profile, out: &mut dyn Write| {
        ferroprof_profile::proto::encode(p, out).map_err(|e| Error::Report(e.to_string()))
    };
    let ratio = options.ratio();
    if ratio > 0.0 && ratio != 1.0 {
        let mut scaled = p.clone();
        for v in scaled.sample.iter_mut().flat_map(|s| s.value.iter_mut()) {
            *v = (*v as f64 * ratio) as i64;
        }
        return encode(&scaled, out);
    }
    encode(p, out)
}

/// Source files for `-list`, read from the file system.
struct FileSources;

impl SourceReader for FileSources {
    fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn current_dir(&self) -> String {
        std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overridden(command: CommandName, cfg: Config) -> Config {
        apply_command_overrides(command, cfg)
    }

    #[test]
    fn default_node_count_is_all_for_text_and_80_for_graphs() {
        assert_eq!(
            overridden(CommandName::Top, Config::default()).nodecount,
            NodeCount::Limit(0)
        );
        assert_eq!(
            overridden(CommandName::TopProto, Config::default()).nodecount,
            NodeCount::Limit(0)
        );
        for graph in [
            CommandName::Dot,
            CommandName::Tree,
            CommandName::Traces,
            CommandName::Svg,
        ] {
            assert_eq!(
                overridden(graph, Config::default()).nodecount,
                NodeCount::Limit(80)
            );
        }
        let explicit = Config {
            nodecount: NodeCount::Limit(7),
            ..Config::default()
        };
        assert_eq!(
            overridden(CommandName::Dot, explicit).nodecount,
            NodeCount::Limit(7)
        );
    }

    #[test]
    fn listings_and_binary_formats_run_untrimmed_at_their_granularity() {
        let cfg = Config {
            noinlines: true,
            ..Config::default()
        };
        let raw = overridden(CommandName::Raw, cfg.clone());
        assert_eq!(raw.granularity, Granularity::Addresses);
        assert!(!raw.noinlines && !raw.trim);
        assert_eq!((raw.nodefraction, raw.edgefraction), (0.0, 0.0));
        let list = overridden(CommandName::List, cfg.clone());
        assert_eq!(list.granularity, Granularity::Lines);
        assert!(list.noinlines, "-list keeps -noinlines");
        let disasm = overridden(CommandName::Disasm, Config::default());
        assert!(disasm.noinlines);
        assert_eq!(disasm.granularity, Granularity::Addresses);
        let peek = overridden(CommandName::Peek, Config::default());
        assert_eq!(peek.nodecount, NodeCount::Limit(0));
        assert_eq!(peek.granularity, Granularity::Functions);
    }

    #[test]
    fn active_filters_are_listed_in_gos_order_without_prune_from() {
        let mut cfg = Config::default();
        for (name, value) in [
            ("prune_from", "x"),
            ("tagfocus", "a"),
            ("focus", "f"),
            ("hide", "h"),
        ] {
            cfg.set(name, value).unwrap();
        }
        assert_eq!(active_filters(&cfg), ["focus=f", "hide=h", "tagfocus=a"]);
    }
}
