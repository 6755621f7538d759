//! `-list=REGEX`: annotated source of the functions whose name matches, with flat and cum values
//! per line (pprof's `printSource`). Source files come through a [`SourceReader`].

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use crate::graph::{build_graph, Graph, GraphOptions, NodeId};
use crate::paths;
use crate::report::Report;
use crate::{Error, Result};

/// Lines shown before the first and after the last line with samples.
const MARGIN: i64 = 5;

/// Where source listings get file contents from: the driver passes one reading the file system.
pub trait SourceReader {
    /// The bytes of the file at `path` (absolute, or relative to the current directory).
    fn read(&self, path: &str) -> io::Result<Vec<u8>>;
    /// The directory searched when `-source_path` is empty (the current directory).
    fn current_dir(&self) -> String;
}

/// A reader that finds no files, for reports that need none.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSources;

impl SourceReader for NoSources {
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        Err(io::Error::new(io::ErrorKind::NotFound, path.to_string()))
    }

    fn current_dir(&self) -> String {
        String::new()
    }
}

/// Source files found on the search path, read once each.
pub(crate) struct SourceCache<'r> {
    reader: &'r dyn SourceReader,
    search_path: String,
    trim_path: String,
    files: HashMap<String, std::result::Result<Vec<String>, String>>,
}

impl<'r> SourceCache<'r> {
    /// A cache searching the report's `-source_path` (else the current directory).
    pub(crate) fn new(rpt: &Report<'_>, reader: &'r dyn SourceReader) -> Self {
        let o = rpt.options();
        let search_path = if o.source_path.is_empty() {
            reader.current_dir()
        } else {
            o.source_path.clone()
        };
        SourceCache {
            reader,
            search_path,
            trim_path: o.trim_path.clone(),
            files: HashMap::new(),
        }
    }

    /// The lines of `path`, or the error message pprof prints when it cannot be found.
    pub(crate) fn lines(&mut self, path: &str) -> &std::result::Result<Vec<String>, String> {
        if !self.files.contains_key(path) {
            let loaded = self.load(path);
            self.files.insert(path.to_string(), loaded);
        }
        &self.files[path]
    }

    fn load(&self, path: &str) -> std::result::Result<Vec<String>, String> {
        let bytes = self.open(path)?;
        let text = String::from_utf8_lossy(&bytes);
        Ok(text.lines().map(str::to_string).collect())
    }

    /// Opens a file named in the profile: trimmed, then as is when absolute, else under each
    /// search directory and each of its parents.
    fn open(&self, path: &str) -> std::result::Result<Vec<u8>, String> {
        let path = paths::trim_path(path, &self.trim_path, &self.search_path);
        if path.starts_with('/') {
            return self
                .reader
                .read(&path)
                .map_err(|e| format!("open {path}: {}", go_errno(&e)));
        }
        for dir in paths::split_list(&self.search_path) {
            let mut dir = dir.to_string();
            loop {
                if let Ok(bytes) = self.reader.read(&paths::join(&dir, &path)) {
                    return Ok(bytes);
                }
                let parent = paths::dir(&dir);
                if parent == dir {
                    break;
                }
                dir = parent;
            }
        }
        Err(format!(
            "could not find file {path} on path {}",
            self.search_path
        ))
    }
}

/// The text Go gives the common errors of opening a file.
fn go_errno(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Writes the source listing of functions matching the options' symbol regex.
pub fn write_list(rpt: &Report<'_>, sources: &dyn SourceReader, out: &mut dyn Write) -> Result<()> {
    let o = rpt.options();
    let rx = o.symbol.as_ref().ok_or(Error::MissingSymbol("list"))?;
    let g = build_graph(rpt.profile(), &GraphOptions::for_report(rpt));
    let mut functions: BTreeMap<&str, Vec<NodeId>> = BTreeMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        if rx.is_match(&n.info.name) {
            functions.entry(n.info.name.as_str()).or_default().push(i);
        }
    }
    if functions.is_empty() {
        return Err(Error::NoMatches(rx.as_str().to_string()));
    }
    let mut cache = SourceCache::new(rpt, sources);
    writeln!(out, "Total: {}", rpt.format_value(rpt.total()))?;
    for (name, nodes) in &functions {
        let mut by_file: BTreeMap<&str, Vec<NodeId>> = BTreeMap::new();
        for &n in nodes {
            let file = g.nodes[n].info.file.as_str();
            if !file.is_empty() {
                by_file.entry(file).or_default().push(n);
            }
        }
        if by_file.is_empty() {
            writeln!(out, "No source information for {name}")?;
            continue;
        }
        for (file, fns) in &by_file {
            write_function(rpt, &g, name, file, fns, &mut cache, out)?;
        }
    }
    Ok(())
}

fn write_function(
    rpt: &Report<'_>,
    g: &Graph,
    name: &str,
    file: &str,
    fns: &[NodeId],
    cache: &mut SourceCache<'_>,
    out: &mut dyn Write,
) -> Result<()> {
    let (flat_sum, cum_sum) = fns.iter().fold((0i64, 0i64), |(f, c), &n| {
        (
            f.wrapping_add(g.nodes[n].flat),
            c.wrapping_add(g.nodes[n].cum),
        )
    });
    writeln!(out, "ROUTINE ======================== {name} in {file}")?;
    writeln!(
        out,
        "{:>10} {:>10} (flat, cum) {} of Total",
        rpt.format_value(flat_sum),
        rpt.format_value(cum_sum),
        crate::measurement::percentage(cum_sum, rpt.total())
    )?;
    let (start, end) = line_range(g, fns);
    let mut per_line: HashMap<i64, (i64, i64)> = HashMap::new();
    for &n in fns {
        let node = &g.nodes[n];
        let e = per_line.entry(node.info.lineno).or_default();
        *e = (e.0.wrapping_add(node.flat), e.1.wrapping_add(node.cum));
    }
    let lines = match cache.lines(file) {
        Ok(lines) => lines,
        Err(msg) => {
            writeln!(out, " Error: {msg}")?;
            return Ok(());
        }
    };
    let dot_or = |v: i64| {
        if v == 0 {
            ".".to_string()
        } else {
            rpt.format_value(v)
        }
    };
    for lineno in start..=end {
        let Some(text) = usize::try_from(lineno - 1).ok().and_then(|i| lines.get(i)) else {
            break;
        };
        let (flat, cum) = per_line.get(&lineno).copied().unwrap_or_default();
        writeln!(
            out,
            "{:>10} {:>10} {lineno:>6}:{text}",
            dot_or(flat),
            dot_or(cum)
        )?;
    }
    Ok(())
}

/// The lines to show: from the function's start line (or the first sampled line less the
/// margin) to the last sampled line plus the margin, as pprof's `getSourceFromFile` computes it.
fn line_range(g: &Graph, fns: &[NodeId]) -> (i64, i64) {
    let first = &g.nodes[fns[0]].info;
    let mut start = if first.start_line != 0 {
        first.start_line
    } else {
        first.lineno.saturating_sub(MARGIN)
    };
    let mut end = first.lineno.saturating_add(MARGIN);
    for &n in fns {
        let info = &g.nodes[n].info;
        let node_start = if info.start_line != 0 {
            info.start_line
        } else {
            info.lineno.saturating_sub(MARGIN)
        };
        let node_end = info.lineno.saturating_add(MARGIN);
        if node_start < start {
            start = node_start;
        } else if node_end > end {
            end = node_end;
        }
    }
    (start.max(1), end)
}
