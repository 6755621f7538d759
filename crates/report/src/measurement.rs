//! Units of measurement as reports print them: values scaled within a unit family (memory, time,
//! GCU), their labels, and percentages (pprof's `internal/measurement`).
//!
//! Unit conversion itself lives in `ferroprof_profile::ops::units` (filters and the merging of
//! sources need it too) and is re-exported here; converting several profiles to common units
//! before merging is `ferroprof_profile::ops::scale_profiles`.

pub use ferroprof_profile::ops::units::{scale, scaled_label};

/// `value` in `unit`, automatically scaled: `2.98s`, `64kB`, `17171`.
pub fn label(value: i64, unit: &str) -> String {
    scaled_label(value, unit, "auto")
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
}
