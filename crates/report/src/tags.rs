//! `-tags`: for each label key, the total weight and the weight of each value, right-aligned in
//! columns (pprof's `printTags`, Go 1.19 layout).

use std::collections::BTreeMap;
use std::io::Write;

use crate::measurement;
use crate::report::Report;
use crate::Result;

/// Writes the tags report.
pub fn write_tags(rpt: &Report<'_>, out: &mut dyn Write) -> Result<()> {
    let o = rpt.options();
    // key → value as printed → summed sample value. Numeric values that print alike add up.
    let mut tags: BTreeMap<&str, BTreeMap<String, i64>> = BTreeMap::new();
    for s in &rpt.profile().sample {
        let weight = rpt.sample_value(s);
        for (key, values) in &s.label {
            let entry = tags.entry(key).or_default();
            for v in values {
                add(entry, v.clone(), weight);
            }
        }
        for (key, values) in &s.num_label {
            let unit = o.num_label_units.get(key).map_or("", String::as_str);
            let entry = tags.entry(key).or_default();
            for &v in values {
                add(
                    entry,
                    measurement::scaled_label(v, unit, &o.output_unit),
                    weight,
                );
            }
        }
    }
    let scaled = |v: i64| {
        let (f, unit) = measurement::scale(v, &o.sample_unit, &o.output_unit);
        format!("{f:.1}{unit}")
    };
    let mut text = String::new();
    for (key, values) in &tags {
        let total = values.values().fold(0i64, |a, &v| a.wrapping_add(v));
        text += &format!("{key}:\t Total {}\n", scaled(total));
        let mut sorted: Vec<(&String, i64)> = values.iter().map(|(k, &v)| (k, v)).collect();
        // By weight (magnitude) descending, then name; names are unique within a key.
        sorted.sort_by(|a, b| {
            b.1.unsigned_abs()
                .cmp(&a.1.unsigned_abs())
                .then(a.0.cmp(b.0))
        });
        for (name, weight) in sorted {
            if total > 0 {
                let pct = measurement::percentage(weight, total);
                text += &format!(" \t{} ({pct}):\t {name}\n", scaled(weight));
            } else {
                text += &format!(" \t{}:\t {name}\n", scaled(weight));
            }
        }
        text.push('\n');
    }
    out.write_all(align_right(&text).as_bytes())?;
    Ok(())
}

fn add(values: &mut BTreeMap<String, i64>, value: String, weight: i64) {
    let sum = values.entry(value).or_insert(0);
    *sum = sum.wrapping_add(weight);
}

/// Lays out tab-terminated cells as Go's `text/tabwriter` does with `AlignRight`, padding 1 and
/// no minimum width: each column block (consecutive lines that have a cell in that column) is as
/// wide as its widest cell plus one, cells are right-aligned in it, and the text after a line's
/// last tab is not part of any column.
fn align_right(text: &str) -> String {
    // Only '\n' ends a line ('\r' is text to tabwriter); the text ends with one.
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines: Vec<Vec<&str>> = if body.is_empty() && text.is_empty() {
        Vec::new()
    } else {
        body.split('\n').map(|l| l.split('\t').collect()).collect()
    };
    let mut layout = Layout {
        lines: &lines,
        widths: Vec::new(),
        out: String::new(),
    };
    layout.format(0, lines.len());
    layout.out
}

struct Layout<'a> {
    lines: &'a [Vec<&'a str>],
    widths: Vec<usize>,
    out: String,
}

impl Layout<'_> {
    /// Whether line `i` has a tab-terminated cell in column `column`.
    fn has_cell(&self, i: usize, column: usize) -> bool {
        column + 1 < self.lines[i].len()
    }

    fn format(&mut self, mut line0: usize, line1: usize) {
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            if !self.has_cell(this, column) {
                this += 1;
                continue;
            }
            self.write_lines(line0, this);
            line0 = this;
            let mut width = 0;
            while this < line1 && self.has_cell(this, column) {
                width = width.max(self.lines[this][column].chars().count() + 1);
                this += 1;
            }
            self.widths.push(width);
            self.format(line0, this);
            self.widths.pop();
            line0 = this;
        }
        self.write_lines(line0, line1);
    }

    fn write_lines(&mut self, line0: usize, line1: usize) {
        for line in &self.lines[line0..line1] {
            for (j, cell) in line.iter().enumerate() {
                if let Some(&width) = self.widths.get(j) {
                    let pad = width.saturating_sub(cell.chars().count());
                    self.out.extend(std::iter::repeat_n(' ', pad));
                }
                self.out += cell;
            }
            self.out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::align_right;

    #[test]
    fn columns_are_right_aligned_per_block() {
        let text =
            "stage:\t Total 4.9s\n \t1.8s (36.44%):\t encode\n \t10.0s (1.00%):\t x\n\nk:\t T\n";
        let want = " stage: Total 4.9s\n        1.8s (36.44%): encode\n        10.0s (1.00%): x\n\n k: T\n";
        assert_eq!(align_right(text), want);
    }
}
