//! `-weblist=REGEX`: a self-contained HTML page with the source lines of each matching routine,
//! each line's flat and cum values, and (expandable, with `<details>`) the instructions the
//! line compiled to, with their addresses and values. The routines and per-instruction values
//! are `-disasm`'s; the source text comes from `-list`'s source search.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use crate::disasm::{annotate, routines, Annotated, Found, ObjectTool};
use crate::graph::{build_graph, GraphOptions};
use crate::list::{SourceCache, SourceReader};
use crate::markup::escape;
use crate::report::Report;
use crate::{measurement, Error, Result};

const STYLE: &str = "body { font-family: sans-serif; } h2 { font-size: 1.1em; margin-bottom: 0; } \
.legend { font-size: 1.1em; } pre, summary { font-family: monospace; white-space: pre; } \
summary { cursor: pointer; } \
.asm { color: rgb(0,0,160); margin: 0 0 0 2em; }";

/// Writes the weblist page of the routines matching the report's symbol regexp.
pub fn write_weblist(
    rpt: &Report<'_>,
    sources: &dyn SourceReader,
    tool: &dyn ObjectTool,
    out: &mut dyn Write,
) -> Result<()> {
    let rx = rpt
        .options()
        .symbol
        .clone()
        .ok_or(Error::MissingSymbol("weblist"))?;
    let g = build_graph(rpt.profile(), &GraphOptions::for_report(rpt));
    let found = routines(rpt, &g.nodes, &rx, tool)?;
    let mut cache = SourceCache::new(rpt, sources);
    write!(
        out,
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<div class=\"legend\">Total: {}</div>\n",
        escape(rx.as_str()),
        escape(&rpt.format_value(rpt.total()))
    )?;
    for f in &found {
        let insts = tool.disassemble(&f.symbol).map_err(Error::Disassembly)?;
        write_routine(rpt, f, &annotate(insts, f, tool), &mut cache, out)?;
    }
    out.write_all(b"</body>\n</html>\n")?;
    Ok(())
}

/// One routine: its header, then one expandable entry per source line, in file and line order.
fn write_routine(
    rpt: &Report<'_>,
    f: &Found<'_>,
    insts: &[Annotated],
    cache: &mut SourceCache<'_>,
    out: &mut dyn Write,
) -> Result<()> {
    let flat: i64 = f.nodes.iter().map(|n| n.flat_value()).sum();
    let cum: i64 = f.nodes.iter().map(|n| n.cum_value()).sum();
    writeln!(
        out,
        "<h2>{}</h2>\n<p class=\"legend\">{} {} (flat, cum) {} of Total</p>",
        escape(&f.symbol.names[0]),
        escape(&rpt.format_value(flat)),
        escape(&rpt.format_value(cum)),
        measurement::percentage(cum, rpt.total()).trim()
    )?;
    // The disassembly names files by their base name; the samples know their full paths.
    let full: HashMap<&str, &str> = f
        .nodes
        .iter()
        .map(|n| {
            (
                n.info.file.rsplit('/').next().unwrap_or(""),
                n.info.file.as_str(),
            )
        })
        .collect();
    let mut lines: BTreeMap<(&str, i64), Vec<&Annotated>> = BTreeMap::new();
    for a in insts {
        lines
            .entry((&a.inst.file, a.inst.line))
            .or_default()
            .push(a);
    }
    for ((file, line), group) in lines {
        let path = full.get(file).copied().unwrap_or(file);
        let text = match cache.lines(path) {
            Ok(text) => usize::try_from(line - 1)
                .ok()
                .and_then(|i| text.get(i))
                .cloned()
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        write_line(rpt, (file, line, &text), &group, out)?;
    }
    Ok(())
}

/// A source line's summary and, inside its `<details>`, its instructions.
fn write_line(
    rpt: &Report<'_>,
    (file, line, text): (&str, i64, &str),
    group: &[&Annotated],
    out: &mut dyn Write,
) -> Result<()> {
    let value = |v: i64, div: i64| if div != 0 { v / div } else { v };
    let dot = |v: i64| {
        if v == 0 {
            ".".to_string()
        } else {
            escape(&rpt.format_value(v))
        }
    };
    let (flat, cum) = group.iter().fold((0, 0), |(f, c), a| {
        (f + value(a.flat, a.flat_div), c + value(a.cum, a.cum_div))
    });
    writeln!(
        out,
        "<details><summary>{:>10} {:>10} {}:{line:<6} {}</summary><div class=\"asm\">",
        dot(flat),
        dot(cum),
        escape(file),
        escape(text)
    )?;
    for a in group {
        writeln!(
            out,
            "<pre>{:>10} {:>10} {:>10x}: {}</pre>",
            dot(value(a.flat, a.flat_div)),
            dot(value(a.cum, a.cum_div)),
            a.inst.address,
            escape(&a.inst.text)
        )?;
    }
    out.write_all(b"</div></details>\n")?;
    Ok(())
}
