//! Go `flag`-package parsing of the command line over the flag table.
//!
//! The rules are Go's: `-name` and `--name` are the same flag; a value follows `=` or, for
//! non-bool flags, comes as the next argument (`-nodecount 10`); bool flags take a value only
//! after `=` (`-trim=false`); flags stop at the first non-flag argument, and `--` ends them
//! (and is dropped); there is no clustering (`-ab` is the flag `ab`). A flag given twice keeps
//! its last value.

use super::{lookup, Flag, Kind, Value};
use crate::error::FlagError;

/// What the user typed, validated against the table: each flag with its parsed value, in order,
/// and the arguments after the flags.
#[derive(Debug, Default)]
pub struct LowArgs {
    /// Flags as given; a later occurrence of a flag overrides an earlier one.
    pub flags: Vec<(&'static Flag, Value)>,
    /// The arguments after the flags: `[binary] source...`.
    pub positional: Vec<String>,
    /// `-h` or `-help` was given.
    pub help: bool,
}

impl LowArgs {
    /// The last value given for the flag `name`, if it was given.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.flags
            .iter()
            .rev()
            .find(|(f, _)| f.name == name)
            .map(|(_, v)| v)
    }

    /// The flags given, each once, with its last value, in table order.
    pub fn final_values(&self) -> impl Iterator<Item = (&'static Flag, &Value)> + '_ {
        super::FLAGS
            .iter()
            .filter_map(|f| self.value(f.name).map(|v| (f, v)))
    }
}

/// Parses the arguments (without the program name) as Go's `flag` package would.
pub fn parse_args<I, S>(args: I) -> Result<LowArgs, FlagError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut args = args.into_iter().map(Into::into);
    let mut low = LowArgs::default();
    while let Some(arg) = args.next() {
        if arg.len() < 2 || !arg.starts_with('-') {
            low.positional.push(arg);
            break;
        }
        let body = arg.strip_prefix("--").unwrap_or(&arg[1..]);
        if arg == "--" {
            break;
        }
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(FlagError::BadSyntax(arg));
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let Some(flag) = lookup(name) else {
            if name == "h" || name == "help" {
                low.help = true;
                continue;
            }
            return Err(FlagError::Unknown(name.to_string()));
        };
        let value = match (flag.kind, inline) {
            (Kind::Bool, None) => Value::Bool(true),
            (_, Some(text)) => parse_value(flag, &text)?,
            (_, None) => match args.next() {
                Some(text) => parse_value(flag, &text)?,
                None => return Err(FlagError::MissingValue(name.to_string())),
            },
        };
        low.flags.push((flag, value));
    }
    low.positional.extend(args);
    Ok(low)
}

/// Parses a flag's value by its kind, with Go's `strconv` syntax.
fn parse_value(flag: &'static Flag, text: &str) -> Result<Value, FlagError> {
    let parsed = match flag.kind {
        Kind::Bool => parse_go_bool(text).map(Value::Bool),
        Kind::Int => parse_go_int(text).map(Value::Int),
        Kind::Float => parse_go_float(text).map(Value::Float),
        Kind::Text => Some(Value::Text(text.to_string())),
    };
    parsed.ok_or_else(|| FlagError::BadValue {
        flag: flag.name,
        value: text.to_string(),
        kind: flag.kind,
    })
}

/// `strconv.ParseBool`.
pub(crate) fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `strconv.ParseInt(text, 0, 64)`: an optional sign, then a decimal, `0x`, `0o`, `0b` or
/// leading-`0` octal literal, with `_` allowed between digits.
pub(crate) fn parse_go_int(text: &str) -> Option<i64> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let digits = strip_underscores(digits, radix != 10 || lower.starts_with('0'))?;
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i128::from_str_radix(&digits, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// Removes `_` separators, which Go allows only between digits (or after a base prefix).
fn strip_underscores(digits: &str, after_prefix: bool) -> Option<String> {
    if !digits.contains('_') {
        return Some(digits.to_string());
    }
    let bytes = digits.as_bytes();
    let bad_end = bytes.last() == Some(&b'_') || (!after_prefix && bytes.first() == Some(&b'_'));
    if bad_end || digits.contains("__") {
        return None;
    }
    Some(digits.replace('_', ""))
}

/// `strconv.ParseFloat(text, 64)` for the decimal forms options use, plus `inf` and `nan`
/// (underscores, which Go allows only in hexadecimal floats, are rejected).
pub(crate) fn parse_go_float(text: &str) -> Option<f64> {
    let lower = text.trim_start_matches(['+', '-']).to_ascii_lowercase();
    let special = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    let numeric = !lower.is_empty()
        && lower
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-'));
    if !(special || numeric) {
        return None;
    }
    text.parse().ok()
}
