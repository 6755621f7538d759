//! The table itself: every flag of `go tool pprof` (Go 1.19), in one place.
//!
//! Help texts are pprof's, so `-help` and the shell's `help` read as Go's do.

use super::{Flag, Kind, Role, Value};
use crate::command::CommandName;
use crate::config::{
    check_tag_filter, compile_regex, Granularity, NodeCount, SampleIndex, SortOrder,
};

fn as_bool(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!("expected a boolean, got {other:?}")),
    }
}

fn as_int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(format!("expected an integer, got {other:?}")),
    }
}

fn as_float(v: &Value) -> Result<f64, String> {
    match v {
        Value::Float(f) => Ok(*f),
        other => Err(format!("expected a number, got {other:?}")),
    }
}

fn as_text(v: &Value) -> Result<&str, String> {
    match v {
        Value::Text(s) => Ok(s),
        other => Err(format!("expected a string, got {other:?}")),
    }
}

fn comma_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn regex_text(rx: &Option<regex::Regex>) -> Value {
    Value::Text(
        rx.as_ref()
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
    )
}

/// A report option stored in a plain field of [`crate::Config`].
macro_rules! option {
    ($name:ident: Bool, url: $url:expr, saved: $saved:expr, help: $help:expr) => {
        option!(@ $name, Kind::Bool, $url, $saved, $help,
            |c, v| { c.$name = as_bool(v)?; Ok(()) }, |c| Value::Bool(c.$name))
    };
    ($name:ident: Float, url: $url:expr, saved: $saved:expr, help: $help:expr) => {
        option!(@ $name, Kind::Float, $url, $saved, $help,
            |c, v| { c.$name = as_float(v)?; Ok(()) }, |c| Value::Float(c.$name))
    };
    ($name:ident: Text, url: $url:expr, saved: $saved:expr, help: $help:expr) => {
        option!(@ $name, Kind::Text, $url, $saved, $help,
            |c, v| { c.$name = as_text(v)?.to_string(); Ok(()) },
            |c| Value::Text(c.$name.clone()))
    };
    ($name:ident: Regex, url: $url:expr, help: $help:expr) => {
        option!(@ $name, Kind::Text, $url, true, $help,
            |c, v| { c.$name = compile_regex(stringify!($name), as_text(v)?)?; Ok(()) },
            |c| regex_text(&c.$name))
    };
    (@ $name:ident, $kind:expr, $url:expr, $saved:expr, $help:expr, $set:expr, $get:expr) => {
        option!(@@ $name, $kind, $url, $saved, $help, $set, $get, true)
    };
    // A multiple-choice option: set through its choices on the command line, by name elsewhere.
    (choices $name:ident, url: $url:expr, $set:expr, $get:expr) => {
        option!(@@ $name, Kind::Text, Some($url), true, "", $set, $get, false)
    };
    (@@ $name:ident, $kind:expr, $url:expr, $saved:expr, $help:expr, $set:expr, $get:expr,
        $flag:expr) => {
        Flag {
            name: stringify!($name),
            kind: $kind,
            role: Role::Option { set: $set, get: $get, url_param: $url, saved: $saved, flag: $flag },
            help: $help,
        }
    };
}

/// A report command: a bool flag, or a regexp-valued one when the command takes a parameter.
macro_rules! command {
    ($name:literal, $cmd:ident, $help:expr) => {
        Flag {
            name: $name,
            kind: Kind::Bool,
            role: Role::Command(CommandName::$cmd),
            help: $help,
        }
    };
    ($name:literal, $cmd:ident, param, $help:expr) => {
        Flag {
            name: $name,
            kind: Kind::Text,
            role: Role::Command(CommandName::$cmd),
            help: $help,
        }
    };
}

/// One value of a multiple-choice option.
macro_rules! choice {
    ($name:literal, $option:literal, $url:literal, $set:expr, $help:expr) => {
        Flag {
            name: $name,
            kind: Kind::Bool,
            role: Role::Choice {
                option: $option,
                set: $set,
                url_param: $url,
            },
            help: $help,
        }
    };
}

macro_rules! source {
    ($name:literal, $kind:ident, $help:expr) => {
        Flag {
            name: $name,
            kind: Kind::$kind,
            role: Role::Source,
            help: $help,
        }
    };
}

macro_rules! shortcut {
    ($name:literal, $index:literal, mean: $mean:expr, $help:expr) => {
        Flag {
            name: $name,
            kind: Kind::Bool,
            role: Role::SampleShortcut {
                sample_index: $index,
                mean: $mean,
            },
            help: $help,
        }
    };
}

const FOCUS_HELP: &str = "Restricts to samples going through a node matching regexp\n\
    Discard samples that do not include a node matching this regexp.\n\
    Matching includes the function name, filename or object name.";
const IGNORE_HELP: &str = "Skips paths going through any nodes matching regexp\n\
    If set, discard samples that include a node matching this regexp.\n\
    Matching includes the function name, filename or object name.";
const HIDE_HELP: &str = "Skips nodes matching regexp\n\
    Discard nodes that match this location.\n\
    Other nodes from samples that include this location will be shown.\n\
    Matching includes the function name, filename or object name.";
const SHOW_HELP: &str = "Only show nodes matching regexp\n\
    If set, only show nodes that match this location.\n\
    Matching includes the function name, filename or object name.";
const SHOW_FROM_HELP: &str = "Drops functions above the highest matched frame.\n\
    If set, all frames above the highest match are dropped from every sample.\n\
    Matching includes the function name, filename or object name.";
const PRUNE_FROM_HELP: &str = "Drops any functions below the matched frame.\n\
    If set, any frames matching the specified regexp and any frames\n\
    below it will be dropped from each sample.";
const TAGFOCUS_HELP: &str = "Restricts to samples with tags in range or matched by regexp\n\
    Use name=value syntax to limit the matching to a specific tag.\n\
    Numeric tag filter examples: 1kb, 1kb:10kb, memory=32mb:\n\
    String tag filter examples: foo, foo.*bar, mytag=foo.*bar";
const TAGIGNORE_HELP: &str = "Discard samples with tags in range or matched by regexp\n\
    Use name=value syntax to limit the matching to a specific tag.\n\
    Numeric tag filter examples: 1kb, 1kb:10kb, memory=32mb:\n\
    String tag filter examples: foo, foo.*bar, mytag=foo.*bar";
const UNIT_HELP: &str = "Measurement units to display\n\
    Scale the sample values to this unit.\n\
    For time-based profiles, use seconds, milliseconds, nanoseconds, etc.\n\
    For memory profiles, use megabytes, kilobytes, bytes, etc.\n\
    Using auto will scale each value independently to the most natural unit.";
const NODECOUNT_HELP: &str = "Max number of nodes to show\n\
    Uses heuristics to limit the number of locations to be displayed.\n\
    On graphs, dotted edges represent paths through nodes that have been removed.";

/// Every flag `go tool pprof` (Go 1.19) accepts: report commands, report options with their
/// choices, source flags, sample-index shortcuts and the web UI flags.
pub static FLAGS: &[Flag] = &[
    // Report commands (`pprofCommands`).
    command!(
        "callgrind",
        Callgrind,
        "Outputs a graph in callgrind format"
    ),
    command!("comments", Comments, "Output all profile comments"),
    command!(
        "disasm",
        Disasm,
        param,
        "Output assembly listings annotated with samples"
    ),
    command!("dot", Dot, "Outputs a graph in DOT format"),
    command!("eog", Eog, "Visualize graph through eog"),
    command!("evince", Evince, "Visualize graph through evince"),
    command!(
        "flame",
        Flame,
        "Outputs an interactive flame graph in SVG format"
    ),
    command!(
        "folded",
        Folded,
        "Outputs folded stacks (root;caller;leaf value)"
    ),
    command!("gif", Gif, "Outputs a graph image in GIF format"),
    command!("gv", Gv, "Visualize graph through gv"),
    command!(
        "kcachegrind",
        Kcachegrind,
        "Visualize report in KCachegrind"
    ),
    command!(
        "list",
        List,
        param,
        "Output annotated source for functions matching regexp"
    ),
    command!("pdf", Pdf, "Outputs a graph in PDF format"),
    command!(
        "peek",
        Peek,
        param,
        "Output callers/callees of functions matching regexp"
    ),
    command!("png", Png, "Outputs a graph image in PNG format"),
    command!(
        "proto",
        Proto,
        "Outputs the profile in compressed protobuf format"
    ),
    command!("ps", Ps, "Outputs a graph in PS format"),
    command!(
        "raw",
        Raw,
        "Outputs a text representation of the raw profile"
    ),
    command!("svg", Svg, "Outputs a graph in SVG format"),
    command!("tags", Tags, "Outputs all tags in the profile"),
    command!("text", Text, "Outputs top entries in text form"),
    command!("top", Top, "Outputs top entries in text form"),
    command!(
        "topproto",
        TopProto,
        "Outputs top entries in compressed protobuf format"
    ),
    command!("traces", Traces, "Outputs all profile samples in text form"),
    command!("tree", Tree, "Outputs a text rendering of call graph"),
    command!("web", Web, "Visualize graph through web browser"),
    command!(
        "weblist",
        WebList,
        param,
        "Display annotated source in a web browser"
    ),
    // Report options (`config`), in the order of pprof's config struct.
    Flag {
        name: "output",
        kind: Kind::Text,
        role: Role::Option {
            set: |c, v| {
                let path = as_text(v)?;
                c.output = (!path.is_empty()).then(|| path.into());
                Ok(())
            },
            get: |c| {
                Value::Text(
                    c.output
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                )
            },
            url_param: None,
            saved: false,
            flag: true,
        },
        help: "Output filename for file-based outputs",
    },
    option!(call_tree: Bool, url: Some("calltree"), saved: true,
        help: "Create a context-sensitive call tree\n\
            Treat locations reached through different paths as separate."),
    option!(relative_percentages: Bool, url: Some("rel"), saved: true,
        help: "Show percentages relative to focused subgraph\n\
            If unset, percentages are relative to full graph before focusing\n\
            to facilitate comparison with original graph."),
    option!(unit: Text, url: Some("unit"), saved: true, help: UNIT_HELP),
    option!(compact_labels: Bool, url: Some("compact"), saved: true,
        help: "Show minimal headers"),
    option!(source_path: Text, url: None, saved: false, help: "Search path for source files"),
    option!(trim_path: Text, url: None, saved: false,
        help: "Path to trim from source paths before search"),
    option!(intel_syntax: Bool, url: Some("intel"), saved: true,
        help: "Show assembly in Intel syntax\n\
            Only applicable to commands `disasm` and `weblist`"),
    option!(mean: Bool, url: Some("mean"), saved: true,
        help: "Average sample value over first value (count)\n\
            For memory profiles, report average memory per allocation.\n\
            For time-based profiles, report average time per event."),
    option!(@ sample_index, Kind::Text, Some("si"), false,
        "Sample value to report (0-based index or name)\n\
            Profiles contain multiple values per sample.\n\
            Use sample_index=i to select the ith value (starting at 0).",
        |c, v| { c.sample_index = SampleIndex::parse(as_text(v)?); Ok(()) },
        |c| Value::Text(c.sample_index.to_string())),
    option!(divide_by: Float, url: None, saved: false,
        help: "Ratio to divide all samples before visualization\n\
            Divide all samples values by a constant, eg the number of processors or jobs."),
    option!(normalize: Bool, url: Some("norm"), saved: true,
        help: "Scales profile based on the base profile."),
    option!(choices sort, url: "sort",
    |c, v| {
        c.sort = match as_text(v)? {
            "flat" => SortOrder::Flat,
            "cum" => SortOrder::Cum,
            other => return Err(format!("invalid \"sort\" value {other:?}")),
        };
        Ok(())
    },
    |c| Value::Text(match c.sort {
        SortOrder::Flat => "flat".into(),
        SortOrder::Cum => "cum".into(),
    })),
    option!(@ tagroot, Kind::Text, None, true,
        "Adds pseudo stack frames for labels key/value pairs at the callstack root.\n\
            A comma-separated list of label keys.\n\
            The first key creates frames at the new root.",
        |c, v| { c.tagroot = comma_list(as_text(v)?); Ok(()) },
        |c| Value::Text(c.tagroot.join(","))),
    option!(@ tagleaf, Kind::Text, None, true,
        "Adds pseudo stack frames for labels key/value pairs at the callstack leaf.\n\
            A comma-separated list of label keys.\n\
            The last key creates frames at the new leaf.",
        |c, v| { c.tagleaf = comma_list(as_text(v)?); Ok(()) },
        |c| Value::Text(c.tagleaf.join(","))),
    option!(drop_negative: Bool, url: Some("dropneg"), saved: true,
        help: "Ignore negative differences\nDo not show any locations with values <0."),
    option!(@ nodecount, Kind::Int, Some("n"), true, NODECOUNT_HELP,
        |c, v| { c.nodecount = NodeCount::from_go(as_int(v)?); Ok(()) },
        |c| Value::Int(c.nodecount.to_go())),
    option!(nodefraction: Float, url: Some("nf"), saved: true,
        help: "Hide nodes below <f>*total"),
    option!(edgefraction: Float, url: Some("ef"), saved: true,
        help: "Hide edges below <f>*total"),
    option!(trim: Bool, url: Some("trim"), saved: true,
        help: "Honor nodefraction/edgefraction/nodecount defaults\n\
            Set to false to get the full profile, without any trimming."),
    option!(focus: Regex, url: Some("f"), help: FOCUS_HELP),
    option!(ignore: Regex, url: Some("i"), help: IGNORE_HELP),
    option!(prune_from: Regex, url: Some("prunefrom"), help: PRUNE_FROM_HELP),
    option!(hide: Regex, url: Some("h"), help: HIDE_HELP),
    option!(show: Regex, url: Some("s"), help: SHOW_HELP),
    option!(show_from: Regex, url: Some("sf"), help: SHOW_FROM_HELP),
    option!(@ tagfocus, Kind::Text, Some("tf"), true, TAGFOCUS_HELP,
        |c, v| { c.tagfocus = check_tag_filter("tagfocus", as_text(v)?)?; Ok(()) },
        |c| Value::Text(c.tagfocus.clone())),
    option!(@ tagignore, Kind::Text, Some("ti"), true, TAGIGNORE_HELP,
        |c, v| { c.tagignore = check_tag_filter("tagignore", as_text(v)?)?; Ok(()) },
        |c| Value::Text(c.tagignore.clone())),
    option!(tagshow: Regex, url: Some("ts"),
        help: "Only consider tags matching this regexp\nDiscard tags that do not match this regexp"),
    option!(taghide: Regex, url: Some("th"),
        help: "Skip tags matching this regexp\nDiscard tags that match this regexp"),
    option!(noinlines: Bool, url: Some("noinlines"), saved: true,
        help: "Ignore inlines.\n\
            Attributes inlined functions to their first out-of-line caller."),
    option!(choices granularity, url: "g",
        |c, v| {
            let text = as_text(v)?;
            c.granularity = Granularity::from_name(text)
                .ok_or_else(|| format!("invalid \"granularity\" value {text:?}"))?;
            Ok(())
        },
        |c| Value::Text(c.granularity.name().into())),
    // Choices of the multiple-choice options, in pprof's order.
    choice!(
        "cum",
        "sort",
        "sort",
        |c| c.sort = SortOrder::Cum,
        "Sort entries based on cumulative weight"
    ),
    choice!(
        "flat",
        "sort",
        "sort",
        |c| c.sort = SortOrder::Flat,
        "Sort entries based on own weight"
    ),
    choice!(
        "functions",
        "granularity",
        "g",
        |c| c.granularity = Granularity::Functions,
        "Aggregate at the function level.\n\
            Ignores the filename where the function was defined."
    ),
    choice!(
        "filefunctions",
        "granularity",
        "g",
        |c| c.granularity = Granularity::FileFunctions,
        "Aggregate at the function level.\n\
            Takes into account the filename where the function was defined."
    ),
    choice!(
        "files",
        "granularity",
        "g",
        |c| c.granularity = Granularity::Files,
        "Aggregate at the file level."
    ),
    choice!(
        "lines",
        "granularity",
        "g",
        |c| c.granularity = Granularity::Lines,
        "Aggregate at the source code line level."
    ),
    choice!(
        "addresses",
        "granularity",
        "g",
        |c| c.granularity = Granularity::Addresses,
        "Aggregate at the address level.\nIncludes functions' addresses in the output."
    ),
    // Sources.
    source!("seconds", Int, "Duration for time-based profile collection"),
    source!("timeout", Int, "Timeout in seconds for profile collection"),
    source!("buildid", Text, "Override build id for main binary"),
    source!(
        "add_comment",
        Text,
        "Free-form annotation to add to the profile\n\
        Displayed on some reports or with pprof -comments"
    ),
    source!("diff_base", Text, "Source of base profile for comparison"),
    source!(
        "base",
        Text,
        "Source of base profile for profile subtraction"
    ),
    source!(
        "symbolize",
        Text,
        "Controls source of symbol information\n\
        none, local, fastlocal, remote, force; demangle=none|full|templates|default"
    ),
    source!(
        "tls_cert",
        Text,
        "TLS client certificate file for fetching profile and symbols"
    ),
    source!(
        "tls_key",
        Text,
        "TLS private key file for fetching profile and symbols"
    ),
    source!(
        "tls_ca",
        Text,
        "TLS CA certs file for fetching profile and symbols"
    ),
    // ferroprof's input limits (RELIABILITY.md P9); Go has none.
    source!(
        "max_profile_bytes",
        Int,
        "Most bytes read from one source (default 1 GiB)"
    ),
    source!(
        "max_decompressed_bytes",
        Int,
        "Most bytes a gzipped source may inflate to (default 1 GiB)"
    ),
    source!(
        "parse_timeout",
        Int,
        "Seconds one source may take to parse (default: no limit)"
    ),
    // Legacy sample-index shortcuts, in the order pprof applies them.
    shortcut!("total_delay", "delay", mean: false, "Same as -sample_index=delay"),
    shortcut!("mean_delay", "delay", mean: true, "Same as -mean -sample_index=delay"),
    shortcut!("contentions", "contentions", mean: false, "Same as -sample_index=contentions"),
    shortcut!("inuse_space", "inuse_space", mean: false, "Same as -sample_index=inuse_space"),
    shortcut!("inuse_objects", "inuse_objects", mean: false,
        "Same as -sample_index=inuse_objects"),
    shortcut!("alloc_space", "alloc_space", mean: false, "Same as -sample_index=alloc_space"),
    shortcut!("alloc_objects", "alloc_objects", mean: false,
        "Same as -sample_index=alloc_objects"),
    // Web UI and tools.
    Flag {
        name: "http",
        kind: Kind::Text,
        role: Role::Misc,
        help: "Provide web interface at host:port.\n\
            Host is optional and 'localhost' by default.\n\
            Port is optional and a randomly available port by default.",
    },
    Flag {
        name: "no_browser",
        kind: Kind::Bool,
        role: Role::Misc,
        help: "Skip opening a browser for the interactive web UI.",
    },
    Flag {
        name: "tools",
        kind: Kind::Text,
        role: Role::Misc,
        help: "Search path for object tools",
    },
];
