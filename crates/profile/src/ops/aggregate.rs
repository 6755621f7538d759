//! Granularity: `Profile.Aggregate` as the driver's `aggregate` calls it, and the symbolization
//! checks `HasFunctions`/`HasFileLines`.

use crate::model::Profile;

/// The `-granularity` levels of `go tool pprof`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Granularity {
    /// `functions` (the default): one node per function.
    #[default]
    Functions,
    /// `filefunctions`: one node per function and file.
    FileFunctions,
    /// `files`: one node per source file.
    Files,
    /// `lines`: one node per function, file and line.
    Lines,
    /// `addresses`: one node per address (and function, file, line).
    Addresses,
}

impl Granularity {
    /// The granularity of a `-granularity` value (`functions`, `filefunctions`, `files`, `lines`,
    /// `addresses`).
    pub fn from_name(name: &str) -> Option<Granularity> {
        Some(match name {
            "functions" => Granularity::Functions,
            "filefunctions" => Granularity::FileFunctions,
            "files" => Granularity::Files,
            "lines" => Granularity::Lines,
            "addresses" => Granularity::Addresses,
            _ => return None,
        })
    }

    /// The option value naming this granularity.
    pub fn name(self) -> &'static str {
        match self {
            Granularity::Functions => "functions",
            Granularity::FileFunctions => "filefunctions",
            Granularity::Files => "files",
            Granularity::Lines => "lines",
            Granularity::Addresses => "addresses",
        }
    }
}

/// What [`aggregate`] keeps of each location and function; the rest is blanked so that equal
/// remainders fall into one report node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aggregation {
    /// Keep inlined frames (else only each location's last, outermost line).
    pub inline_frames: bool,
    /// Keep function names and system names.
    pub function: bool,
    /// Keep function file names.
    pub filename: bool,
    /// Keep line numbers.
    pub line_number: bool,
    /// Keep location addresses.
    pub address: bool,
}

impl Aggregation {
    /// What the driver keeps for `granularity`, with inlined frames unless `noinlines`; `None`
    /// for `addresses` with inlined frames, where the driver leaves the profile untouched.
    pub fn for_granularity(granularity: Granularity, noinlines: bool) -> Option<Aggregation> {
        let keep = |function, filename, line_number, address| Aggregation {
            inline_frames: !noinlines,
            function,
            filename,
            line_number,
            address,
        };
        Some(match granularity {
            Granularity::Addresses if !noinlines => return None,
            Granularity::Addresses => keep(true, true, true, true),
            Granularity::Lines => keep(true, true, true, false),
            Granularity::Files => keep(false, true, false, false),
            Granularity::Functions => keep(true, false, false, false),
            Granularity::FileFunctions => keep(true, true, false, false),
        })
    }
}

/// `Profile.Aggregate`: clears what `what` does not keep — mapping `has_*` flags, function names
/// and file names, inlined lines, line numbers, addresses — without merging anything itself.
pub fn aggregate(profile: &mut Profile, what: Aggregation) {
    for m in &mut profile.mapping {
        m.has_inline_frames &= what.inline_frames;
        m.has_functions &= what.function;
        m.has_filenames &= what.filename;
        m.has_line_numbers &= what.line_number;
    }
    for f in &mut profile.function {
        if !what.function {
            f.name.clear();
            f.system_name.clear();
        }
        if !what.filename {
            f.filename.clear();
        }
    }
    if what.inline_frames && what.address && what.line_number {
        return;
    }
    for loc in &mut profile.location {
        if !what.inline_frames && loc.line.len() > 1 {
            loc.line.drain(..loc.line.len() - 1);
        }
        if !what.line_number {
            for ln in &mut loc.line {
                ln.line = 0;
            }
        }
        if !what.address {
            loc.address = 0;
        }
    }
}

/// The driver's `aggregate` step for `granularity` and `noinlines` (nothing for `addresses`
/// with inlined frames).
pub fn aggregate_granularity(profile: &mut Profile, granularity: Granularity, noinlines: bool) {
    if let Some(what) = Aggregation::for_granularity(granularity, noinlines) {
        aggregate(profile, what);
    }
}

/// `Profile.HasFunctions`: whether every location with a mapping has a mapping with functions.
pub fn has_functions(profile: &Profile) -> bool {
    mapping_flags_hold(profile, |m| m.has_functions)
}

/// `Profile.HasFileLines`: whether every location with a mapping has a mapping with file names
/// and line numbers.
pub fn has_file_lines(profile: &Profile) -> bool {
    mapping_flags_hold(profile, |m| m.has_filenames && m.has_line_numbers)
}

fn mapping_flags_hold(profile: &Profile, flag: impl Fn(&crate::Mapping) -> bool) -> bool {
    let index = crate::ProfileIndex::new(profile);
    profile
        .location
        .iter()
        .filter_map(|l| index.mapping(profile, l.mapping_id?))
        .all(flag)
}
