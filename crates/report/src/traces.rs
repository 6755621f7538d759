//! `-traces`: every sample's labels, value and stack, leaf first (pprof's `printTraces`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use ferroprof_profile::{LocationId, Profile, Sample};

use crate::graph::{GraphOptions, InfoMaker};
use crate::measurement;
use crate::report::Report;
use crate::Result;

const SEPARATOR: &str = "-----------+-------------------------------------------------------";

/// Writes the traces report: the profile labels, then one block per sample with frames.
///
/// The frames of each location are formatted once, and each sample's labels in reused buffers,
/// so that writing a trace allocates nothing per frame (the 100 MB benchmark profile prints
/// about 1.5 GB of traces).
pub fn write_traces(rpt: &Report<'_>, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}", rpt.profile_labels().join("\n"))?;
    let default_options = GraphOptions::default();
    let frames = FrameText::new(rpt.profile(), &default_options);
    let mut labels = SortedLines::default();
    let mut values = ValueText::default();
    for sample in &rpt.profile().sample {
        let mut blocks = sample.location.iter().filter_map(|&id| frames.block(id));
        let Some(first) = blocks.next() else {
            continue;
        };
        writeln!(out, "{SEPARATOR}")?;
        write_labels(rpt, sample, &mut labels, out)?;
        let mut value = rpt.sample_value(sample);
        let divisor = rpt.sample_mean_divisor(sample);
        if divisor != 0 {
            value = value.wrapping_div(divisor);
        }
        // The first frame shows the value in the value column.
        out.write_all(values.get(rpt, value).as_bytes())?;
        out.write_all(&first.as_bytes()[VALUE_WIDTH..])?;
        for block in blocks {
            out.write_all(block.as_bytes())?;
        }
    }
    writeln!(out, "{SEPARATOR}")?;
    Ok(())
}

/// Width of the value column.
const VALUE_WIDTH: usize = 10;

/// The trace lines of every location, leaf line first, each line marked ` (inline)` when
/// inlined into the next (every line of a location but its last), with an empty value column.
/// Node names are as pprof's graph gives them with default options (no object names, no path
/// trimming), whatever the report's options.
struct FrameText<'p> {
    names: InfoMaker<'p>,
    /// The lines of the location at each position, one after the other.
    text: String,
    /// Where each location's lines start in `text`, and one more entry for the end.
    start: Vec<usize>,
}

impl<'p> FrameText<'p> {
    fn new(profile: &'p Profile, options: &'p GraphOptions) -> Self {
        let names = InfoMaker::new(profile, options);
        let mut text = String::new();
        let mut start = Vec::with_capacity(profile.location.len() + 1);
        for loc in &profile.location {
            start.push(text.len());
            let lines = crate::graph::location_lines(loc);
            let last = lines.len() - 1;
            for (i, line) in lines.into_iter().enumerate() {
                let suffix = if i != last { " (inline)" } else { "" };
                let name = names.info(loc, line).printable_name();
                let _ = writeln!(text, "{:VALUE_WIDTH$}   {name}{suffix}", "");
            }
        }
        start.push(text.len());
        FrameText { names, text, start }
    }

    /// The lines of the location with this id (`None` for an unknown id).
    fn block(&self, id: LocationId) -> Option<&str> {
        let pos = self.names.location_pos(id)?;
        Some(&self.text[self.start[pos]..self.start[pos + 1]])
    }
}

/// Sample values as the value column shows them, formatted once per distinct value (formatting
/// goes through floating point, ~4% of `-traces` on the 100 MB profile when done per sample).
#[derive(Default)]
struct ValueText {
    shown: HashMap<i64, String>,
}

impl ValueText {
    /// Distinct values remembered at most; past this, values are formatted each time.
    const LIMIT: usize = 4096;

    fn get(&mut self, rpt: &Report<'_>, value: i64) -> Cow<'_, str> {
        let format = || format!("{:>VALUE_WIDTH$}", rpt.format_value(value));
        if self.shown.len() >= Self::LIMIT && !self.shown.contains_key(&value) {
            return Cow::Owned(format());
        }
        Cow::Borrowed(self.shown.entry(value).or_insert_with(format))
    }
}

/// Strings separated by single spaces.
struct Spaced<'a>(&'a [String]);

impl std::fmt::Display for Spaced<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s)?;
        }
        Ok(())
    }
}

/// Lines gathered in one buffer and written in sorted order.
#[derive(Default)]
struct SortedLines {
    text: String,
    ranges: Vec<(usize, usize)>,
}

impl SortedLines {
    fn push(&mut self, line: std::fmt::Arguments<'_>) {
        let start = self.text.len();
        let _ = self.text.write_fmt(line);
        self.ranges.push((start, self.text.len()));
    }

    /// Writes the lines sorted, and forgets them.
    fn write_sorted(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        let text = &self.text;
        self.ranges
            .sort_by(|a, b| text[a.0..a.1].cmp(&text[b.0..b.1]));
        for &(start, end) in &self.ranges {
            out.write_all(&text.as_bytes()[start..end])?;
        }
        self.text.clear();
        self.ranges.clear();
        Ok(())
    }
}

/// String labels, then numeric labels (in their key's unit), each group sorted by line.
fn write_labels(
    rpt: &Report<'_>,
    sample: &Sample,
    lines: &mut SortedLines,
    out: &mut dyn Write,
) -> Result<()> {
    for (key, values) in &sample.label {
        lines.push(format_args!("{key:>10}:  {}\n", Spaced(values)));
    }
    lines.write_sorted(out)?;
    let units = &rpt.options().num_label_units;
    for (key, values) in &sample.num_label {
        let unit = units.get(key).map_or("", String::as_str);
        let shown: Vec<String> = values
            .iter()
            .map(|&v| measurement::label(v, unit))
            .collect();
        lines.push(format_args!("{key:>10}:  {}\n", shown.join(" ")));
    }
    lines.write_sorted(out)?;
    Ok(())
}
