//! Local symbolization of a profile, as Go's `doLocalSymbolize` does it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ferroprof_profile::{Function, FunctionId, Line, Mapping, MappingId, Profile};

use crate::address::{Avma, Bias, FileOffset, MappingRange};
use crate::demangle::Demangle;
use crate::error::{Error, Result};
use crate::object::{Frame, ObjectSymbolizer};

/// Supplies the object file for a mapping. The driver implements it with `PPROF_BINARY_PATH`
/// search; [`CandidateBinaries`] is a simple list of paths.
pub trait BinaryLookup {
    /// The object for `mapping` (its `filename` and `build_id` identify it). An error is
    /// reported as Go reports a binary it cannot open: `Local symbolization failed for …`.
    fn open(&self, mapping: &Mapping) -> Result<Arc<ObjectSymbolizer>>;
}

/// Options of [`symbolize_profile`]: Go's `-symbolize=local[:force][:demangle=…]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SymbolizeOptions {
    /// How function names are demangled.
    pub demangle: Demangle,
    /// Symbolize mappings that already have functions, file names or line numbers too.
    pub force: bool,
    /// Whose answers to reproduce.
    pub style: FrameStyle,
}

/// Whose answers a symbolized location reproduces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FrameStyle {
    /// google/pprof's binutils symbolizer (`addr2line -i`): the whole inline chain, innermost
    /// first ([`ObjectSymbolizer::lookup`]).
    #[default]
    Binutils,
    /// `go tool pprof` (Go 1.19), which reads Go binaries through their pcln table: one line,
    /// the physical function with the innermost file and line
    /// ([`ObjectSymbolizer::lookup_go_tool`]).
    GoTool,
}

/// What [`symbolize_profile`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SymbolizeReport {
    /// Go's messages for standard error, in Go's order and words.
    pub messages: Vec<String>,
    /// How many locations were given lines.
    pub symbolized_locations: usize,
}

/// Go's text when a binary cannot be found.
const MISSING_BINARIES: &str = "Some binary filenames not available. Symbolization may be \
     incomplete.\nTry setting PPROF_BINARY_PATH to the search path for local binaries.";

/// A mapping's object and its bias, computed from the first address looked up (as Go does).
struct MappedObject {
    object: Arc<ObjectSymbolizer>,
    range: MappingRange,
    bias: OnceLock<Option<Bias>>,
}

impl MappedObject {
    fn frames(&self, addr: u64, options: &SymbolizeOptions) -> Vec<Frame> {
        let bias = self
            .bias
            .get_or_init(|| self.object.bias(&self.range, Avma(addr)).ok());
        let Some(bias) = bias else { return Vec::new() };
        let svma = bias.svma(Avma(addr));
        let mode = options.demangle;
        match options.style {
            FrameStyle::Binutils => self.object.lookup(svma, mode).unwrap_or_default(),
            FrameStyle::GoTool => self
                .object
                .lookup_go_tool(svma, mode)
                .ok()
                .flatten()
                .into_iter()
                .collect(),
        }
    }
}

/// Fills `Location.line` and the functions for the locations of mappings that lack them, as
/// Go's local symbolization does: mappings no location uses, already symbolized mappings
/// (unless forced), nameless, unsymbolizable (`[vdso]`, `linux-vdso…`, `/dev/dri/…`) and
/// URL-named mappings are skipped; each location's lines become its inline chain, innermost
/// first; new functions are appended with ids `len + 1`, one per distinct (name, system name,
/// file); a mapping's `has_*` flags are set from what its frames carried.
pub fn symbolize_profile(
    profile: &mut Profile,
    binaries: &dyn BinaryLookup,
    options: SymbolizeOptions,
) -> SymbolizeReport {
    let mut report = SymbolizeReport::default();
    let objects = open_mappings(profile, binaries, options.force, &mut report.messages);
    let positions: HashMap<MappingId, usize> = profile
        .mapping
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id, i))
        .collect();
    let mut functions: HashMap<(String, String, String), FunctionId> = HashMap::new();
    for li in 0..profile.location.len() {
        let Some(mapping_id) = profile.location[li].mapping_id else {
            continue;
        };
        let Some(mapped) = objects.get(&mapping_id) else {
            continue;
        };
        let frames = mapped.frames(profile.location[li].address, &options);
        if frames.is_empty() {
            continue;
        }
        let mapping = &mut profile.mapping[positions[&mapping_id]];
        mapping.has_inline_frames = true;
        let mut lines = Vec::with_capacity(frames.len());
        for frame in frames {
            mapping.has_functions |= !frame.system_name.is_empty();
            mapping.has_filenames |= !frame.file.is_empty();
            mapping.has_line_numbers |= frame.line != 0;
            let line = i64::from(frame.line);
            let key = (frame.function, frame.system_name, frame.file);
            let id = *functions.entry(key).or_insert_with_key(|key| {
                let id = FunctionId::new(profile.function.len() as u64 + 1).expect("len + 1 > 0");
                profile.function.push(Function {
                    id,
                    name: key.0.clone(),
                    system_name: key.1.clone(),
                    filename: key.2.clone(),
                    start_line: 0,
                });
                id
            });
            lines.push(Line {
                function_id: Some(id),
                line,
                column: 0,
            });
        }
        let location = &mut profile.location[li];
        location.line = lines;
        location.is_folded = false;
        report.symbolized_locations += 1;
    }
    report
}

/// Opens the object of each mapping to symbolize, in mapping order, with Go's messages.
fn open_mappings(
    profile: &Profile,
    binaries: &dyn BinaryLookup,
    force: bool,
    messages: &mut Vec<String>,
) -> HashMap<MappingId, MappedObject> {
    let used: std::collections::HashSet<MappingId> = profile
        .location
        .iter()
        .filter_map(|l| l.mapping_id)
        .collect();
    let mut objects = HashMap::new();
    let mut missing = false;
    for (index, m) in profile.mapping.iter().enumerate() {
        if !used.contains(&m.id) {
            continue;
        }
        if !force && (m.has_functions || m.has_filenames || m.has_line_numbers) {
            continue;
        }
        if m.filename.is_empty() {
            if index == 0 {
                messages.push("Main binary filename not available.".to_string());
            } else {
                missing = true;
            }
            continue;
        }
        if is_unsymbolizable(&m.filename) || (m.build_id.is_empty() && is_url(&m.filename)) {
            continue;
        }
        let mut name = base_name(&m.filename).to_string();
        if !m.build_id.is_empty() {
            name += &format!(" (build ID {})", m.build_id);
        }
        let object = match binaries.open(m) {
            Ok(object) => object,
            Err(e) => {
                messages.push(format!("Local symbolization failed for {name}: {e}"));
                missing = true;
                continue;
            }
        };
        if let Some(id) = object.build_id() {
            if !m.build_id.is_empty() && id != m.build_id {
                messages.push(format!(
                    "Local symbolization failed for {name}: build ID mismatch"
                ));
                continue;
            }
        }
        let range = MappingRange {
            start: Avma(m.memory_start),
            limit: Avma(m.memory_limit),
            offset: FileOffset(m.file_offset),
        };
        objects.insert(
            m.id,
            MappedObject {
                object,
                range,
                bias: OnceLock::new(),
            },
        );
    }
    if missing {
        messages.push(MISSING_BINARIES.to_string());
    }
    objects
}

/// The last element of a slash-separated path, as Go's `filepath.Base` (trailing slashes
/// ignored).
fn base_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Go's `Mapping.Unsymbolizable`: pseudo-files no binary exists for.
fn is_unsymbolizable(file: &str) -> bool {
    let base = base_name(file);
    base.starts_with('[') || base.starts_with("linux-vdso") || file.starts_with("/dev/dri/")
}

/// Whether `file` is an absolute URL with an HTTP(S) scheme (a remote source, not a binary).
fn is_url(file: &str) -> bool {
    let Some((scheme, _)) = file.split_once(':') else {
        return false;
    };
    let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid_scheme && scheme.to_ascii_lowercase().contains("http")
}

/// A [`BinaryLookup`] over a fixed list of candidate files. A mapping with a build id takes
/// the first candidate with that build id; otherwise (or when no candidate has a build id) the
/// first candidate whose file name equals the mapping's. Objects are opened once and shared.
#[derive(Debug, Default)]
pub struct CandidateBinaries {
    paths: Vec<PathBuf>,
    opened: Mutex<HashMap<PathBuf, Arc<ObjectSymbolizer>>>,
}

impl CandidateBinaries {
    /// Candidates, tried in order.
    pub fn new(paths: impl IntoIterator<Item = PathBuf>) -> Self {
        CandidateBinaries {
            paths: paths.into_iter().collect(),
            opened: Mutex::default(),
        }
    }

    fn object(&self, path: &Path) -> Result<Arc<ObjectSymbolizer>> {
        let mut opened = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(object) = opened.get(path) {
            return Ok(object.clone());
        }
        let object = Arc::new(ObjectSymbolizer::open(path)?);
        opened.insert(path.to_path_buf(), object.clone());
        Ok(object)
    }
}

impl BinaryLookup for CandidateBinaries {
    fn open(&self, mapping: &Mapping) -> Result<Arc<ObjectSymbolizer>> {
        let wanted = base_name(&mapping.filename);
        let mut by_name = None;
        for path in &self.paths {
            let Ok(object) = self.object(path) else {
                continue;
            };
            match object.build_id() {
                Some(id) if !mapping.build_id.is_empty() => {
                    if id == mapping.build_id {
                        return Ok(object);
                    }
                }
                _ => {
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    if by_name.is_none() && name == wanted {
                        by_name = Some(object);
                    }
                }
            }
        }
        by_name.ok_or_else(|| Error::NoBinary {
            file: mapping.filename.clone(),
            build_id: mapping.build_id.clone(),
        })
    }
}
