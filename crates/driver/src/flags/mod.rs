//! The one table of `go tool pprof`'s flags and options, and Go `flag`-style parsing over it.
//!
//! [`FLAGS`] defines every flag once: its name, the kind of value it takes, what it does (its
//! [`Role`]) and its help text. That one definition drives command-line parsing ([`parse_args`]),
//! `-help` ([`usage()`]), and, through [`Role::Option`], the shell's `name=value` assignments and
//! the web UI's URL parameters ([`crate::Config::set`]).

mod parse;
mod table;
mod usage;

pub(crate) use parse::parse_go_float;
pub use parse::{parse_args, LowArgs};
pub use table::FLAGS;
pub use usage::usage;

use crate::command::CommandName;
use crate::config::Config;

/// The kind of value a flag takes, as Go's `flag` package types it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `-x`, `-x=true`, `-x=false`; never `-x false`.
    Bool,
    /// A Go integer literal (`10`, `0x10`, `-1`).
    Int,
    /// A Go float literal (`0.005`, `1e-3`).
    Float,
    /// Any string, possibly empty.
    Text,
}

/// A flag's value after parsing with its [`Kind`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Text(String),
}

impl Value {
    /// The value as Go's `fmt.Sprint` prints it (how the shell shows option values).
    pub fn display(&self) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format_go_float(*f),
            Value::Text(s) => s.clone(),
        }
    }
}

/// Formats a float as Go's `%v` does for the values options take (shortest representation).
fn format_go_float(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f.is_nan() {
        return "NaN".into();
    }
    let exp = if f == 0.0 {
        0
    } else {
        f.abs().log10().floor() as i32
    };
    if (-4..21).contains(&exp) {
        format!("{f}")
    } else {
        let s = format!("{f:e}");
        let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

/// Sets one option of a [`Config`] from a parsed value; the error says what is wrong with it.
pub type Setter = fn(&mut Config, &Value) -> Result<(), String>;
/// Reads one option of a [`Config`] back as the shell and the web UI show it.
pub type Getter = fn(&Config) -> Value;

/// What a flag does.
#[derive(Clone, Copy)]
pub enum Role {
    /// Selects a report (`-top`, `-list=REGEX`); at most one may be given.
    Command(CommandName),
    /// A report option (a field of [`Config`]): set from the command line, the shell's
    /// `name=value` and the web UI.
    Option {
        /// Writes the option.
        set: Setter,
        /// Reads the option.
        get: Getter,
        /// The web UI's URL parameter, if the option has one.
        url_param: Option<&'static str>,
        /// Whether the web UI keeps it in saved settings.
        saved: bool,
        /// Whether it is a command-line flag; multiple-choice options (`sort`, `granularity`)
        /// are set on the command line through their choices (`-cum`, `-lines`) instead.
        flag: bool,
    },
    /// One value of a multiple-choice option (`-cum` for `sort`, `-lines` for `granularity`).
    Choice {
        /// The option the choice belongs to.
        option: &'static str,
        /// Sets the option to this choice.
        set: fn(&mut Config),
        /// The web UI's URL parameter of the option.
        url_param: &'static str,
    },
    /// Where and how profiles are obtained (`-base`, `-seconds`, `-symbolize`, …).
    Source,
    /// A legacy shortcut for `-sample_index` (and `-mean`, for `-mean_delay`).
    SampleShortcut {
        /// The sample type it selects.
        sample_index: &'static str,
        /// Whether it also sets `-mean`.
        mean: bool,
    },
    /// The web UI and tool settings (`-http`, `-no_browser`, `-tools`).
    Misc,
}

impl std::fmt::Debug for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Role::Command(c) => write!(f, "Command({c:?})"),
            Role::Option {
                url_param, saved, ..
            } => {
                write!(f, "Option {{ url_param: {url_param:?}, saved: {saved} }}")
            }
            Role::Choice { option, .. } => write!(f, "Choice({option})"),
            Role::Source => f.write_str("Source"),
            Role::SampleShortcut { sample_index, mean } => {
                write!(f, "SampleShortcut({sample_index}, mean: {mean})")
            }
            Role::Misc => f.write_str("Misc"),
        }
    }
}

/// One flag of the table.
#[derive(Debug)]
pub struct Flag {
    /// The name, written `-name` or `--name`.
    pub name: &'static str,
    /// The kind of value.
    pub kind: Kind,
    /// What it does.
    pub role: Role,
    /// Help text; the first line is the summary `-help` prints.
    pub help: &'static str,
}

impl Flag {
    /// The first line of the help text.
    pub fn summary(&self) -> &'static str {
        self.help.lines().next().unwrap_or("")
    }

    /// Whether the flag is accepted on the command line.
    pub fn is_command_line_flag(&self) -> bool {
        !matches!(self.role, Role::Option { flag: false, .. })
    }
}

/// The entry of the table with this name, if any (command-line flag or not).
fn find(name: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.name == name)
}

/// The command-line flag with this name, if any.
pub fn lookup(name: &str) -> Option<&'static Flag> {
    find(name).filter(|f| f.is_command_line_flag())
}

/// The option (or choice of an option) with this name: what the shell and the web UI can set.
pub fn lookup_option(name: &str) -> Option<&'static Flag> {
    find(name).filter(|f| matches!(f.role, Role::Option { .. } | Role::Choice { .. }))
}

/// The multiple-choice options in name order, each with its choices in table order: the
/// "Option groups" that `-help` and the shell's `help` list.
pub(crate) fn choice_groups() -> Vec<(&'static str, Vec<&'static Flag>)> {
    let mut groups: Vec<&str> = FLAGS
        .iter()
        .filter_map(|f| match f.role {
            Role::Choice { option, .. } => Some(option),
            _ => None,
        })
        .collect();
    groups.sort_unstable();
    groups.dedup();
    groups
        .into_iter()
        .map(|group| {
            let choices = FLAGS
                .iter()
                .filter(|f| matches!(f.role, Role::Choice { option, .. } if option == group))
                .collect();
            (group, choices)
        })
        .collect()
}

#[cfg(test)]
mod tests;
