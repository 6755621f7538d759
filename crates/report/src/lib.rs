//! Call graphs and report writers: top, tree, peek, dot, callgrind, list, topproto, traces, tags,
//! comments, weblist, folded stacks, SVG flame graphs, and the stacks behind flame graphs.
//!
//! ```
//! use ferroprof_profile::{Profile, ValueType};
//! use ferroprof_report::{generate, ReportOptions};
//! let mut p = Profile::default();
//! p.sample_type.push(ValueType::new("samples", "count"));
//! let opts = ReportOptions::for_sample_index(&p, 0);
//! let mut out = Vec::new();
//! generate(&p, &opts, &mut out).unwrap();
//! assert!(String::from_utf8(out).unwrap().starts_with("Type: samples\n"));
//! ```
//!
//! # Design constraints
//! - Output is `go tool pprof`'s (Go 1.19.8) byte for byte; its formatting rules live in
//!   [`measurement`].
//! - Writers take `&mut dyn Write`; source files arrive through [`SourceReader`], never
//!   `std::fs`.
//! - Nothing recurses on input depth: million-frame stacks and deep recursion are walked with
//!   loops.
#![deny(missing_docs)]

mod callgrind;
mod comments;
mod disasm;
mod dot;
mod error;
mod flame_svg;
mod folded;
pub mod graph;
mod legend;
mod list;
pub mod markup;
pub mod measurement;
pub mod options;
mod paths;
mod report;
pub mod stacks;
mod tags;
mod text;
mod topproto;
mod traces;
mod tree;
mod weblist;

use std::io::Write;

use ferroprof_profile::Profile;

pub use disasm::{AsmInstruction, NoObjects, ObjSymbol, ObjectTool};
pub use error::{Error, Result};
pub use legend::report_labels;
pub use list::{NoSources, SourceReader};
pub use options::{Granularity, OutputFormat, ReportOptions, SortOrder};
pub use report::{compute_total, format_time_utc, is_diff_base_sample, Report, DIFF_BASE_LABEL};

/// Writes the report `opts.output_format` names for `profile` (already filtered and aggregated
/// by the driver) to `out`. Source listings find no files; see [`generate_with_sources`].
pub fn generate(profile: &Profile, opts: &ReportOptions, out: &mut dyn Write) -> Result<()> {
    generate_with_sources(profile, opts, &NoSources, out)
}

/// Like [`generate`], with `sources` supplying the source files `-list` shows.
pub fn generate_with_sources(
    profile: &Profile,
    opts: &ReportOptions,
    sources: &dyn SourceReader,
    out: &mut dyn Write,
) -> Result<()> {
    generate_with_tools(profile, opts, sources, &NoObjects, out)
}

/// Like [`generate_with_sources`], with `objects` supplying the binaries `-disasm` shows.
pub fn generate_with_tools(
    profile: &Profile,
    opts: &ReportOptions,
    sources: &dyn SourceReader,
    objects: &dyn ObjectTool,
    out: &mut dyn Write,
) -> Result<()> {
    let mut rpt = Report::new(profile, opts);
    match opts.output_format {
        OutputFormat::Text => text::write_text(&mut rpt, out),
        OutputFormat::Tree => tree::write_tree(&mut rpt, out),
        OutputFormat::Peek => {
            if opts.symbol.is_none() {
                return Err(Error::MissingSymbol("peek"));
            }
            tree::write_tree(&mut rpt, out)
        }
        OutputFormat::Dot => dot::write_dot(&mut rpt, out),
        OutputFormat::Callgrind => callgrind::write_callgrind(&mut rpt, out),
        OutputFormat::List => list::write_list(&rpt, sources, out),
        OutputFormat::Dis => disasm::write_disasm(&rpt, objects, out),
        OutputFormat::WebList => weblist::write_weblist(&rpt, sources, objects, out),
        OutputFormat::Traces => traces::write_traces(&rpt, out),
        OutputFormat::Tags => tags::write_tags(&rpt, out),
        OutputFormat::Raw => Ok(ferroprof_profile::write_raw(rpt.profile(), out)?),
        OutputFormat::Comments => comments::write_comments(&rpt, out),
        // The profile itself, re-encoded: the driver writes it (and `-raw`) without a report.
        OutputFormat::Proto => Err(Error::Unsupported("proto")),
        OutputFormat::TopProto => topproto::write_top_proto(&mut rpt, out),
        OutputFormat::Folded => folded::write_folded(&rpt, out),
        OutputFormat::Flame => flame_svg::write_flame_svg(&rpt, out),
    }
}
