//! The report configuration: `go tool pprof`'s options with regexes compiled and choices as enums.
//!
//! One [`Config`] serves the command line, the shell's `name=value` assignments and the web UI:
//! all three set it through [`Config::set`], which finds the option in the flag table
//! ([`crate::flags::FLAGS`]). Option names (and the keys of saved web-UI settings) are pprof's.

use std::fmt;
use std::path::PathBuf;

use ferroprof_profile::ops;
use regex::Regex;

use crate::flags::{self, Kind, Role, Value};
pub use ferroprof_report::{Granularity, SortOrder};

/// Which sample value a report shows (`-sample_index`), before it is resolved against a profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SampleIndex {
    /// The profile's `default_sample_type`, else its last sample type.
    #[default]
    Default,
    /// A 0-based position (validated against the profile later).
    Position(i64),
    /// A sample type name; `inuse_X` also matches `X`.
    Name(String),
}

impl SampleIndex {
    /// Parses the option's text: empty means the default, an integer a position, else a name.
    pub fn parse(text: &str) -> SampleIndex {
        if text.is_empty() {
            SampleIndex::Default
        } else if let Ok(i) = text.parse::<i64>() {
            SampleIndex::Position(i)
        } else {
            SampleIndex::Name(text.to_string())
        }
    }
}

impl fmt::Display for SampleIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SampleIndex::Default => Ok(()),
            SampleIndex::Position(i) => write!(f, "{i}"),
            SampleIndex::Name(n) => f.write_str(n),
        }
    }
}

/// The most nodes a report shows (`-nodecount`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NodeCount {
    /// Unset (`-1`): each report picks its own (all for `top`, 80 for graphs).
    #[default]
    Default,
    /// At most this many; 0 means all.
    Limit(usize),
}

impl NodeCount {
    /// From Go's integer encoding: -1 is the default, any other negative value means all.
    pub fn from_go(n: i64) -> NodeCount {
        match n {
            -1 => NodeCount::Default,
            n => NodeCount::Limit(usize::try_from(n).unwrap_or(0)),
        }
    }

    /// Go's integer encoding of this count.
    pub fn to_go(self) -> i64 {
        match self {
            NodeCount::Default => -1,
            NodeCount::Limit(n) => i64::try_from(n).unwrap_or(i64::MAX),
        }
    }
}

/// Every report option of `go tool pprof` (its `config` struct), validated and compiled.
#[derive(Clone, Debug)]
pub struct Config {
    /// `output`: file for the report; stdout when `None`.
    pub output: Option<PathBuf>,
    /// `call_tree`: context-sensitive call tree.
    pub call_tree: bool,
    /// `relative_percentages`: percentages relative to the focused subset.
    pub relative_percentages: bool,
    /// `unit`: `minimum`, `auto` or an explicit unit.
    pub unit: String,
    /// `compact_labels`: omit the profile header lines.
    pub compact_labels: bool,
    /// `source_path`: search path for source files.
    pub source_path: String,
    /// `trim_path`: prefixes trimmed from source paths.
    pub trim_path: String,
    /// `intel_syntax`: Intel assembly syntax.
    pub intel_syntax: bool,
    /// `mean`: divide each value by the sample's first value.
    pub mean: bool,
    /// `sample_index`: the value column to report.
    pub sample_index: SampleIndex,
    /// `divide_by`: divide every value by this.
    pub divide_by: f64,
    /// `normalize`: scale the source to the base's totals.
    pub normalize: bool,
    /// `sort`: node ordering.
    pub sort: SortOrder,
    /// `tagroot`: label keys whose values become root pseudo-frames.
    pub tagroot: Vec<String>,
    /// `tagleaf`: label keys whose values become leaf pseudo-frames.
    pub tagleaf: Vec<String>,
    /// `drop_negative`: hide nodes with negative values.
    pub drop_negative: bool,
    /// `nodecount`: the most nodes to show.
    pub nodecount: NodeCount,
    /// `nodefraction`: hide nodes with |cum| <= this × total.
    pub nodefraction: f64,
    /// `edgefraction`: hide edges with |weight| <= this × total.
    pub edgefraction: f64,
    /// `trim`: apply nodecount, nodefraction and edgefraction.
    pub trim: bool,
    /// `focus`: keep samples with a frame matching.
    pub focus: Option<Regex>,
    /// `ignore`: drop samples with a frame matching.
    pub ignore: Option<Regex>,
    /// `prune_from`: drop frames below the lowest match.
    pub prune_from: Option<Regex>,
    /// `hide`: remove matching frames.
    pub hide: Option<Regex>,
    /// `show`: keep only matching frames.
    pub show: Option<Regex>,
    /// `show_from`: drop frames above the highest match.
    pub show_from: Option<Regex>,
    /// `tagfocus`: keep samples whose labels match (validated; compiled per profile, since
    /// numeric ranges depend on the profile's label units).
    pub tagfocus: String,
    /// `tagignore`: drop samples whose labels match (validated like `tagfocus`).
    pub tagignore: String,
    /// `tagshow`: keep only label keys matching.
    pub tagshow: Option<Regex>,
    /// `taghide`: remove label keys matching.
    pub taghide: Option<Regex>,
    /// `noinlines`: attribute inlined frames to their out-of-line caller.
    pub noinlines: bool,
    /// `granularity`: aggregation level.
    pub granularity: Granularity,
}

impl Default for Config {
    /// pprof's defaults (`defaultConfig` in google/pprof's `config.go`).
    fn default() -> Self {
        Config {
            output: None,
            call_tree: false,
            relative_percentages: false,
            unit: "minimum".into(),
            compact_labels: false,
            source_path: String::new(),
            trim_path: String::new(),
            intel_syntax: false,
            mean: false,
            sample_index: SampleIndex::Default,
            divide_by: 1.0,
            normalize: false,
            sort: SortOrder::Flat,
            tagroot: Vec::new(),
            tagleaf: Vec::new(),
            drop_negative: false,
            nodecount: NodeCount::Default,
            nodefraction: 0.005,
            edgefraction: 0.001,
            trim: true,
            focus: None,
            ignore: None,
            prune_from: None,
            hide: None,
            show: None,
            show_from: None,
            tagfocus: String::new(),
            tagignore: String::new(),
            tagshow: None,
            taghide: None,
            noinlines: false,
            granularity: Granularity::Functions,
        }
    }
}

/// Why an option could not be set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No option (or choice of one) has this name.
    #[error("unknown config field {0:?}")]
    Unknown(String),
    /// The value does not suit the option.
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Sets the option (or choice) `name` from a value typed into the shell or a URL: bools accept
    /// pprof's `true,t,yes,y,1,""` / `false,f,no,n,0`; a choice name (`cum`, `lines`) is set by a
    /// true value.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), ConfigError> {
        let flag = flags::lookup_option(name).ok_or_else(|| ConfigError::Unknown(name.into()))?;
        match flag.role {
            Role::Option { set, .. } => {
                let value = parse_shell_value(flag.kind, text)
                    .map_err(|e| ConfigError::Invalid(format!("{name}: {e}")))?;
                set(self, &value).map_err(ConfigError::Invalid)
            }
            Role::Choice { set, .. } => match parse_shell_bool(text) {
                Ok(true) => {
                    set(self);
                    Ok(())
                }
                _ => Err(ConfigError::Unknown(name.into())),
            },
            _ => Err(ConfigError::Unknown(name.into())),
        }
    }

    /// Sets an option from a value already parsed with its flag's kind.
    pub(crate) fn set_value(&mut self, flag: &flags::Flag, value: &Value) -> Result<(), String> {
        match flag.role {
            Role::Option { set, .. } => set(self, value),
            Role::Choice { set, .. } => {
                if value == &Value::Bool(true) {
                    set(self);
                }
                Ok(())
            }
            _ => Err(format!("-{} is not a report option", flag.name)),
        }
    }

    /// The current value of the option `name`, as the shell shows it.
    pub fn get(&self, name: &str) -> Option<String> {
        match flags::lookup_option(name)?.role {
            Role::Option { get, .. } => Some(get(self).display()),
            Role::Choice { option, .. } => self.get(option),
            _ => None,
        }
    }

    /// Applies the web UI's URL parameters (`f=main&n=10&g=lines`): each option with a URL
    /// parameter that `param` gives a non-empty value is set from it (pprof's `applyURL`).
    pub fn apply_url_params(
        &mut self,
        param: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        for flag in flags::FLAGS {
            let Role::Option {
                url_param: Some(key),
                ..
            } = flag.role
            else {
                continue;
            };
            let Some(value) = param(key).filter(|v| !v.is_empty()) else {
                continue;
            };
            self.set(flag.name, &value).map_err(|e| {
                ConfigError::Invalid(format!("error setting config field {}: {e}", flag.name))
            })?;
        }
        Ok(())
    }

    /// The URL parameters that carry this configuration's saved options where they differ from
    /// pprof's defaults, bools shortened to `t`/`f` (pprof's `makeURL`), in table order.
    pub fn url_params(&self) -> Vec<(&'static str, String)> {
        let defaults = Config::default();
        flags::FLAGS
            .iter()
            .filter_map(|flag| match flag.role {
                Role::Option {
                    get,
                    url_param: Some(key),
                    saved: true,
                    ..
                } => {
                    let value = get(self);
                    if value == get(&defaults) {
                        return None;
                    }
                    let text = match value {
                        Value::Bool(b) => if b { "t" } else { "f" }.to_string(),
                        other => other.display(),
                    };
                    Some((key, text))
                }
                _ => None,
            })
            .collect()
    }
}

/// pprof's lenient boolean syntax for shell and URL values (`stringToBool`).
fn parse_shell_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "" => Ok(true),
        "false" | "f" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!("illegal value \"{text}\" for bool variable")),
    }
}

fn parse_shell_value(kind: Kind, text: &str) -> Result<Value, String> {
    match kind {
        Kind::Bool => parse_shell_bool(text).map(Value::Bool),
        Kind::Int => text
            .trim()
            .parse()
            .map(Value::Int)
            .map_err(|_| format!("strconv.Atoi: parsing {text:?}: invalid syntax")),
        Kind::Float => flags::parse_go_float(text)
            .map(Value::Float)
            .ok_or_else(|| format!("strconv.ParseFloat: parsing {text:?}: invalid syntax")),
        Kind::Text => Ok(Value::Text(text.to_string())),
    }
}

/// Compiles an option's regexp; the error reads like Go's `parsing focus regexp: …`, on one
/// line.
pub(crate) fn compile_regex(option: &str, text: &str) -> Result<Option<Regex>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    Regex::new(text).map(Some).map_err(|e| {
        format!(
            "parsing {option} regexp: {} in `{text}`",
            regex_cause(&e.to_string())
        )
    })
}

/// Checks a `tagfocus`/`tagignore` value (regexps or a numeric range).
pub(crate) fn check_tag_filter(option: &str, text: &str) -> Result<String, String> {
    if !text.is_empty() {
        ops::TagFilter::compile(option, text, &ops::NumLabelUnits::default()).map_err(|e| {
            // Keep the message on one line: the regex crate explains its errors over several.
            let message = e.to_string();
            match message.split_once("regex parse error:") {
                Some((head, _)) => format!("{head}{} in `{text}`", regex_cause(&message)),
                None => message,
            }
        })?;
    }
    Ok(text.to_string())
}

/// The cause of a regex error: the regex crate explains errors over several lines and states the
/// cause on the last one.
pub(crate) fn regex_cause(message: &str) -> String {
    let last = message
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(message)
        .trim();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_pprofs() {
        let c = Config::default();
        assert_eq!(c.get("nodecount").as_deref(), Some("-1"));
        assert_eq!(c.get("nodefraction").as_deref(), Some("0.005"));
        assert_eq!(c.get("edgefraction").as_deref(), Some("0.001"));
        assert_eq!(c.get("trim").as_deref(), Some("true"));
        assert_eq!(c.get("unit").as_deref(), Some("minimum"));
        assert_eq!(c.get("granularity").as_deref(), Some("functions"));
        assert_eq!(c.get("sort").as_deref(), Some("flat"));
        assert_eq!(c.get("divide_by").as_deref(), Some("1"));
    }

    #[test]
    fn shell_set_uses_pprofs_bool_syntax_and_choices() {
        let mut c = Config::default();
        c.set("trim", "no").unwrap();
        assert!(!c.trim);
        c.set("trim", "").unwrap();
        assert!(c.trim);
        assert!(c.set("trim", "maybe").is_err());
        c.set("cum", "1").unwrap();
        assert_eq!(c.sort, SortOrder::Cum);
        assert_eq!(c.set("cum", "0"), Err(ConfigError::Unknown("cum".into())));
        c.set("granularity", "lines").unwrap();
        assert_eq!(c.granularity, Granularity::Lines);
        assert!(c.set("granularity", "bogus").is_err());
        assert_eq!(
            c.set("nosuch", "1"),
            Err(ConfigError::Unknown("nosuch".into()))
        );
    }

    #[test]
    fn regex_options_compile_and_read_back() {
        let mut c = Config::default();
        c.set("focus", "main\\.(burn|alloc)").unwrap();
        assert!(c.focus.as_ref().unwrap().is_match("main.burn"));
        assert_eq!(c.get("focus").as_deref(), Some("main\\.(burn|alloc)"));
        let err = c.set("focus", "(").unwrap_err().to_string();
        assert!(err.starts_with("parsing focus regexp: "), "{err}");
        c.set("focus", "").unwrap();
        assert!(c.focus.is_none());
    }

    #[test]
    fn url_params_round_trip_the_saved_options() {
        let mut c = Config::default();
        for (name, value) in [("focus", "main"), ("nodecount", "12"), ("trim", "false")] {
            c.set(name, value).unwrap();
        }
        c.set("lines", "true").unwrap();
        c.set("output", "x.txt").unwrap();
        let params = c.url_params();
        assert_eq!(
            params,
            [
                ("n", "12".into()),
                ("trim", "f".into()),
                ("f", "main".into()),
                ("g", "lines".into())
            ]
        );
        let mut back = Config::default();
        back.apply_url_params(|k| params.iter().find(|(p, _)| *p == k).map(|(_, v)| v.clone()))
            .unwrap();
        assert_eq!(back.url_params(), params);
        assert!(back.output.is_none(), "output is not a URL parameter");
        let err = back
            .apply_url_params(|k| (k == "n").then(|| "ten".to_string()))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("error setting config field nodecount"),
            "{err}"
        );
    }

    #[test]
    fn nodecount_keeps_gos_encoding() {
        assert_eq!(NodeCount::from_go(-1), NodeCount::Default);
        assert_eq!(NodeCount::from_go(-7), NodeCount::Limit(0));
        assert_eq!(NodeCount::from_go(12).to_go(), 12);
    }

    #[test]
    fn sample_index_parses_positions_and_names() {
        assert_eq!(SampleIndex::parse(""), SampleIndex::Default);
        assert_eq!(SampleIndex::parse("1"), SampleIndex::Position(1));
        assert_eq!(
            SampleIndex::parse("alloc_space"),
            SampleIndex::Name("alloc_space".into())
        );
    }
}
