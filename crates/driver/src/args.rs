//! From what the user typed ([`LowArgs`]) to what the driver runs ([`Invocation`]): options
//! applied to a [`Config`], the command resolved, conflicts rejected as `go tool pprof` rejects
//! them.

use regex::Regex;

use crate::command::{Command, CommandName};
use crate::config::{regex_cause, Config, SampleIndex};
use crate::error::{Error, Result};
use crate::flags::{Flag, LowArgs, Role, Value};
use crate::source::{Sources, SymbolizeMode};
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
    let symbol = match param {
        Some(p) => Some(Regex::new(p).map_err(|e| {
            Error::Usage(format!(
                "parsing argument regexp {p}: {}",
                regex_cause(&e.to_string())
            ))
        })?),
        None => None,
    };
    Ok(Some(Command { name, symbol }))
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

/// Whether `path` is an object file (ELF, Mach-O, PE), which pprof takes as the main binary.
fn is_object_file(path: &str) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    read.is_ok()
        && matches!(
            magic,
            [0x7f, b'E', b'L', b'F']
                | [0xfe, 0xed, 0xfa, 0xce | 0xcf]
                | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
                | [b'M', b'Z', _, _]
        )
}

fn resolve_sources(low: &LowArgs, config: &Config, ui: &mut dyn Ui) -> Result<Sources> {
    let mut positional = low.positional.as_slice();
    let mut build_id = text(low.value("buildid"));
    let mut exec_name = None;
    if positional.len() > 1 {
        let arg0 = &positional[0];
        if is_object_file(arg0) {
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
        comment: text(low.value("add_comment")),
    })
}
