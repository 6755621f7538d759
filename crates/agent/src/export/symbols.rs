//! In-process symbolization through ferroprof-symbolize, with one cache per binary kept for the
//! life of the process (DWARF is parsed lazily and only once per object; A11).

use std::sync::{Arc, Mutex, OnceLock};

use ferroprof_symbolize::{Avma, Demangle, Frame, FrameAddress, MapsEntry, ProcessSymbolizer};

struct Cached {
    maps: String,
    process: Arc<ProcessSymbolizer>,
}

fn cache() -> &'static Mutex<Option<Cached>> {
    static CACHE: OnceLock<Mutex<Option<Cached>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(None))
}

/// The executable lines of `/proc/self/maps`, which decide whether the cache is current.
fn executable_maps() -> String {
    let text = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    text.lines()
        .filter(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|p| p.as_bytes().get(2) == Some(&b'x'))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A symbolizer for this process: the cached one while the executable mappings are unchanged;
/// after a library was loaded or unloaded, the same one with its mappings reloaded (keeping
/// every object's parsed DWARF), or a new one while an export still holds the old.
pub(crate) fn process() -> Arc<ProcessSymbolizer> {
    let maps = executable_maps();
    let mut guard = cache().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = guard.as_mut() {
        if c.maps == maps {
            return c.process.clone();
        }
        if let Some(p) = Arc::get_mut(&mut c.process) {
            if p.reload_maps(&maps).is_ok() {
                c.maps = maps;
                return c.process.clone();
            }
        }
    }
    let process = Arc::new(
        ProcessSymbolizer::from_maps(&maps)
            .unwrap_or_else(|_| ProcessSymbolizer::from_maps("").expect("empty maps parse")),
    );
    *guard = Some(Cached {
        maps,
        process: process.clone(),
    });
    process
}

/// The inline chain at a lookup address, innermost first; empty when unknown.
pub(crate) fn frames(process: &ProcessSymbolizer, addr: u64) -> Vec<Frame> {
    process
        .symbolize(
            FrameAddress::InstructionPointer(Avma(addr)),
            Demangle::Default,
        )
        .unwrap_or_default()
}

/// The executable mappings of this process, in address order.
pub(crate) fn executable_entries(process: &ProcessSymbolizer) -> Vec<MapsEntry> {
    process
        .entries()
        .iter()
        .filter(|e| e.executable)
        .cloned()
        .collect()
}

/// The build id of the object mapped from `path`, or empty.
pub(crate) fn build_id(process: &ProcessSymbolizer, path: &str) -> String {
    process
        .object(path)
        .and_then(|o| o.build_id().map(str::to_string))
        .unwrap_or_default()
}

/// The offset of `addr` from the start of the function symbol holding it (Go's
/// `func+0xoff`), from the object's symbol table; 0 when no symbol covers it.
pub(crate) fn entry_offset_in(process: &ProcessSymbolizer, addr: u64) -> u64 {
    let avma = Avma(addr);
    let start = process.entry_for(avma).and_then(|entry| {
        let object = process.object(&entry.path)?;
        let svma = object.bias(&entry.range, avma).ok()?.svma(avma);
        Some((svma, object.function_start(svma)?))
    });
    start.map_or(0, |(svma, start)| svma.0.saturating_sub(start.0))
}

/// [`entry_offset_in`] through this process's cached symbolizer.
pub(crate) fn entry_offset(addr: u64) -> u64 {
    entry_offset_in(&process(), addr)
}
