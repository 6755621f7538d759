//! The `-tagfocus`/`-tagignore` language, compiled as `compileTagFilter` and
//! `parseTagFilterRange` in pprof's `driver_focus.go` do.
//!
//! A value is `[key=]filter`. When the filter is a numeric range — `32kb` (equal), `:64kb` (at
//! most), `4mb:` (at least), `12kb:64mb` (between, inclusive) — it selects samples with a numeric
//! label in the range, the label's value converted from its key's unit to the range's unit
//! (a label in another unit family never matches). Otherwise the filter is a comma-separated list
//! of regexps: without a key each must match some `key:value` of the sample's string labels;
//! with a key any must match a value of that label.

use std::sync::LazyLock;

use regex::Regex;

use crate::error::{Error, Result};
use crate::model::Sample;

use super::labels::NumLabelUnits;
use super::units;

/// A number with an optional unit suffix, as pprof's `tagFilterRangeRx` finds them.
static RANGE_PART: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("([+-]?[[:digit:]]+)([[:alpha:]]+)?").expect("constant regexp"));

/// A compiled `-tagfocus` or `-tagignore` value.
#[derive(Clone, Debug)]
pub struct TagFilter {
    /// The label key the filter is limited to; empty for any key.
    key: String,
    kind: Kind,
    units: NumLabelUnits,
}

#[derive(Clone, Debug)]
enum Kind {
    /// Sample label values in the range, both bounds given in `unit`.
    Range {
        low: Bound,
        high: Bound,
        unit: String,
    },
    Regexps(Vec<Regex>),
}

#[derive(Clone, Copy, Debug)]
enum Bound {
    Open,
    At(f64),
}

impl TagFilter {
    /// Compiles `value` for the option `option` (`tagfocus` or `tagignore`, used in error texts:
    /// `parsing tagfocus regexp: …`). `units` gives each numeric label key's unit
    /// ([`num_label_units`](super::num_label_units)).
    pub fn compile(option: &str, value: &str, units: &NumLabelUnits) -> Result<TagFilter> {
        let (key, filter) = match value.split_once('=') {
            Some((key, filter)) => (key, filter),
            None => ("", value),
        };
        let kind = match parse_range(filter)? {
            Some(kind) => kind,
            None => Kind::Regexps(
                filter
                    .split(',')
                    .map(|rx| {
                        Regex::new(rx).map_err(|e| {
                            Error::InvalidArgument(format!("parsing {option} regexp: {e}"))
                        })
                    })
                    .collect::<Result<_>>()?,
            ),
        };
        Ok(TagFilter {
            key: key.to_string(),
            kind,
            units: units.clone(),
        })
    }

    /// Whether the filter was read as a numeric range; `go tool pprof` then prints
    /// `<option>:Interpreted '<value>' as range, not regexp` on standard error.
    pub fn is_range(&self) -> bool {
        matches!(self.kind, Kind::Range { .. })
    }

    /// Whether the sample passes the filter.
    pub fn matches(&self, sample: &Sample) -> bool {
        match &self.kind {
            Kind::Range { .. } if self.key.is_empty() => sample
                .num_label
                .iter()
                .any(|(key, values)| self.any_in_range(key, values)),
            Kind::Range { .. } => sample
                .num_label
                .get(&self.key)
                .is_some_and(|values| self.any_in_range(&self.key, values)),
            Kind::Regexps(rxs) if self.key.is_empty() => rxs.iter().all(|rx| {
                sample
                    .label
                    .iter()
                    .any(|(key, values)| values.iter().any(|v| rx.is_match(&format!("{key}:{v}"))))
            }),
            Kind::Regexps(rxs) => sample
                .label
                .get(&self.key)
                .is_some_and(|values| rxs.iter().any(|rx| values.iter().any(|v| rx.is_match(v)))),
        }
    }

    fn any_in_range(&self, key: &str, values: &[i64]) -> bool {
        let Kind::Range { low, high, unit } = &self.kind else {
            return false;
        };
        let from = self.units.unit(key);
        values.iter().any(|&v| {
            let (scaled, scaled_unit) = units::scale(v, from, unit);
            scaled_unit == *unit
                && bound_ok(*low, |b| scaled >= b)
                && bound_ok(*high, |b| scaled <= b)
        })
    }
}

fn bound_ok(bound: Bound, test: impl Fn(f64) -> bool) -> bool {
    match bound {
        Bound::Open => true,
        Bound::At(b) => test(b),
    }
}

/// Reads `filter` as a numeric range (`parseTagFilterRange`); `None` when it is not one.
fn parse_range(filter: &str) -> Result<Option<Kind>> {
    let parts: Vec<(&str, i64, &str)> = RANGE_PART
        .captures_iter(filter)
        .take(2)
        .map(|c| {
            let whole = c.get(0).map_or("", |m| m.as_str());
            let digits = c.get(1).map_or("", |m| m.as_str());
            let unit = c.get(2).map_or("", |m| m.as_str());
            let n = digits.parse::<i64>().map_err(|e| {
                Error::InvalidArgument(format!("failed to parse int {digits}: {e}"))
            })?;
            Ok((whole, n, unit))
        })
        .collect::<Result<_>>()?;
    let Some(&(first, n, suffix)) = parts.first() else {
        return Ok(None);
    };
    let (value, unit) = units::scale(n, suffix, suffix);
    if parts.len() == 1 {
        let (low, high) = if filter == first {
            (Bound::At(value), Bound::At(value))
        } else if filter.strip_suffix(':') == Some(first) {
            (Bound::At(value), Bound::Open)
        } else if filter.strip_prefix(':') == Some(first) {
            (Bound::Open, Bound::At(value))
        } else {
            return Ok(None);
        };
        return Ok(Some(Kind::Range { low, high, unit }));
    }
    let (second, n2, suffix2) = parts[1];
    if filter != format!("{first}:{second}") {
        return Ok(None);
    }
    let (value2, unit2) = units::scale(n2, suffix2, &unit);
    if unit2 != unit {
        return Ok(None);
    }
    Ok(Some(Kind::Range {
        low: Bound::At(value),
        high: Bound::At(value2),
        unit,
    }))
}
