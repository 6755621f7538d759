//! Units of measurement: scaling values between units of one family (memory, time, GCU),
//! the labels reports print for them, percentages, and the common unit of several profiles.
//!
//! Mirrors the behaviour of pprof's `internal/measurement` package, which `go tool pprof` uses for
//! every number it prints.

use ferroprof_profile::{Profile, ValueType};

/// One unit of a family: the name printed, the (lower-case) names recognised, and its size in the
/// family's base unit.
struct Unit {
    canonical: &'static str,
    aliases: &'static [&'static str],
    factor: f64,
}

/// A family of convertible units, with the unit used when no better one applies.
struct UnitFamily {
    units: &'static [Unit],
    default_name: &'static str,
    default_factor: f64,
}

const MEMORY_UNITS: &[Unit] = &[
    Unit {
        canonical: "B",
        aliases: &["b", "byte"],
        factor: 1.0,
    },
    Unit {
        canonical: "kB",
        aliases: &["kb", "kbyte", "kilobyte"],
        factor: 1024.0,
    },
    Unit {
        canonical: "MB",
        aliases: &["mb", "mbyte", "megabyte"],
        factor: 1048576.0,
    },
    Unit {
        canonical: "GB",
        aliases: &["gb", "gbyte", "gigabyte"],
        factor: 1073741824.0,
    },
    Unit {
        canonical: "TB",
        aliases: &["tb", "tbyte", "terabyte"],
        factor: 1099511627776.0,
    },
    Unit {
        canonical: "PB",
        aliases: &["pb", "pbyte", "petabyte"],
        factor: 1125899906842624.0,
    },
];

const TIME_UNITS: &[Unit] = &[
    Unit {
        canonical: "ns",
        aliases: &["ns", "nanosecond"],
        factor: 1.0,
    },
    Unit {
        canonical: "us",
        aliases: &["μs", "us", "microsecond"],
        factor: 1e3,
    },
    Unit {
        canonical: "ms",
        aliases: &["ms", "millisecond"],
        factor: 1e6,
    },
    Unit {
        canonical: "s",
        aliases: &["s", "sec", "second"],
        factor: 1e9,
    },
    Unit {
        canonical: "hrs",
        aliases: &["hour", "hr"],
        factor: 3.6e12,
    },
];

const GCU_UNITS: &[Unit] = &[
    Unit {
        canonical: "n*GCU",
        aliases: &["nanogcu"],
        factor: 1e-9,
    },
    Unit {
        canonical: "u*GCU",
        aliases: &["microgcu"],
        factor: 1e-6,
    },
    Unit {
        canonical: "m*GCU",
        aliases: &["milligcu"],
        factor: 1e-3,
    },
    Unit {
        canonical: "GCU",
        aliases: &["gcu"],
        factor: 1.0,
    },
    Unit {
        canonical: "k*GCU",
        aliases: &["kilogcu"],
        factor: 1e3,
    },
    Unit {
        canonical: "M*GCU",
        aliases: &["megagcu"],
        factor: 1e6,
    },
    Unit {
        canonical: "G*GCU",
        aliases: &["gigagcu"],
        factor: 1e9,
    },
    Unit {
        canonical: "T*GCU",
        aliases: &["teragcu"],
        factor: 1e12,
    },
    Unit {
        canonical: "P*GCU",
        aliases: &["petagcu"],
        factor: 1e15,
    },
];

/// The unit families in the order pprof tries them.
const FAMILIES: &[UnitFamily] = &[
    UnitFamily {
        units: MEMORY_UNITS,
        default_name: "B",
        default_factor: 1.0,
    },
    UnitFamily {
        units: TIME_UNITS,
        default_name: "s",
        default_factor: 1e9,
    },
    UnitFamily {
        units: GCU_UNITS,
        default_name: "GCU",
        default_factor: 1.0,
    },
];

impl UnitFamily {
    /// The unit named `name`: lower-cased, a trailing `s` dropped when longer than two letters.
    fn sniff(&self, name: &str) -> Option<&'static Unit> {
        let lower = name.to_lowercase();
        let key = if lower.len() > 2 {
            lower.strip_suffix('s').unwrap_or(&lower)
        } else {
            &lower
        };
        self.units.iter().find(|u| u.aliases.contains(&key))
    }

    /// The largest unit in which `value` (in base units) is at least 1.
    fn auto_scale(&self, value: f64) -> Option<(f64, &'static str)> {
        let mut best: Option<&Unit> = None;
        for u in self.units {
            if u.factor >= best.map_or(0.0, |b| b.factor) && value / u.factor >= 1.0 {
                best = Some(u);
            }
        }
        best.map(|u| (value / u.factor, u.canonical))
    }

    fn convert(&self, value: i64, from: &str, to: &str) -> Option<(f64, String)> {
        let from_unit = self.sniff(from)?;
        let v = value as f64 * from_unit.factor;
        let default = || (v / self.default_factor, self.default_name.to_string());
        if to == "minimum" || to == "auto" {
            return Some(match self.auto_scale(v) {
                Some((scaled, name)) => (scaled, name.to_string()),
                None => default(),
            });
        }
        Some(match self.sniff(to) {
            Some(u) => (v / u.factor, u.canonical.to_string()),
            None => default(),
        })
    }
}

/// Converts `value` from unit `from` to unit `to`, returning the value and the unit's printed
/// name. `to` may be `minimum` or `auto` (the largest unit keeping the value at least 1). Values
/// in units of no known family keep their value; their unit prints empty for `count`, `sample`,
/// `unit`, `minimum` and `auto`, and verbatim otherwise.
pub fn scale(value: i64, from: &str, to: &str) -> (f64, String) {
    if value < 0 && value != i64::MIN {
        let (v, u) = scale(-value, from, to);
        return (-v, u);
    }
    for family in FAMILIES {
        if let Some(converted) = family.convert(value, from, to) {
            return converted;
        }
    }
    match to {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value as f64, String::new()),
        _ => (value as f64, to.to_string()),
    }
}

/// `value` in `unit`, automatically scaled: `2.98s`, `64kB`, `17171`.
pub fn label(value: i64, unit: &str) -> String {
    scaled_label(value, unit, "auto")
}

/// `value` converted from `from` to `to` and printed with two decimals, a trailing `.00` dropped.
pub fn scaled_label(value: i64, from: &str, to: &str) -> String {
    let (v, unit) = scale(value, from, to);
    let text = format!("{v:.2}");
    let text = text.strip_suffix(".00").unwrap_or(&text);
    if text == "0" || text == "-0" {
        return "0".to_string();
    }
    format!("{text}{unit}")
}

/// `|value / total|` as a percentage, six characters wide: `  100%`, `98.35%`, ` 0.89%`, `    0%`.
pub fn percentage(value: i64, total: i64) -> String {
    let ratio = if total != 0 {
        (value as f64 / total as f64).abs() * 100.0
    } else {
        0.0
    };
    if (99.95..=100.05).contains(&ratio) {
        "  100%".to_string()
    } else if ratio >= 1.0 {
        format!("{ratio:5.2}%")
    } else {
        format!("{:>5}%", format_g2(ratio))
    }
}

/// Formats a non-negative value below 1 with two significant digits, as C's and Go's `%.2g` do.
fn format_g2(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x.is_nan() {
            "NaN".to_string()
        } else {
            "0".to_string()
        };
    }
    let sci = format!("{x:.1e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    if !(-4..2).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let mant = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.abs());
    }
    if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            return format!("{digits:0<int_len$}");
        }
        return format!("{}.{}", &digits[..int_len], &digits[int_len..]);
    }
    format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
}

/// Whether two value types can be merged: the same type name (a trailing `s` ignored) and either
/// the same unit or units of one family.
pub fn compatible_value_types(a: &ValueType, b: &ValueType) -> bool {
    if a.r#type.strip_suffix('s').unwrap_or(&a.r#type)
        != b.r#type.strip_suffix('s').unwrap_or(&b.r#type)
    {
        return false;
    }
    a.unit == b.unit
        || FAMILIES
            .iter()
            .any(|f| f.sniff(&a.unit).is_some() && f.sniff(&b.unit).is_some())
}

/// The common type of several value types: the one with the finest unit. `Ok(None)` for fewer than
/// two types; an error message naming both when two are incompatible.
pub fn common_value_type(types: &[&ValueType]) -> Result<Option<ValueType>, String> {
    if types.len() <= 1 {
        return Ok(None);
    }
    let mut min = types[0];
    for t in &types[1..] {
        if !compatible_value_types(min, t) {
            return Err(format!(
                "incompatible types: {{{} {}}} {{{} {}}}",
                min.r#type, min.unit, t.r#type, t.unit
            ));
        }
        if scale(1, &t.unit, &min.unit).0 < 1.0 {
            min = t;
        }
    }
    Ok(Some(min.clone()))
}

/// Converts the profiles to common units (the finest unit each sample type uses in any of them),
/// as `go tool pprof` does before merging several sources. Errors are pprof's messages.
pub fn scale_profiles(profiles: &mut [Profile]) -> Result<(), String> {
    let Some(first) = profiles.first() else {
        return Ok(());
    };
    let n = first.sample_type.len();
    let periods: Vec<&ValueType> = profiles
        .iter()
        .filter_map(|p| p.period_type.as_ref())
        .collect();
    let period_type = common_value_type(&periods).map_err(|e| format!("period type: {e}"))?;
    if let Some(p) = profiles.iter().find(|p| p.sample_type.len() != n) {
        return Err(format!(
            "inconsistent samples type count: {n} != {}",
            p.sample_type.len()
        ));
    }
    let mut common = Vec::with_capacity(n);
    for i in 0..n {
        let types: Vec<&ValueType> = profiles.iter().map(|p| &p.sample_type[i]).collect();
        common.push(common_value_type(&types).map_err(|e| format!("sample types: {e}"))?);
    }
    for p in profiles.iter_mut() {
        if let (Some(pt), Some(target)) = (p.period_type.as_mut(), period_type.as_ref()) {
            p.period = scale(p.period, &pt.unit, &target.unit).0 as i64;
            pt.unit = target.unit.clone();
        }
        let mut ratios = vec![1.0; n];
        for (i, st) in p.sample_type.iter_mut().enumerate() {
            if let Some(target) = &common[i] {
                ratios[i] = scale(1, &st.unit, &target.unit).0;
                st.unit = target.unit.clone();
            }
        }
        scale_samples(p, &ratios);
    }
    Ok(())
}

/// Multiplies each sample value by its column's ratio (rounded, as pprof's `ScaleN`), dropping
/// samples left with only zero values.
fn scale_samples(p: &mut Profile, ratios: &[f64]) {
    if ratios.iter().all(|&r| r == 1.0) {
        return;
    }
    for s in &mut p.sample {
        for (v, r) in s.value.iter_mut().zip(ratios) {
            if *r != 1.0 {
                *v = (*v as f64 * r).round() as i64;
            }
        }
    }
    p.sample.retain(|s| s.value.iter().any(|&v| v != 0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_labels_match_go() {
        assert_eq!(
            scaled_label(2_980_000_000, "nanoseconds", "minimum"),
            "2.98s"
        );
        assert_eq!(scaled_label(20_000_000, "nanoseconds", "s"), "0.02s");
        assert_eq!(scaled_label(1_000_000_000, "nanoseconds", "auto"), "1s");
        assert_eq!(scaled_label(31_233_884, "bytes", "kB"), "30501.84kB");
        assert_eq!(scaled_label(17171, "count", "minimum"), "17171");
        assert_eq!(scaled_label(0, "nanoseconds", "ms"), "0");
        assert_eq!(scaled_label(-50_000_000, "nanoseconds", "ms"), "-50ms");
        assert_eq!(scaled_label(5, "widgets", "widgets"), "5widgets");
        assert_eq!(label(16_488_000_000_000, "nanoseconds"), "4.58hrs");
        assert_eq!(label(3, "nanoseconds"), "3ns");
        assert_eq!(label(2048, "kilobytes"), "2MB");
        assert_eq!(label(5, "GCU"), "5GCU");
        assert_eq!(label(1500, "microgcu"), "1.50m*GCU");
    }

    #[test]
    fn percentages_match_go() {
        assert_eq!(percentage(2980, 3030), "98.35%");
        assert_eq!(percentage(3030, 3030), "  100%");
        assert_eq!(percentage(27, 3030), " 0.89%");
        assert_eq!(percentage(0, 3030), "    0%");
        assert_eq!(percentage(5, 0), "    0%");
        assert_eq!(percentage(-50, 960), " 5.21%");
        assert_eq!(percentage(1, 100_000_000), "1e-06%");
        assert_eq!(percentage(999, 100_000), "    1%");
        assert_eq!(percentage(5, 1000), "  0.5%");
        assert_eq!(percentage(2040, 960), "212.50%");
    }

    #[test]
    fn common_type_is_the_finest_unit() {
        let ms = ValueType::new("cpu", "milliseconds");
        let ns = ValueType::new("cpu", "nanoseconds");
        let got = common_value_type(&[&ms, &ns]).unwrap().unwrap();
        assert_eq!(got.unit, "nanoseconds");
        let bytes = ValueType::new("cpu", "bytes");
        assert!(common_value_type(&[&ms, &bytes]).is_err());
    }

    #[test]
    fn scale_profiles_converts_to_common_units() {
        let mut a = Profile::default();
        a.sample_type.push(ValueType::new("cpu", "milliseconds"));
        a.sample.push(ferroprof_profile::Sample {
            value: vec![3],
            ..Default::default()
        });
        let mut b = Profile::default();
        b.sample_type.push(ValueType::new("cpu", "nanoseconds"));
        let mut ps = [a, b];
        scale_profiles(&mut ps).unwrap();
        assert_eq!(ps[0].sample_type[0].unit, "nanoseconds");
        assert_eq!(ps[0].sample[0].value, vec![3_000_000]);
    }
}
