//! Java profiles: `--- heapz 1 ---` and `--- contentionz 1 ---` texts with `format = java`, the
//! Java flavour of the binary CPU format, and the `0xADDR function (file:line)` location table
//! that ends all three (`legacy_java_profile.go`).

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::bytes::Regex;

use super::builder::{LegacyFunction, LegacyProfile, LegacySample};
use super::cpu_binary::{self, Words};
use super::heap::scale_heap_sample;
use super::memory_map;
use super::text::{self, regex};
use super::Reject;
use crate::ValueType;

/// The sampling rate Java heap profiles use, fixed at 512 KiB.
const JAVA_HEAP_SAMPLING_RATE: i64 = 524_288;

static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| regex(r"(?-u)([\w ]+)=([\w ]+)"));
static SAMPLE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?-u) *([0-9]+) +([0-9]+) +@ +([ x0-9a-f]*)"));
static LOCATION: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?-u)^[\t\n\f\r ]*0x([[:xdigit:]]+)[\t\n\f\r ]+(.*)[\t\n\f\r ]*$"));
static FILE_LINE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?-u)^(.*)[\t\n\f\r ]+\((.+):(-?[0-9]+)\)$"));
static LIBRARY_PATH: LazyLock<Regex> = LazyLock::new(|| regex(r"(?-u)^(.*)[\t\n\f\r ]+\((.*)\)$"));

/// Which text profile it is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Heap,
    Contention,
}

/// The Java binary CPU profile, after its header (`javaCPUProfile`).
pub(crate) fn parse_cpu(
    data: &[u8],
    period_micros: i64,
    words: Words,
) -> Result<LegacyProfile, Reject> {
    let mut p = cpu_binary::cpu_profile(period_micros);
    let rest = cpu_binary::parse_samples(data, words, false, &mut p)?;
    parse_locations(rest, &mut p)?;
    finish(p)
}

/// `parseJavaProfile`: a Java heap or contention text.
pub(crate) fn parse(data: &[u8]) -> Result<LegacyProfile, Reject> {
    let Some(newline) = memchr::memchr(b'\n', data) else {
        return Err(Reject::Unrecognized);
    };
    let kind = match text::trim_space(&data[..newline]) {
        b"--- heapz 1 ---" => Kind::Heap,
        b"--- contentionz 1 ---" => Kind::Contention,
        _ => return Err(Reject::Unrecognized),
    };
    // Sample types come from the `resolution` attribute; the period type stays empty for heapz.
    let mut p = LegacyProfile::new(Vec::new(), ValueType::default(), 0);
    let rest = parse_header(kind, &data[newline + 1..], &mut p)?;
    let rest = parse_samples(kind, rest, &mut p)?;
    parse_locations(rest, &mut p)?;
    finish(p)
}

/// Clears addresses so that profiles merge by function (`Aggregate` keeping all but addresses),
/// and checks the one thing Go's `Aggregate` checks that can fail here.
fn finish(mut p: LegacyProfile) -> Result<LegacyProfile, Reject> {
    for loc in &mut p.locations {
        loc.address = 0;
    }
    // Every sample has two values; the sample types come from a `resolution` attribute.
    if p.sample_type.is_empty() && !p.samples.is_empty() {
        return Err(Reject::malformed("missing sample type information"));
    }
    Ok(p)
}

/// The complete lines (ended by `\n`) of `b`, each with the data from its start to the end.
fn complete_lines(b: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    memchr::memchr_iter(b'\n', b).scan(0, move |start, nl| {
        let line = &b[*start..nl];
        let from_line = &b[*start..];
        *start = nl + 1;
        Some((line, from_line))
    })
}

/// `parseJavaHeader`: the `attribute = value` lines; returns the data from the first line that
/// is not one.
fn parse_header<'a>(kind: Kind, b: &'a [u8], p: &mut LegacyProfile) -> Result<&'a [u8], Reject> {
    let mut rest = b;
    for (raw, from_line) in complete_lines(b) {
        rest = &from_line[raw.len() + 1..];
        let line = text::trim_space(raw);
        if line.is_empty() {
            continue;
        }
        let Some(c) = ATTRIBUTE.captures(line) else {
            return Ok(from_line);
        };
        let group = |i: usize| text::trim_space(text::group(&c, i));
        let (attribute, value) = (group(1), group(2));
        let number = || {
            text::parse_int(value, 0).map_err(|e| {
                Reject::malformed(format!(
                    "failed to parse attribute {}: {e}",
                    text::string(line)
                ))
            })
        };
        match (kind, attribute) {
            (_, b"format") if value != b"java" => return Err(Reject::Unrecognized),
            (_, b"format") => {}
            (Kind::Heap, b"resolution") => {
                p.sample_type = vec![
                    ValueType::new("inuse_objects", "count"),
                    ValueType::new("inuse_space", text::string(value)),
                ];
            }
            (Kind::Contention, b"resolution") => {
                p.sample_type = vec![
                    ValueType::new("contentions", "count"),
                    ValueType::new("delay", text::string(value)),
                ];
            }
            (Kind::Contention, b"sampling period") => {
                p.period_type = Some(ValueType::new("contentions", "count"));
                p.period = number()?;
            }
            (Kind::Contention, b"ms since reset") => {
                p.duration_nanos = number()?.wrapping_mul(1_000_000);
            }
            _ => return Err(Reject::Unrecognized),
        }
    }
    Ok(rest)
}

/// `parseJavaSamples`: the `value1 value2 @ addrs` lines (inverted against other formats: the
/// count comes second); returns the data from the first line that is not one.
fn parse_samples<'a>(kind: Kind, b: &'a [u8], p: &mut LegacyProfile) -> Result<&'a [u8], Reject> {
    let mut rest = b;
    for (raw, from_line) in complete_lines(b) {
        rest = &from_line[raw.len() + 1..];
        let line = text::trim_space(raw);
        if line.is_empty() {
            continue;
        }
        let Some(c) = SAMPLE.captures(line) else {
            return Ok(from_line);
        };
        let group = |i: usize| text::group(&c, i);
        let addrs = text::parse_hex_addresses(group(3)).map_err(|e| {
            Reject::malformed(format!("malformed sample: {}: {e}", text::string(line)))
        })?;
        let locations = p.stack(&addrs, addrs.len());
        let bad = |e| Reject::malformed(format!("parsing sample {}: {e}", text::string(line)));
        let count = text::parse_int(group(2), 0).map_err(bad)?;
        let amount = text::parse_int(group(1), 0).map_err(bad)?;
        let mut sample = LegacySample {
            locations,
            value: vec![count, amount],
            block_bytes: None,
        };
        match kind {
            Kind::Heap => {
                if count == 0 {
                    return Err(Reject::malformed(format!(
                        "parsing sample {}: second value must be non-zero",
                        text::string(line)
                    )));
                }
                sample.block_bytes = Some(amount.wrapping_div(count));
                let (count, amount) = scale_heap_sample(count, amount, JAVA_HEAP_SAMPLING_RATE);
                sample.value = vec![count, amount];
            }
            Kind::Contention if p.period != 0 => {
                sample.value = vec![count.wrapping_mul(p.period), amount.wrapping_mul(p.period)];
            }
            Kind::Contention => {}
        }
        p.samples.push(sample);
    }
    Ok(rest)
}

/// `parseJavaLocations`: gives each location named in the `0xADDR function (file:line)` table
/// its function and line, then renumbers locations, functions and mappings.
fn parse_locations(b: &[u8], p: &mut LegacyProfile) -> Result<(), Reject> {
    let mut functions: HashMap<Vec<u8>, usize> = HashMap::new();
    for raw in b.split(|&c| c == b'\n') {
        let line = text::trim_space(raw);
        let Some(c) = LOCATION.captures(line) else {
            continue;
        };
        let group = |i: usize| text::group(&c, i);
        let address = text::parse_uint(group(1), 16).map_err(|e| {
            Reject::malformed(format!("parsing sample {}: {e}", text::string(line)))
        })?;
        let Some(loc) = p.existing_location(address) else {
            continue;
        };
        let (name, file, line_number) = describe(group(2));
        let next = p.functions.len();
        let func = *functions.entry(name.to_vec()).or_insert_with(|| {
            p.functions.push(LegacyFunction {
                name: text::string(name),
                filename: file,
            });
            next
        });
        p.locations[loc].line = Some((func, line_number));
        p.locations[loc].address = 0;
    }
    p.renumber_locations();
    p.renumber_functions();
    memory_map::assign_mappings(p);
    Ok(())
}

/// The function, file and line of a location's description.
fn describe(what: &[u8]) -> (&[u8], String, i64) {
    let group = text::group;
    if let Some(c) = FILE_LINE.captures(what) {
        let line = text::parse_int(group(&c, 3), 10)
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or(0);
        (group(&c, 1), text::string(group(&c, 2)), line)
    } else if let Some(c) = LIBRARY_PATH.captures(what) {
        // A shared library: only its base name is of interest.
        (group(&c, 1), text::string(base_name(group(&c, 2))), 0)
    } else if text::contains(what, b"generated stub/JIT") {
        (b"STUB", String::new(), 0)
    } else {
        // The agent's internal states ("GC", "VM") are whole-line names.
        (what, String::new(), 0)
    }
}

/// Go's `filepath.Base` on Unix.
fn base_name(path: &[u8]) -> &[u8] {
    if path.is_empty() {
        return b".";
    }
    let trimmed = match path.iter().rposition(|&c| c != b'/') {
        Some(last) => &path[..=last],
        None => return b"/",
    };
    match trimmed.iter().rposition(|&c| c == b'/') {
        Some(slash) => &trimmed[slash + 1..],
        None => trimmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_locations() {
        assert_eq!(
            describe(b"com.F.g (F.java:12)"),
            (&b"com.F.g"[..], "F.java".into(), 12)
        );
        assert_eq!(describe(b"f (x.java:-3)"), (&b"f"[..], "x.java".into(), 0));
        assert_eq!(
            describe(b"memcpy (/lib/libc.so.6)"),
            (&b"memcpy"[..], "libc.so.6".into(), 0)
        );
        assert_eq!(
            describe(b"a generated stub/JIT b"),
            (&b"STUB"[..], String::new(), 0)
        );
        assert_eq!(describe(b"GC"), (&b"GC"[..], String::new(), 0));
    }

    #[test]
    fn base_name_is_go_filepath_base() {
        assert_eq!(base_name(b""), b".");
        assert_eq!(base_name(b"///"), b"/");
        assert_eq!(base_name(b"/a/b/"), b"b");
        assert_eq!(base_name(b"c"), b"c");
    }
}
