//! From what the user typed ([`LowArgs`]) to what the driver runs ([`Invocation`]): options
//! applied to a [`Config`], the command resolved, conflicts rejected as `go tool pprof` rejects
//! them.

use ferroprof_profile::Limits;
use regex::Regex;

use crate::command::{Command, CommandName};
use crate::config::{regex_cause, Config, SampleIndex};
use crate::error::{Error, Result};
use crate::flags::{Flag, LowArgs, Role, Value};
use crate::http::TlsFiles;
use crate::source::{Sources, SymbolizeMode, DEFAULT_MAX_PROFILE_BYTES};
use crate::ui::Ui;

/// A validated command line.
#[derive(Debug)]
pub struct Invocation {
    /// The report options.
    pub config: Config,
    /// The report to produce; `None` means the interactive shell (or the web UI with `http`).
    pub command: Option<Command>,
    /// The profiles and how to combine them.
    pub sources: Sources,
    /// `-http`: serve the web UI at this `host:port`.
    pub http: Option<String>,
    /// `-no_browser`.
    pub no_browser: bool,
    /// `-tools`: search path for binutils.
    pub tools: Option<String>,
}

fn text(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::Text(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn int(value: Option<&Value>) -> Option<i64> {
    match value {
        Some(Value::Int(i)) if *i >= 0 => Some(*i),
        _ => None,
    }
}

impl Invocation {
    /// Resolves parsed flags into an invocation; warnings go to `ui`.
    pub fn from_low_args(low: &LowArgs, ui: &mut dyn Ui) -> Result<Invocation> {
        if low.positional.is_empty() {
            return Err(Error::Usage("no profile source specified".into()));
        }
        let mut config = Config::default();
        apply_options(low, &mut config)?;
        let command = resolve_command(low)?;
        let http = text(low.value("http"));
        if command.is_some() && http.is_some() {
            return Err(Error::Usage(
                "-http is not compatible with an output format on the command line".into(),
            ));
        }
        let no_browser = low.value("no_browser") == Some(&Value::Bool(true));
        if no_browser && http.is_none() {
            return Err(Error::Usage(
                "-no_browser only makes sense with -http".into(),
            ));
        }
        apply_sample_shortcuts(low, &mut config, ui);
        let sources = resolve_sources(low, &config, ui)?;
        Ok(Invocation {
            config,
            command,
            sources,
            http,
            no_browser,
            tools: text(low.value("tools")),
        })
    }
}

/// Applies option flags, then each choice group (at most one choice may be set).
fn apply_options(low: &LowArgs, config: &mut Config) -> Result<()> {
    let mut groups: Vec<(&str, Vec<&'static Flag>)> = Vec::new();
    for (flag, value) in low.final_values() {
        match flag.role {
            Role::Option { .. } => config.set_value(flag, value).map_err(Error::Usage)?,
            Role::Choice { option, .. } if value == &Value::Bool(true) => {
                match groups.iter_mut().find(|(o, _)| *o == option) {
                    Some((_, set)) => set.push(flag),
                    None => groups.push((option, vec![flag])),
                }
            }
            _ => {}
        }
    }
    for (_, set) in groups {
        if let [only] = set.as_slice() {
            config
                .set_value(only, &Value::Bool(true))
                .map_err(Error::Usage)?;
        } else {
            let names: Vec<_> = set.iter().map(|f| f.name).collect();
            return Err(Error::Usage(format!(
                "conflicting options set: [{}]",
                names.join(" ")
            )));
        }
    }
    Ok(())
}

/// The one command given (a bool command set true, or a regexp command with a non-empty value).
fn resolve_command(low: &LowArgs) -> Result<Option<Command>> {
    let mut chosen: Option<(CommandName, Option<&str>)> = None;
    for (flag, value) in low.final_values() {
        let Role::Command(name) = flag.role else {
            continue;
        };
        let param = match value {
            Value::Bool(true) => None,
            Value::Text(t) if !t.is_empty() => Some(t.as_str()),
            _ => continue,
        };
        if chosen.is_some() {
            return Err(Error::Usage("must set at most one output format".into()));
        }
        chosen = Some((name, param));
    }
    let Some((name, param)) = chosen else {
        return Ok(None);
    };
    let symbol = param.map(compile_symbol).transpose()?;
    Ok(Some(Command { name, symbol }))
}

/// Compiles the regexp argument of `list`, `peek`, `disasm` or `weblist`.
pub(crate) fn compile_symbol(param: &str) -> Result<Regex> {
    Regex::new(param).map_err(|e| {
        Error::Usage(format!(
            "parsing argument regexp {param}: {}",
            regex_cause(&e.to_string())
        ))
    })
}

/// `-inuse_space`, `-mean_delay`, …: each sets the sample index unless one is already chosen.
fn apply_sample_shortcuts(low: &LowArgs, config: &mut Config, ui: &mut dyn Ui) {
    for flag in crate::flags::FLAGS {
        let Role::SampleShortcut { sample_index, mean } = flag.role else {
            continue;
        };
        if low.value(flag.name) != Some(&Value::Bool(true)) {
            continue;
        }
        if config.sample_index == SampleIndex::Default {
            config.sample_index = SampleIndex::parse(sample_index);
        } else {
            ui.print_err(&format!(
                "Multiple value selections, ignoring -{}",
                flag.name
            ));
        }
        if mean {
            config.mean = true;
        }
    }
}

/// Whether `arg` looks like a build id (hex digits only).
fn is_build_id(arg: &str) -> bool {
    arg.bytes().all(|b| b.is_ascii_hexdigit())
}

fn resolve_sources(low: &LowArgs, config: &Config, ui: &mut dyn Ui) -> Result<Sources> {
    let mut positional = low.positional.as_slice();
    let mut build_id = text(low.value("buildid"));
    let mut exec_name = None;
    if positional.len() > 1 {
        let arg0 = &positional[0];
        if crate::objfile::is_object_file(std::path::Path::new(arg0)) {
            exec_name = Some(arg0.clone());
            positional = &positional[1..];
        } else if build_id.is_none() && is_build_id(arg0) {
            build_id = Some(arg0.clone());
            positional = &positional[1..];
        }
    }
    let base = text(low.value("base"));
    let diff_base = text(low.value("diff_base"));
    if base.is_some() && diff_base.is_some() {
        return Err(Error::Usage(
            "-base and -diff_base flags cannot both be specified".into(),
        ));
    }
    let is_diff = diff_base.is_some();
    let base: Vec<String> = base.or(diff_base).into_iter().collect();
    if config.normalize && base.is_empty() {
        return Err(Error::Usage(
            "must have base profile to normalize by".into(),
        ));
    }
    let (symbolize, warnings) = match text(low.value("symbolize")) {
        Some(mode) => SymbolizeMode::parse(&mode),
        None => (SymbolizeMode::default(), Vec::new()),
    };
    for w in warnings {
        ui.print_err(&w);
    }
    let mut limits = Limits::default();
    if let Some(n) = positive(low, "max_decompressed_bytes")? {
        limits.max_decompressed_bytes = n;
    }
    let max_profile_bytes =
        positive(low, "max_profile_bytes")?.unwrap_or(DEFAULT_MAX_PROFILE_BYTES);
    Ok(Sources {
        sources: positional.to_vec(),
        exec_name,
        build_id,
        base,
        diff_base: is_diff,
        normalize: config.normalize,
        seconds: int(low.value("seconds")),
        timeout: int(low.value("timeout")),
        symbolize,
        tls: TlsFiles {
            cert: text(low.value("tls_cert")),
            key: text(low.value("tls_key")),
            ca: text(low.value("tls_ca")),
        },
        comment: text(low.value("add_comment")),
        max_profile_bytes,
        limits,
        parse_timeout: positive(low, "parse_timeout")?.map(std::time::Duration::from_secs),
    })
}

/// A limit flag's value (bytes or seconds), which must be positive.
fn positive(low: &LowArgs, name: &str) -> Result<Option<u64>> {
    match low.value(name) {
        Some(Value::Int(n)) => match u64::try_from(*n) {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(Error::Usage(format!("-{name} must be positive"))),
        },
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Granularity, NodeCount, SortOrder};
    use crate::flags::parse_args;
    use crate::ui::CapturedUi;

    fn invoke(args: &[&str]) -> (Result<Invocation>, Vec<String>) {
        let mut ui = CapturedUi::default();
        let low = parse_args(args.iter().copied()).unwrap();
        (Invocation::from_low_args(&low, &mut ui), ui.messages)
    }

    fn ok(args: &[&str]) -> Invocation {
        invoke(args).0.unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn usage_error(args: &[&str]) -> String {
        match invoke(args).0 {
            Err(Error::Usage(m)) => m,
            other => panic!("{args:?}: expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn nodecount_in_every_spelling_reaches_the_config() {
        for args in [
            &["-nodecount=10", "p"][..],
            &["-nodecount", "10", "p"],
            &["--nodecount=10", "p"],
            &["-nodecount=3", "--nodecount", "10", "p"],
        ] {
            assert_eq!(ok(args).config.nodecount, NodeCount::Limit(10), "{args:?}");
        }
        assert_eq!(ok(&["p"]).config.nodecount, NodeCount::Default);
    }

    #[test]
    fn option_values_are_checked() {
        assert!(usage_error(&["-focus=(", "p"]).starts_with("parsing focus regexp"));
        assert!(usage_error(&["-tagfocus=a(", "p"]).starts_with("parsing tagfocus regexp"));
        let inv = ok(&[
            "-trim=false",
            "-nodefraction",
            "0.1",
            "-unit=ms",
            "-focus=main",
            "p",
        ]);
        assert!(!inv.config.trim);
        assert_eq!(inv.config.nodefraction, 0.1);
        assert_eq!(inv.config.unit, "ms");
        assert!(inv.config.focus.unwrap().is_match("main.main"));
    }

    #[test]
    fn choices_set_their_option_and_conflict_within_a_group() {
        let inv = ok(&["-cum", "-lines", "p"]);
        assert_eq!(inv.config.sort, SortOrder::Cum);
        assert_eq!(inv.config.granularity, Granularity::Lines);
        assert_eq!(
            ok(&["-lines=false", "p"]).config.granularity,
            Granularity::Functions
        );
        let err = usage_error(&["-lines", "-files", "p"]);
        assert!(err.starts_with("conflicting options set: ["), "{err}");
    }

    #[test]
    fn one_output_format_at_most() {
        let inv = ok(&["-peek=main\\.", "p"]);
        let cmd = inv.command.unwrap();
        assert_eq!(cmd.name, CommandName::Peek);
        assert!(cmd.symbol.unwrap().is_match("main.f"));
        assert_eq!(
            ok(&["-top=false", "-raw", "p"]).command.unwrap().name,
            CommandName::Raw
        );
        assert!(ok(&["-list=", "p"]).command.is_none());
        assert_eq!(
            usage_error(&["-top", "-raw", "p"]),
            "must set at most one output format"
        );
        assert!(usage_error(&["-list=(", "p"]).starts_with("parsing argument regexp ("));
        assert!(usage_error(&["-top", "-http=:0", "p"]).contains("-http is not compatible"));
        assert!(usage_error(&["-no_browser", "p"]).contains("-no_browser"));
    }

    #[test]
    fn sample_shortcuts_apply_in_gos_order_and_warn_on_extras() {
        let (inv, messages) = invoke(&["-alloc_space", "-mean_delay", "p"]);
        let inv = inv.unwrap();
        assert_eq!(inv.config.sample_index, SampleIndex::Name("delay".into()));
        assert!(inv.config.mean);
        assert_eq!(
            messages,
            ["Multiple value selections, ignoring -alloc_space"]
        );
        let (inv, _) = invoke(&["-sample_index=1", "-inuse_space", "p"]);
        assert_eq!(inv.unwrap().config.sample_index, SampleIndex::Position(1));
    }

    #[test]
    fn sources_bases_and_binary_arguments() {
        assert_eq!(usage_error(&["-top"]), "no profile source specified");
        // A hex first argument followed by sources is a build id, as in Go.
        let inv = ok(&["-base=b", "x.pb", "y.pb"]);
        assert_eq!(inv.sources.sources, ["x.pb", "y.pb"]);
        assert_eq!(inv.sources.base, ["b"]);
        assert!(!inv.sources.diff_base);
        assert!(ok(&["-diff_base=b", "a"]).sources.diff_base);
        assert!(usage_error(&["-base=b", "-diff_base=c", "a"]).contains("cannot both"));
        assert_eq!(
            usage_error(&["-normalize", "a"]),
            "must have base profile to normalize by"
        );
        let inv = ok(&["abc123", "a"]);
        assert_eq!(inv.sources.build_id.as_deref(), Some("abc123"));
        assert_eq!(inv.sources.sources, ["a"]);
        let (inv, messages) = invoke(&["-symbolize=bogus", "a"]);
        assert!(inv.is_ok());
        assert!(messages[0].starts_with("ignoring unrecognized symbolization option"));
    }
}
