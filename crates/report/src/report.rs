//! The context every writer shares: the profile, the options, the total that percentages refer
//! to, and the value formatter with the report's output unit.

use ferroprof_profile::{Profile, Sample, UtcTime};

use crate::measurement;
use crate::options::{OutputFormat, ReportOptions};
use crate::paths;

pub use ferroprof_profile::ops::{is_diff_base_sample, DIFF_BASE_KEY as DIFF_BASE_LABEL};

/// A profile prepared for reporting (pprof's `report.Report`).
#[derive(Debug, Clone)]
pub struct Report<'a> {
    profile: &'a Profile,
    options: &'a ReportOptions,
    total: i64,
    output_unit: String,
}

impl<'a> Report<'a> {
    /// A report of `profile` with `options`; the total is `options.total`, or computed from the
    /// profile when that is `None`.
    pub fn new(profile: &'a Profile, options: &'a ReportOptions) -> Self {
        let total = options
            .total
            .unwrap_or_else(|| compute_total(profile, options));
        Report {
            profile,
            options,
            total,
            output_unit: options.output_unit.clone(),
        }
    }

    /// The profile being reported.
    pub fn profile(&self) -> &'a Profile {
        self.profile
    }

    /// The report's options.
    pub fn options(&self) -> &'a ReportOptions {
        self.options
    }

    /// The total that percentages refer to.
    pub fn total(&self) -> i64 {
        self.total
    }

    /// The unit values are printed in: the option's, or the one [`Report::select_output_unit`]
    /// chose.
    pub fn output_unit(&self) -> &str {
        &self.output_unit
    }

    /// The reported value of a sample (0 when the sample lacks the column).
    pub fn sample_value(&self, sample: &Sample) -> i64 {
        sample
            .value
            .get(self.options.sample_index)
            .copied()
            .unwrap_or(0)
    }

    /// The divisor of a sample's value with `-mean` (its first value), 0 otherwise.
    pub fn sample_mean_divisor(&self, sample: &Sample) -> i64 {
        if self.options.mean {
            sample.value.first().copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// `value` as the report prints it: multiplied by the `divide_by` ratio, truncated, then
    /// scaled from the sample unit to the output unit (`2.98s`, `30501.32kB`, `17171`).
    pub fn format_value(&self, value: i64) -> String {
        let ratio = self.options.ratio();
        let v = if ratio > 0.0 && ratio != 1.0 {
            (value as f64 * ratio) as i64
        } else {
            value
        };
        measurement::scaled_label(v, &self.options.sample_unit, &self.output_unit)
    }

    /// With output unit `minimum`, picks one unit for the whole report from the smallest non-zero
    /// node value and the total, so that the smallest value prints as at least 0.01 (pprof's
    /// `selectOutputUnit`). `node_values` yields each shown node's (flat, cum).
    pub fn select_output_unit(&mut self, node_values: impl Iterator<Item = (i64, i64)>) {
        if self.options.output_unit != "minimum" {
            return;
        }
        let mut any = false;
        let mut min_value = 0i64;
        for (flat, cum) in node_values {
            any = true;
            let node_min = if flat != 0 {
                flat.saturating_abs()
            } else {
                cum.saturating_abs()
            };
            if node_min > 0 && (min_value == 0 || node_min < min_value) {
                min_value = node_min;
            }
        }
        if !any {
            return;
        }
        let mut max_value = self.total;
        if min_value == 0 {
            min_value = max_value;
        }
        let ratio = self.options.ratio();
        if ratio > 0.0 && ratio != 1.0 {
            min_value = (min_value as f64 * ratio) as i64;
            max_value = (max_value as f64 * ratio) as i64;
        }
        let unit_of = |v: i64| measurement::scale(v, &self.options.sample_unit, "minimum").1;
        let (min_unit, max_unit) = (unit_of(min_value), unit_of(max_value));
        let mut unit = min_unit.clone();
        if min_unit != max_unit
            && min_value.saturating_mul(100) < max_value
            && self.options.output_format != OutputFormat::Callgrind
        {
            unit = unit_of(min_value.saturating_mul(100));
        }
        self.output_unit = if unit.is_empty() {
            self.options.sample_unit.clone()
        } else {
            unit
        };
    }

    /// The profile lines of the legend: `File:`, `Build ID:`, comments, `Type:`, `Time:`,
    /// `Duration:` (pprof's `ProfileLabels`).
    pub fn profile_labels(&self) -> Vec<String> {
        let p = self.profile;
        let mut labels = Vec::new();
        if let Some(m) = p.mapping.first() {
            if !m.filename.is_empty() {
                labels.push(format!("File: {}", paths::base(&m.filename)));
            }
            if !m.build_id.is_empty() {
                labels.push(format!("Build ID: {}", m.build_id));
            }
        }
        labels.extend(p.comments.iter().filter(|c| !c.starts_with('#')).cloned());
        let type_label = self.options.type_label();
        if !type_label.is_empty() {
            labels.push(format!("Type: {type_label}"));
        }
        if p.time_nanos != 0 {
            labels.push(format!("Time: {}", format_time_utc(p.time_nanos)));
        }
        if p.duration_nanos != 0 {
            labels.push(self.duration_label());
        }
        labels
    }

    fn duration_label(&self) -> String {
        let p = self.profile;
        let duration = measurement::label(p.duration_nanos, "nanoseconds");
        let (total_nanos, unit) =
            measurement::scale(self.total, &self.options.sample_unit, "nanoseconds");
        let ratio = if unit == "ns" && total_nanos != 0.0 {
            format!(
                "({})",
                measurement::percentage(total_nanos as i64, p.duration_nanos)
            )
        } else {
            String::new()
        };
        format!(
            "Duration: {duration}, Total samples = {} {ratio}",
            self.format_value(self.total)
        )
    }

    /// The dot graph's title: the option's, else the main binary's base name.
    pub fn title(&self) -> String {
        if let Some(t) = &self.options.title {
            return t.clone();
        }
        match self.profile.mapping.first() {
            Some(m) if !m.filename.is_empty() => paths::base(&m.filename),
            _ => String::new(),
        }
    }
}

/// The total that percentages refer to: the sum of |value| over samples, divided by the sum of
/// the first values with `-mean`; only base samples count when a diff base is present.
pub fn compute_total(profile: &Profile, options: &ReportOptions) -> i64 {
    let (mut total, mut div, mut diff_total, mut diff_div) = (0i64, 0i64, 0i64, 0i64);
    for s in &profile.sample {
        let v = s
            .value
            .get(options.sample_index)
            .copied()
            .unwrap_or(0)
            .wrapping_abs();
        let d = if options.mean {
            s.value.first().copied().unwrap_or(0)
        } else {
            0
        };
        total = total.wrapping_add(v);
        div = div.wrapping_add(d);
        if is_diff_base_sample(s) {
            diff_total = diff_total.wrapping_add(v);
            diff_div = diff_div.wrapping_add(d);
        }
    }
    if diff_total > 0 {
        total = diff_total;
        div = diff_div;
    }
    if div != 0 {
        total.wrapping_div(div)
    } else {
        total
    }
}

/// A Unix time in nanoseconds as Go 1.19's pprof prints it, in UTC:
/// `Nov 27, 2026 at 3:38am (UTC)`.
pub fn format_time_utc(nanos: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = UtcTime::from_unix_nanos(nanos);
    let (h12, half) = match t.hour {
        0 => (12, "am"),
        1..=11 => (t.hour, "am"),
        12 => (12, "pm"),
        _ => (t.hour - 12, "pm"),
    };
    let month_name = MONTHS[(t.month - 1) as usize];
    format!(
        "{month_name} {}, {} at {h12}:{:02}{half} (UTC)",
        t.day, t.year, t.minute
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroprof_profile::ValueType;

    #[test]
    fn time_prints_like_go_1_19() {
        assert_eq!(format_time_utc(0), "Jan 1, 1970 at 12:00am (UTC)");
        // 2026-11-27T03:38:10Z
        assert_eq!(
            format_time_utc(1_795_750_690_000_000_000),
            "Nov 27, 2026 at 3:38am (UTC)"
        );
        assert_eq!(
            format_time_utc(951_825_600_000_000_000),
            "Feb 29, 2000 at 12:00pm (UTC)"
        );
    }

    fn profile_with(values: &[(i64, i64)]) -> Profile {
        let mut p = Profile {
            sample_type: vec![
                ValueType::new("contentions", "count"),
                ValueType::new("delay", "ns"),
            ],
            ..Default::default()
        };
        for &(a, b) in values {
            p.sample.push(Sample {
                value: vec![a, b],
                ..Default::default()
            });
        }
        p
    }

    #[test]
    fn total_sums_magnitudes_and_divides_for_mean() {
        let p = profile_with(&[(2, 100), (3, -200)]);
        let mut o = ReportOptions::for_sample_index(&p, 1);
        assert_eq!(compute_total(&p, &o), 300);
        o.mean = true;
        assert_eq!(compute_total(&p, &o), 60);
    }

    #[test]
    fn total_counts_only_the_diff_base() {
        let mut p = profile_with(&[(1, 100), (1, 40)]);
        p.sample[1]
            .label
            .insert(DIFF_BASE_LABEL.into(), vec!["true".into()]);
        let o = ReportOptions::for_sample_index(&p, 1);
        assert_eq!(compute_total(&p, &o), 40);
    }

    #[test]
    fn minimum_unit_lets_the_smallest_value_show() {
        let mut p = profile_with(&[]);
        p.sample_type[1].unit = "nanoseconds".into();
        let o = ReportOptions {
            total: Some(3_030_000_000),
            ..ReportOptions::for_sample_index(&p, 1)
        };
        let mut r = Report::new(&p, &o);
        r.select_output_unit([(20_000_000, 20_000_000), (0, 2_980_000_000)].into_iter());
        assert_eq!(r.output_unit(), "s");
        assert_eq!(r.format_value(20_000_000), "0.02s");
    }
}
