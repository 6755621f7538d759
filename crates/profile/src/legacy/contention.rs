//! Contention profile text: gperftools `--- contentionz`, and Go's `mutex?debug=1` (`--- mutex:`)
//! and `block?debug=1` (`--- contention:`) (`parseContention`).

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::builder::LegacyProfile;
use super::memory_map;
use super::text::{self, regex, Lines};
use super::Reject;
use crate::ValueType;

static CONTENTION_SAMPLE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?-u)([0-9]+) *([0-9]+) @([ x0-9a-f]*)"));

/// First lines that start a contention profile.
const STARTS: [&[u8]; 3] = [b"--- contentionz ", b"--- mutex:", b"--- contention:"];

/// `parseContention`.
pub(crate) fn parse(data: &[u8]) -> Result<LegacyProfile, Reject> {
    let mut lines = Lines::new(data);
    if !lines.scan()? || !STARTS.iter().any(|s| lines.text().starts_with(s)) {
        return Err(Reject::Unrecognized);
    }
    let mut p = LegacyProfile::new(
        vec![
            ValueType::new("contentions", "count"),
            ValueType::new("delay", "nanoseconds"),
        ],
        ValueType::new("contentions", "count"),
        1,
    );
    let cycles_per_second = parse_attributes(&mut lines, &mut p)?;
    loop {
        let line = text::trim_space(lines.text());
        if line.starts_with(b"---") {
            break;
        }
        if !text::is_space_or_comment(line) {
            let (value, addrs) = parse_sample(line, p.period, cycles_per_second)?;
            let locations = p.stack(&addrs, 0);
            p.push_sample(locations, value);
        }
        if !lines.scan()? {
            break;
        }
    }
    memory_map::parse_additional_sections(&mut lines, &mut p)?;
    Ok(p)
}

/// Reads the `key = value` lines before the samples into `p`; returns `cycles/second` (0 when
/// absent). Stops on the first line that is not an attribute, leaving it current.
fn parse_attributes(lines: &mut Lines<'_>, p: &mut LegacyProfile) -> Result<i64, Reject> {
    let mut cycles_per_second = 0;
    while lines.scan()? {
        let line = text::trim_space(lines.text());
        if text::is_space_or_comment(line) {
            continue;
        }
        if line.starts_with(b"---") {
            break;
        }
        let Some(eq) = memchr::memchr(b'=', line) else {
            break;
        };
        let (key, value) = (
            text::trim_space(&line[..eq]),
            text::trim_space(&line[eq + 1..]),
        );
        let number = || text::parse_int(value, 0).map_err(|_| Reject::Unrecognized);
        match key {
            b"cycles/second" => cycles_per_second = number()?,
            b"sampling period" => p.period = number()?,
            b"ms since reset" => p.duration_nanos = number()?.wrapping_mul(1_000_000),
            b"discarded samples" => {}
            // `format` and `resolution` mark Java profiles; anything else is not contention.
            _ => return Err(Reject::Unrecognized),
        }
    }
    Ok(cycles_per_second)
}

/// `parseContentionSample`: `[contentions, delay]` and the stack of one `cycles count @ …` line.
/// With a positive period, counts are multiplied by it and cycles converted to nanoseconds.
fn parse_sample(
    line: &[u8],
    period: i64,
    cycles_per_second: i64,
) -> Result<(Vec<i64>, Vec<u64>), Reject> {
    let c = CONTENTION_SAMPLE
        .captures(line)
        .ok_or(Reject::Unrecognized)?;
    let group = |i: usize| text::group(&c, i);
    let bad = |e| Reject::malformed(format!("malformed sample: {}: {e}", text::string(line)));
    let mut delay = text::parse_int(group(1), 10).map_err(bad)?;
    let mut count = text::parse_int(group(2), 10).map_err(bad)?;
    if period > 0 {
        if cycles_per_second > 0 {
            let cycles_per_nanosecond = cycles_per_second as f64 / 1e9;
            delay = text::float_to_int(delay as f64 * period as f64 / cycles_per_nanosecond);
        }
        count = count.wrapping_mul(period);
    }
    let addrs = text::parse_hex_addresses(group(3))
        .map_err(|e| Reject::malformed(format!("malformed sample: {}: {e}", text::string(line))))?;
    Ok((vec![count, delay], addrs))
}
