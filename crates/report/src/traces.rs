//! `-traces`: every sample's labels, value and stack, leaf first (pprof's `printTraces`).

use std::io::Write;

use ferroprof_profile::Sample;

use crate::graph::{GraphOptions, InfoMaker};
use crate::measurement;
use crate::report::Report;
use crate::Result;

const SEPARATOR: &str = "-----------+-------------------------------------------------------";

/// Writes the traces report: the profile labels, then one block per sample with frames.
pub fn write_traces(rpt: &Report<'_>, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}", rpt.profile_labels().join("\n"))?;
    // Node names as pprof's graph gives them with default options (no object names, no path
    // trimming), whatever the report's options.
    let graph_options = GraphOptions::default();
    let names = InfoMaker::new(rpt.profile(), &graph_options);
    for sample in &rpt.profile().sample {
        let stack = frames(&names, sample);
        if stack.is_empty() {
            continue;
        }
        writeln!(out, "{SEPARATOR}")?;
        write_labels(rpt, sample, out)?;
        let mut value = rpt.sample_value(sample);
        let divisor = rpt.sample_mean_divisor(sample);
        if divisor != 0 {
            value = value.wrapping_div(divisor);
        }
        for (i, (name, inline)) in stack.iter().enumerate() {
            let shown = if i == 0 {
                rpt.format_value(value)
            } else {
                String::new()
            };
            let suffix = if *inline { " (inline)" } else { "" };
            writeln!(out, "{shown:>10}   {name}{suffix}")?;
        }
    }
    writeln!(out, "{SEPARATOR}")?;
    Ok(())
}

/// The sample's frames, leaf first, each with whether it is inlined into the next (every line
/// of a location but its last).
fn frames(names: &InfoMaker<'_>, sample: &Sample) -> Vec<(String, bool)> {
    let mut stack = Vec::new();
    for loc in sample.location.iter().filter_map(|&id| names.location(id)) {
        let lines = crate::graph::location_lines(loc);
        let last = lines.len() - 1;
        for (i, line) in lines.into_iter().enumerate() {
            stack.push((names.info(loc, line).printable_name(), i != last));
        }
    }
    stack
}

/// String labels, then numeric labels (in their key's unit), each group sorted by line.
fn write_labels(rpt: &Report<'_>, sample: &Sample, out: &mut dyn Write) -> Result<()> {
    let mut text: Vec<String> = sample
        .label
        .iter()
        .map(|(key, values)| format!("{key:>10}:  {}\n", values.join(" ")))
        .collect();
    text.sort();
    let units = &rpt.options().num_label_units;
    let mut numeric: Vec<String> = sample
        .num_label
        .iter()
        .map(|(key, values)| {
            let unit = units.get(key).map_or("", String::as_str);
            let shown: Vec<String> = values
                .iter()
                .map(|&v| measurement::label(v, unit))
                .collect();
            format!("{key:>10}:  {}\n", shown.join(" "))
        })
        .collect();
    numeric.sort();
    out.write_all(text.concat().as_bytes())?;
    out.write_all(numeric.concat().as_bytes())?;
    Ok(())
}
