//! `-disasm=REGEX`: assembly of the binary's functions whose name matches (or that contain the
//! address the regexp spells), each instruction annotated with its flat and cum values (pprof's
//! `PrintAssembly`). The binaries come through an [`ObjectTool`].

use std::collections::HashSet;
use std::io::Write;

use ferroprof_profile::Mapping;
use regex::Regex;

use crate::graph::{build_graph, GraphOptions, Node};
use crate::measurement;
use crate::report::Report;
use crate::{Error, Result};

/// A function of a binary, as its symbol table lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjSymbol {
    /// The names (the first is shown; others are printed as `AKA`).
    pub names: Vec<String>,
    /// The binary's path.
    pub file: String,
    /// The first address (object address).
    pub start: u64,
    /// The last address, inclusive (start + size - 1, as pprof's tools report it).
    pub end: u64,
}

/// One disassembled instruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AsmInstruction {
    /// Object address.
    pub address: u64,
    /// The instruction text.
    pub text: String,
    /// The function the disassembler names here, or empty.
    pub function: String,
    /// The source file, or empty.
    pub file: String,
    /// The source line, or 0.
    pub line: i64,
}

/// What `-disasm` needs from the binaries: the driver implements it over local object files.
pub trait ObjectTool {
    /// The functions of `mapping`'s binary whose name `symbol` matches, or that contain
    /// `address` when given. An error means the binary cannot be used (it is skipped).
    fn symbols(
        &self,
        mapping: &Mapping,
        symbol: &Regex,
        address: Option<u64>,
    ) -> std::result::Result<Vec<ObjSymbol>, String>;
    /// The object address of `address`, a profile address in `mapping`.
    fn obj_addr(&self, mapping: &Mapping, address: u64) -> Option<u64>;
    /// The instructions of `symbol`.
    fn disassemble(&self, symbol: &ObjSymbol) -> std::result::Result<Vec<AsmInstruction>, String>;
}

/// A tool that knows no binaries (`-disasm` then matches nothing).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObjects;

impl ObjectTool for NoObjects {
    fn symbols(
        &self,
        _: &Mapping,
        _: &Regex,
        _: Option<u64>,
    ) -> std::result::Result<Vec<ObjSymbol>, String> {
        Err("no object files".into())
    }

    fn obj_addr(&self, _: &Mapping, _: u64) -> Option<u64> {
        None
    }

    fn disassemble(&self, _: &ObjSymbol) -> std::result::Result<Vec<AsmInstruction>, String> {
        Err("no object files".into())
    }
}

/// A symbol with the mapping it was found in and the graph nodes that fall inside it.
pub(crate) struct Found<'g> {
    /// The routine.
    pub(crate) symbol: ObjSymbol,
    mapping: &'g Mapping,
    /// The graph's nodes whose address falls inside it.
    pub(crate) nodes: Vec<&'g Node>,
}

/// Writes the assembly listing of the functions matching the report's symbol regexp.
pub fn write_disasm(rpt: &Report<'_>, tool: &dyn ObjectTool, out: &mut dyn Write) -> Result<()> {
    let rx = rpt
        .options()
        .symbol
        .clone()
        .ok_or(Error::MissingSymbol("disasm"))?;
    let g = build_graph(rpt.profile(), &GraphOptions::for_report(rpt));
    writeln!(out, "Total: {}", rpt.format_value(rpt.total()))?;
    for f in &routines(rpt, &g.nodes, &rx, tool)? {
        let insts = tool.disassemble(&f.symbol).map_err(Error::Disassembly)?;
        write_routine(rpt, f, &annotate(insts, f, tool), out)?;
    }
    Ok(())
}

/// The binaries' routines matching `rx` that hold samples, ordered by name and address.
pub(crate) fn routines<'g>(
    rpt: &'g Report<'_>,
    nodes: &'g [Node],
    rx: &Regex,
    tool: &dyn ObjectTool,
) -> Result<Vec<Found<'g>>> {
    let address = parse_address(rx.as_str());
    let mut found = matching_symbols(rpt, nodes, rx, address, tool);
    found.retain(|f| !f.nodes.is_empty());
    found.sort_by(|a, b| {
        (a.symbol.names[0].as_str(), a.symbol.start)
            .cmp(&(b.symbol.names[0].as_str(), b.symbol.start))
    });
    if found.is_empty() {
        return Err(Error::NoMatches(rx.as_str().to_string()));
    }
    Ok(found)
}

/// A regexp that reads as a number (`0x4011a0`, `4198816`) also names an address, as in pprof.
fn parse_address(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None if text.starts_with('0') && text.len() > 1 => u64::from_str_radix(&text[1..], 8).ok(),
        None => text.parse().ok(),
    }
}

/// The binaries' symbols matching `rx`, from mappings whose file has matching nodes (or that
/// hold `address`), each with the nodes whose address falls inside it.
fn matching_symbols<'g>(
    rpt: &'g Report<'_>,
    nodes: &'g [Node],
    rx: &Regex,
    address: Option<u64>,
    tool: &dyn ObjectTool,
) -> Vec<Found<'g>> {
    let files: HashSet<&str> = nodes
        .iter()
        .filter(|n| !n.info.objfile.is_empty() && rx.is_match(&n.info.printable_name()))
        .map(|n| n.info.objfile.as_str())
        .collect();
    let mut found = Vec::new();
    for m in &rpt.profile().mapping {
        let holds_address = address.is_some_and(|a| m.memory_start <= a && a <= m.memory_limit);
        if !files.contains(m.filename.as_str()) && !holds_address {
            continue;
        }
        let Ok(symbols) = tool.symbols(m, rx, address) else {
            continue;
        };
        for symbol in symbols {
            let inside = nodes
                .iter()
                .filter(|n| {
                    tool.obj_addr(m, n.info.address)
                        .is_some_and(|a| a >= symbol.start && a < symbol.end)
                })
                .collect();
            found.push(Found {
                symbol,
                mapping: m,
                nodes: inside,
            });
        }
    }
    found
}

/// An instruction with the samples that fall on it.
pub(crate) struct Annotated {
    pub(crate) inst: AsmInstruction,
    pub(crate) flat: i64,
    pub(crate) flat_div: i64,
    pub(crate) cum: i64,
    pub(crate) cum_div: i64,
}

/// Sums each instruction's samples (those from its address up to the next instruction's) and
/// fills in location details the disassembler left out from the samples.
pub(crate) fn annotate(
    insts: Vec<AsmInstruction>,
    f: &Found<'_>,
    tool: &dyn ObjectTool,
) -> Vec<Annotated> {
    let mut nodes: Vec<(u64, &Node)> = f
        .nodes
        .iter()
        .filter_map(|n| Some((tool.obj_addr(f.mapping, n.info.address)?, *n)))
        .collect();
    nodes.sort_by_key(|(a, _)| *a);
    let nexts: Vec<u64> = insts
        .iter()
        .skip(1)
        .map(|i| i.address)
        .chain([u64::MAX])
        .collect();
    let mut s = 0;
    let mut out = Vec::with_capacity(insts.len());
    for (inst, next) in insts.into_iter().zip(nexts) {
        let mut a = Annotated {
            inst: AsmInstruction {
                file: base_name(&inst.file).to_string(),
                ..inst
            },
            flat: 0,
            flat_div: 0,
            cum: 0,
            cum_div: 0,
        };
        while let Some((_, n)) = nodes.get(s).filter(|(addr, _)| *addr < next) {
            a.flat += n.flat;
            a.flat_div += n.flat_div;
            a.cum += n.cum;
            a.cum_div += n.cum_div;
            if a.inst.file.is_empty() && !n.info.file.is_empty() {
                a.inst.file = base_name(&n.info.file).to_string();
            }
            if a.inst.line == 0 && n.info.start_line != 0 {
                a.inst.line = n.info.start_line;
            }
            if a.inst.function.is_empty() && !n.info.name.is_empty() {
                a.inst.function = n.info.name.clone();
            }
            s += 1;
        }
        out.push(a);
    }
    out
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// One `ROUTINE` block: header, totals, and each instruction with its values, the location
/// printed only where it changes.
fn write_routine(
    rpt: &Report<'_>,
    f: &Found<'_>,
    insts: &[Annotated],
    out: &mut dyn Write,
) -> Result<()> {
    let value = |v: i64, div: i64| if div != 0 { v / div } else { v };
    let flat: i64 = f.nodes.iter().map(|n| n.flat_value()).sum();
    let cum: i64 = f.nodes.iter().map(|n| n.cum_value()).sum();
    writeln!(
        out,
        "ROUTINE ======================== {}",
        f.symbol.names[0]
    )?;
    for alias in &f.symbol.names[1..] {
        writeln!(out, "    AKA ======================== {alias}")?;
    }
    writeln!(
        out,
        "{:>10} {:>10} (flat, cum) {} of Total",
        rpt.format_value(flat),
        rpt.format_value(cum),
        measurement::percentage(cum, rpt.total())
    )?;
    let dot = |v: i64| {
        if v == 0 {
            ".".to_string()
        } else {
            rpt.format_value(v)
        }
    };
    let mut last: Option<(&str, &str, i64)> = None;
    for a in insts {
        let i = &a.inst;
        let here = (i.function.as_str(), i.file.as_str(), i.line);
        let mut location = String::new();
        if last != Some(here) {
            last = Some(here);
            if !i.function.is_empty() {
                location = format!("{} ", i.function);
            }
            if !i.file.is_empty() {
                location += &i.file;
                if i.line != 0 {
                    location += &format!(":{}", i.line);
                }
            }
        }
        let (fv, cv) = (dot(value(a.flat, a.flat_div)), dot(value(a.cum, a.cum_div)));
        if location.is_empty() {
            writeln!(out, "{fv:>10} {cv:>10} {:>10x}: {}", i.address, i.text)?;
        } else if i.text.len() < 40 {
            writeln!(
                out,
                "{fv:>10} {cv:>10} {:>10x}: {:<40};{location}",
                i.address, i.text
            )?;
        } else {
            writeln!(out, "{:74};{location}", "")?;
            writeln!(out, "{fv:>10} {cv:>10} {:>10x}: {}", i.address, i.text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexps_that_read_as_numbers_name_addresses() {
        assert_eq!(parse_address("0x4011a0"), Some(0x4011a0));
        assert_eq!(parse_address("42"), Some(42));
        assert_eq!(parse_address("010"), Some(8));
        assert_eq!(parse_address("main.busyLoop"), None);
    }
}
