//! Go's legacy text formats (`debug=1` count profiles, `debug=2` thread dumps) and the stack
//! records they share (`printStackRecord`), aligned like Go's `text/tabwriter` with minwidth 1,
//! tabwidth 8, padding 1 and tab padding.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use std::collections::HashMap;

use ferroprof_symbolize::{Frame, ProcessSymbolizer};

use crate::export::symbols;

/// Symbolization memoized per address for one text answer (a dump of 1000 similar threads
/// repeats most addresses).
pub(crate) struct Symbols<'a> {
    process: &'a ProcessSymbolizer,
    memo: HashMap<u64, (Vec<Frame>, u64)>,
}

impl<'a> Symbols<'a> {
    pub(crate) fn new(process: &'a ProcessSymbolizer) -> Symbols<'a> {
        Symbols {
            process,
            memo: HashMap::new(),
        }
    }

    /// The inline chain at `addr` (innermost first) and its offset from its symbol's entry.
    fn frames(&mut self, addr: u64) -> &(Vec<Frame>, u64) {
        let process = self.process;
        self.memo.entry(addr).or_insert_with(|| {
            (
                symbols::frames(process, addr),
                symbols::entry_offset_in(process, addr),
            )
        })
    }
}

/// Aligns tab-terminated cells in runs of consecutive lines, padding with tabs to multiples of
/// 8 (Go's `tabwriter.NewWriter(w, 1, 8, 1, '\t', 0)`).
pub(crate) fn tabwrite(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut widths: Vec<Vec<usize>> = lines
        .iter()
        .map(|c| vec![0; c.len().saturating_sub(1)])
        .collect();
    let max_cols = lines.iter().map(|c| c.len()).max().unwrap_or(0);
    for col in 0..max_cols {
        let mut i = 0;
        while i < lines.len() {
            if lines[i].len() <= col + 1 {
                i += 1;
                continue;
            }
            let start = i;
            while i < lines.len() && lines[i].len() > col + 1 {
                i += 1;
            }
            let w = lines[start..i]
                .iter()
                .map(|c| c[col].chars().count())
                .max()
                .unwrap_or(0)
                + 1;
            let w = w.div_ceil(8) * 8;
            for row in &mut widths[start..i] {
                row[col] = w;
            }
        }
    }
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (n, (cells, ws)) in lines.iter().zip(&widths).enumerate() {
        if n > 0 {
            out.push('\n');
        }
        for (cell, &w) in cells.iter().zip(ws) {
            out.push_str(cell);
            let tabs = (w - cell.chars().count()).div_ceil(8);
            out.extend(std::iter::repeat_n('\t', tabs));
        }
        out.push_str(cells.last().copied().unwrap_or_default());
    }
    out
}

/// Go's `printStackRecord` lines for a stack of lookup addresses, before alignment: one
/// `#\t0xADDR\tfunc+0xOFF\tfile:line` per (inline) frame, `#\t0xADDR` when unknown.
pub(crate) fn write_stack(symbols: &mut Symbols<'_>, addrs: &[u64], out: &mut String) {
    for &addr in addrs {
        let (frames, off) = symbols.frames(addr);
        if frames.is_empty() || frames.iter().all(|f| f.function.is_empty()) {
            let _ = writeln!(out, "#\t{addr:#x}");
            continue;
        }
        for f in frames {
            let _ = writeln!(
                out,
                "#\t{addr:#x}\t{}+{off:#x}\t{}:{}",
                f.function, f.file, f.line
            );
        }
    }
}

/// The `@ 0x… 0x…` list: the leaf as captured, callers as return addresses (lookup + 1), as
/// Go prints them.
fn at_list(addrs: &[u64]) -> String {
    let mut s = String::from("@");
    for (i, a) in addrs.iter().enumerate() {
        let _ = write!(s, " {:#x}", if i == 0 { *a } else { a + 1 });
    }
    s
}

/// Go's `labelMap.String()`: `{"k":"v", "k2":"v2"}`, keys sorted.
fn labels_text(labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// Go's `printCountProfile` (`debug=1` for goroutine and threadcreate): records grouped by
/// stack and labels, sorted by count descending then by key.
pub(crate) fn count_profile(name: &str, records: &[(Vec<u64>, usize, i64)]) -> String {
    let process = symbols::process();
    let mut symbols = Symbols::new(&process);
    let mut keyed: Vec<(String, &Vec<u64>, i64)> = Vec::new();
    for (addrs, labels, count) in records {
        let mut key = at_list(addrs);
        let set = crate::labels::resolve(*labels);
        if !set.is_empty() {
            let _ = write!(key, "\n# labels: {}", labels_text(&set));
        }
        match keyed.iter_mut().find(|(k, _, _)| *k == key) {
            Some(entry) => entry.2 += count,
            None => keyed.push((key, addrs, *count)),
        }
    }
    keyed.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let total: i64 = keyed.iter().map(|k| k.2).sum();
    let mut out = format!("{name} profile: total {total}\n");
    for (key, addrs, count) in keyed {
        let _ = writeln!(out, "{count} {key}");
        if addrs.is_empty() {
            out.push_str("#\t0x0\n");
        }
        write_stack(&mut symbols, addrs, &mut out);
        out.push('\n');
    }
    tabwrite(&out)
}

/// Go's `debug=2` dump, one "goroutine" per thread:
/// `goroutine TID [STATE, thread "NAME"]:`, then `func(...)` and `\tfile:line +0xOFF` per frame
/// (callers' offsets from their return addresses, as Go's traceback prints them).
pub(crate) fn thread_dump(dump: &crate::threads::ThreadDump) -> String {
    let process = symbols::process();
    let mut symbols = Symbols::new(&process);
    let mut out = String::new();
    for t in &dump.threads {
        let note = if t.responded {
            ""
        } else {
            ", no answer to the dump signal"
        };
        let _ = writeln!(
            out,
            "goroutine {} [{}, thread {:?}{note}]:",
            t.tid, t.state, t.name
        );
        for (i, &addr) in t.frames.iter().enumerate() {
            let (frames, off) = symbols.frames(addr);
            // Go's traceback prints callers' offsets from their return addresses.
            let off = off + u64::from(i > 0);
            if frames.is_empty() {
                let _ = writeln!(out, "?(...)\n\t?:0 {addr:#x}");
                continue;
            }
            for f in frames {
                let name = if f.function.is_empty() {
                    "?"
                } else {
                    &f.function
                };
                let _ = writeln!(out, "{name}(...)\n\t{}:{} +{off:#x}", f.file, f.line);
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabwriter_matches_go_alignment() {
        let input = "3 @ 0x1\n#\t0x467424\tsync.runtime_SemacquireMutex+0x24\t/a.go:77\n#\t0x471804\tsync.(*Mutex).lockSlow+0x164\t/b.go:171\n\n";
        let want = "3 @ 0x1\n#\t0x467424\tsync.runtime_SemacquireMutex+0x24\t/a.go:77\n#\t0x471804\tsync.(*Mutex).lockSlow+0x164\t\t/b.go:171\n\n";
        assert_eq!(tabwrite(input), want);
    }

    #[test]
    fn labels_like_go() {
        let l = BTreeMap::from([
            ("worker".to_string(), "burner".to_string()),
            ("id".to_string(), "7".to_string()),
        ]);
        assert_eq!(labels_text(&l), r#"{"id":"7", "worker":"burner"}"#);
        assert_eq!(at_list(&[0x10, 0x20]), "@ 0x10 0x21");
    }
}
