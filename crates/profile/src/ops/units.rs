//! Unit conversion for sample values and numeric labels, as pprof's `measurement` package does it:
//! memory (`B` … `PB`, powers of 1024), time (`ns` … `hrs`) and Google Compute Units.
//!
//! Used here by numeric tag filters (`-tagfocus=bytes=1kB:`), by the unit reconciliation of
//! [`scale_profiles`](crate::ops::scale_profiles) and by `-tagroot`/`-tagleaf` labels.

/// One unit: the name printed, the names accepted, and its size in the base unit.
struct Unit {
    canonical: &'static str,
    aliases: &'static [&'static str],
    factor: f64,
}

/// A family of convertible units and the one used when the target unit is not in the family.
struct UnitType {
    units: &'static [Unit],
    default: &'static Unit,
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
/// The time family's fallback: seconds, reachable by no alias of its own (as in pprof).
const SECONDS: Unit = Unit {
    canonical: "s",
    aliases: &[],
    factor: 1e9,
};

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
const GCU: Unit = Unit {
    canonical: "GCU",
    aliases: &[],
    factor: 1.0,
};

const UNIT_TYPES: &[UnitType] = &[
    UnitType {
        units: MEMORY_UNITS,
        default: &MEMORY_UNITS[0],
    },
    UnitType {
        units: TIME_UNITS,
        default: &SECONDS,
    },
    UnitType {
        units: GCU_UNITS,
        default: &GCU,
    },
];

impl UnitType {
    /// The unit named `name`: lower-cased, and with one trailing `s` dropped when longer than two
    /// bytes (`bytes` → `byte`, `ms` stays).
    fn sniff(&self, name: &str) -> Option<&'static Unit> {
        let lower = name.to_lowercase();
        let alias = match lower.strip_suffix('s') {
            Some(stripped) if lower.len() > 2 => stripped,
            _ => lower.as_str(),
        };
        self.units.iter().find(|u| u.aliases.contains(&alias))
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

    fn convert(&self, value: i64, from: &str, to: &str) -> Option<(f64, &'static str)> {
        let from = self.sniff(from)?;
        let v = value as f64 * from.factor;
        if to == "minimum" || to == "auto" {
            if let Some(scaled) = self.auto_scale(v) {
                return Some(scaled);
            }
            return Some((v / self.default.factor, self.default.canonical));
        }
        let to = self.sniff(to).unwrap_or(self.default);
        Some((v / to.factor, to.canonical))
    }
}

/// Converts `value` from unit `from` to unit `to`, returning the value and the unit it is now in.
///
/// `to` may be `minimum` or `auto` (the largest unit keeping the value ≥ 1). When `from` is not a
/// known unit the value is unchanged and the unit is `to`, or empty when `to` is one of `count`,
/// `sample`, `unit`, `minimum`, `auto`. Negative values are converted by magnitude. This is
/// pprof's `measurement.Scale`.
pub fn scale(value: i64, from: &str, to: &str) -> (f64, String) {
    if value < 0 && value != i64::MIN {
        let (v, u) = scale(-value, from, to);
        return (-v, u);
    }
    for family in UNIT_TYPES {
        if let Some((v, u)) = family.convert(value, from, to) {
            return (v, u.to_string());
        }
    }
    match to {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value as f64, String::new()),
        _ => (value as f64, to.to_string()),
    }
}

/// `value` converted to `to` and printed with two decimals, a trailing `.00` dropped, then the
/// unit (`1.50MB`, `2s`); zero prints as `0`. This is pprof's `measurement.ScaledLabel`.
pub fn scaled_label(value: i64, from: &str, to: &str) -> String {
    let (v, unit) = scale(value, from, to);
    let text = format!("{v:.2}");
    let text = text.strip_suffix(".00").unwrap_or(&text);
    if text == "0" || text == "-0" {
        return "0".to_string();
    }
    format!("{text}{unit}")
}

/// Whether two units belong to one family (both memory, both time, …); equal strings always do.
pub fn same_unit_family(a: &str, b: &str) -> bool {
    a == b
        || UNIT_TYPES
            .iter()
            .any(|t| t.sniff(a).is_some() && t.sniff(b).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_within_a_family() {
        assert_eq!(scale(2048, "bytes", "kb"), (2.0, "kB".to_string()));
        assert_eq!(scale(1500, "ms", "auto"), (1.5, "s".to_string()));
        assert_eq!(scale(-2048, "b", "minimum"), (-2.0, "kB".to_string()));
        assert_eq!(scale(5, "nanoseconds", "bytes"), (5e-9, "s".to_string()));
    }

    #[test]
    fn unknown_units_pass_through() {
        assert_eq!(scale(7, "count", "count"), (7.0, String::new()));
        assert_eq!(scale(7, "", ""), (7.0, String::new()));
        assert_eq!(scale(7, "widgets", "things"), (7.0, "things".to_string()));
    }

    #[test]
    fn labels_drop_zero_decimals() {
        assert_eq!(scaled_label(1024, "bytes", "auto"), "1kB");
        assert_eq!(scaled_label(1536, "bytes", "auto"), "1.50kB");
        assert_eq!(scaled_label(0, "bytes", "auto"), "0");
        assert_eq!(scaled_label(17, "", ""), "17");
    }

    #[test]
    fn families() {
        assert!(same_unit_family("bytes", "MB"));
        assert!(!same_unit_family("bytes", "ns"));
        assert!(same_unit_family("count", "count"));
    }
}
