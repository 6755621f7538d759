//! `-callgrind`: the graph in callgrind's format for KCachegrind, with name compression and
//! relative addresses (pprof's `printCallgrind`).

use std::collections::HashMap;
use std::io::Write;

use crate::graph::{trimmed_graph_in_output_unit, Graph, NodeInfo};
use crate::measurement;
use crate::report::Report;
use crate::Result;

/// Writes the callgrind report. The driver runs it untrimmed at address granularity.
pub fn write_callgrind(rpt: &mut Report<'_>, out: &mut dyn Write) -> Result<()> {
    let t = trimmed_graph_in_output_unit(rpt);
    let g = &t.graph;
    let o = rpt.options();
    let unit = rpt.output_unit().to_string();
    let scaled = |v: i64| measurement::scale(v, &o.sample_unit, &unit).0 as i64;
    let node_names = disambiguated_names(g);
    writeln!(out, "positions: instr line")?;
    writeln!(out, "events: {}({unit})", o.type_label())?;
    let (mut objfiles, mut files, mut names) =
        (Names::default(), Names::default(), Names::default());
    let mut prev: Option<&NodeInfo> = None;
    for (i, n) in g.nodes.iter().enumerate() {
        let info = &n.info;
        let same_block = prev.is_some_and(|p| {
            p.objfile == info.objfile && p.file == info.file && p.name == info.name
        });
        if !same_block {
            writeln!(out)?;
            writeln!(out, "ob={}", objfiles.get(&info.objfile))?;
            writeln!(out, "fl={}", files.get(&info.file))?;
            writeln!(out, "fn={}", names.get(&info.name))?;
        }
        let addr = address(prev, info.address);
        writeln!(out, "{addr} {} {}", info.lineno, scaled(n.flat_value()))?;
        for e in g.sorted_out_edges(i) {
            let e = &g.edges[e];
            let callee = &g.node(e.dest).info;
            writeln!(out, "cfl={}", files.get(&callee.file))?;
            // pprof names only shown nodes; a phantom callee gets an empty name.
            let callee_name = node_names.get(e.dest).map_or("", String::as_str);
            writeln!(out, "cfn={}", names.get(callee_name))?;
            writeln!(
                out,
                "calls=0 {} {}",
                address(prev, callee.address),
                callee.lineno
            )?;
            writeln!(out, "* * {}", scaled(e.weight))?;
        }
        prev = Some(info);
    }
    Ok(())
}

/// Callgrind name compression: `(id) name` the first time a name is used, `(id)` afterwards.
#[derive(Default)]
struct Names(HashMap<String, usize>);

impl Names {
    fn get(&mut self, name: &str) -> String {
        if name.is_empty() {
            return String::new();
        }
        if let Some(id) = self.0.get(name) {
            return format!("({id})");
        }
        let id = self.0.len() + 1;
        self.0.insert(name.to_string(), id);
        format!("({id}) {name}")
    }
}

/// The functions sharing one file and name, numbered in node order.
type FunctionIndex = HashMap<(usize, NodeInfo), usize>;

/// Each node's function name, suffixed ` [i/n]` when `n` different functions share its file and
/// name (different object files or start lines, or in a call tree different callers).
fn disambiguated_names(g: &Graph) -> Vec<String> {
    let mut index: HashMap<(&str, &str), FunctionIndex> = HashMap::new();
    for n in &g.nodes {
        let functions = index
            .entry((n.info.file.as_str(), n.info.name.as_str()))
            .or_default();
        let next = functions.len();
        functions.entry(n.function_key()).or_insert(next);
    }
    g.nodes
        .iter()
        .map(|n| {
            let functions = &index[&(n.info.file.as_str(), n.info.name.as_str())];
            if functions.len() > 1 {
                let i = functions[&n.function_key()];
                format!("{} [{}/{}]", n.info.name, i + 1, functions.len())
            } else {
                n.info.name.clone()
            }
        })
        .collect()
}

/// An address relative to the previous node's (`+4096`, `-16`, `*` when equal) when that is
/// shorter than the absolute `0x…` form.
fn address(prev: Option<&NodeInfo>, curr: u64) -> String {
    let abs = format!("{curr:#x}");
    let Some(prev) = prev else { return abs };
    if prev.address == curr {
        return "*".to_string();
    }
    let relative = format!("{:+}", curr.wrapping_sub(prev.address) as i64);
    if relative.len() < abs.len() {
        relative
    } else {
        abs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_relative_when_shorter() {
        let prev = NodeInfo {
            address: 0x401000,
            ..Default::default()
        };
        assert_eq!(address(None, 0x401000), "0x401000");
        assert_eq!(address(Some(&prev), 0x401000), "*");
        assert_eq!(address(Some(&prev), 0x401010), "+16");
        assert_eq!(address(Some(&prev), 0x400ff0), "-16");
        assert_eq!(address(Some(&prev), 0), "0x0");
        let mut names = Names::default();
        assert_eq!(names.get("main"), "(1) main");
        assert_eq!(names.get("main"), "(1)");
        assert_eq!(names.get(""), "");
    }
}
