//! Where profiles come from: the sources, the base profiles and how they are symbolized.

use std::time::Duration;

use ferroprof_profile::Limits;
pub use ferroprof_symbolize::FrameStyle;

use crate::http::TlsFiles;

/// How function names are obtained (`-symbolize=local:force:demangle=full`), parsed once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SymbolizeMode {
    /// `none`: leave the profile as it is.
    pub disabled: bool,
    /// Look at local binaries.
    pub local: bool,
    /// Ask the profile's server (`/debug/pprof/symbol`).
    pub remote: bool,
    /// `fastlocal`: function names only, from symbol tables.
    pub fast: bool,
    /// Re-symbolize locations that already have functions.
    pub force: bool,
    /// How C++ and Rust names are demangled.
    pub demangle: Demangle,
    /// Which tool's answers local symbolization reproduces.
    pub style: FrameStyle,
}

/// The `demangle=` setting of `-symbolize`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Demangle {
    /// Simplified names (no parameters or templates).
    #[default]
    Default,
    /// Mangled names are kept.
    None,
    /// Full demangled names.
    Full,
    /// Names with templates but no parameters.
    Templates,
}

impl Demangle {
    /// The symbolize crate's mode (`Default` simplifies names, as Go's default does).
    pub fn for_symbolize(self) -> ferroprof_symbolize::Demangle {
        match self {
            Demangle::Default => ferroprof_symbolize::Demangle::Default,
            Demangle::None => ferroprof_symbolize::Demangle::None,
            Demangle::Full => ferroprof_symbolize::Demangle::Full,
            Demangle::Templates => ferroprof_symbolize::Demangle::Templates,
        }
    }
}

impl Default for SymbolizeMode {
    fn default() -> Self {
        SymbolizeMode {
            disabled: false,
            local: true,
            remote: true,
            fast: false,
            force: false,
            demangle: Demangle::Default,
            style: FrameStyle::GoTool,
        }
    }
}

impl SymbolizeMode {
    /// Parses the `:`-separated mode; unrecognized parts are returned as warnings (pprof ignores
    /// them and goes on).
    pub fn parse(text: &str) -> (SymbolizeMode, Vec<String>) {
        let mut mode = SymbolizeMode::default();
        let mut warnings = Vec::new();
        for part in text.to_ascii_lowercase().split(':') {
            match part {
                "" => {}
                "none" | "no" => mode.disabled = true,
                "local" => (mode.local, mode.remote) = (true, false),
                "fastlocal" => (mode.local, mode.remote, mode.fast) = (true, false, true),
                "remote" => (mode.local, mode.remote) = (false, true),
                "force" => mode.force = true,
                "demangle=default" => mode.demangle = Demangle::Default,
                "demangle=none" => (mode.demangle, mode.force) = (Demangle::None, true),
                "demangle=full" => (mode.demangle, mode.force) = (Demangle::Full, true),
                "demangle=templates" => (mode.demangle, mode.force) = (Demangle::Templates, true),
                _ => warnings.push(format!(
                    "ignoring unrecognized symbolization option: {text}\nexpecting \
                     -symbolize=[local|fastlocal|remote|none][:force]\
                     [:demangle=[none|full|templates|default]"
                )),
            }
        }
        (mode, warnings)
    }
}

/// The profiles to read and how to combine them.
#[derive(Clone, Debug)]
pub struct Sources {
    /// Profile sources (files), merged.
    pub sources: Vec<String>,
    /// The main binary given before the sources.
    pub exec_name: Option<String>,
    /// Build id override for the main binary (`-buildid`, or a hex first argument).
    pub build_id: Option<String>,
    /// Base profiles, subtracted.
    pub base: Vec<String>,
    /// The base came from `-diff_base`: its samples are labelled `pprof::base=true`.
    pub diff_base: bool,
    /// Scale the sources to the base's totals first (`-normalize`).
    pub normalize: bool,
    /// `-seconds` for remote profiles.
    pub seconds: Option<i64>,
    /// `-timeout` for fetching.
    pub timeout: Option<i64>,
    /// `-symbolize`.
    pub symbolize: SymbolizeMode,
    /// `-tls_cert`, `-tls_key`, `-tls_ca`.
    pub tls: TlsFiles,
    /// `-add_comment`: appended to the profile's comments.
    pub comment: Option<String>,
    /// `-max_profile_bytes`: the most bytes read from one source.
    pub max_profile_bytes: u64,
    /// Parsing limits (`-max_decompressed_bytes`).
    pub limits: Limits,
    /// `-parse_timeout`: the longest one source may take to parse; `None` waits as long as it
    /// takes (the default, as in Go).
    pub parse_timeout: Option<Duration>,
}

/// The default of `-max_profile_bytes`: 1 GiB, like the decompressed limit (RELIABILITY.md P9);
/// the largest real profiles we know of are a few hundred MiB uncompressed.
pub const DEFAULT_MAX_PROFILE_BYTES: u64 = 1 << 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbolize_modes_combine() {
        let (m, w) = SymbolizeMode::parse("local:force");
        assert!(w.is_empty());
        assert!(m.local && !m.remote && m.force && !m.disabled);
        let (m, _) = SymbolizeMode::parse("None");
        assert!(m.disabled);
        let (m, _) = SymbolizeMode::parse("demangle=full");
        assert_eq!(m.demangle, Demangle::Full);
        assert!(m.force);
        let (_, w) = SymbolizeMode::parse("bogus");
        assert_eq!(w.len(), 1);
    }
}
