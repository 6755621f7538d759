//! Symbolization of the current process's own addresses (for an agent at export time), from
//! `/proc/<pid>/maps`-style text.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::address::{Avma, FileOffset, FrameAddress, MappingRange};
use crate::demangle::Demangle;
use crate::error::{Error, Result};
use crate::object::{Frame, ObjectSymbolizer};
use crate::profile::BinaryLookup;

/// One line of `/proc/<pid>/maps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapsEntry {
    /// The mapped addresses and the file offset mapped at the start.
    pub range: MappingRange,
    /// The mapping is executable (`x` in its permissions).
    pub executable: bool,
    /// The mapped file, a pseudo name such as `[vdso]` or `[heap]`, or empty (anonymous).
    pub path: String,
}

impl MapsEntry {
    /// Parses one line: `start-limit perms offset dev inode [path]`.
    fn parse(line: &str) -> Option<MapsEntry> {
        let mut rest = line;
        let mut field = || {
            rest = rest.trim_start();
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let (f, r) = rest.split_at(end);
            rest = r;
            f
        };
        let (start, limit) = field().split_once('-')?;
        let perms = field();
        let offset = field();
        let (_dev, _inode) = (field(), field());
        let hex = |s: &str| u64::from_str_radix(s, 16).ok();
        Some(MapsEntry {
            range: MappingRange {
                start: Avma(hex(start)?),
                limit: Avma(hex(limit)?),
                offset: FileOffset(hex(offset)?),
            },
            executable: perms.as_bytes().get(2) == Some(&b'x'),
            path: rest.trim().to_string(),
        })
    }
}

/// The entries of `/proc/<pid>/maps` text, by start address.
fn parse_maps(text: &str) -> Result<Vec<MapsEntry>> {
    let mut entries = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let entry = MapsEntry::parse(line).ok_or_else(|| Error::MapsLine {
            line_number: i + 1,
            line: line.to_string(),
        })?;
        entries.push(entry);
    }
    entries.sort_by_key(|e| e.range.start);
    Ok(entries)
}

/// Symbolizes addresses of one process: finds each address's mapping, opens the mapped object
/// once (by its path, so the process's own executable and loaded libraries) and looks the
/// address up at the mapping's bias.
#[derive(Debug)]
pub struct ProcessSymbolizer {
    entries: Vec<MapsEntry>,
    objects: Mutex<HashMap<String, Option<Arc<ObjectSymbolizer>>>>,
}

impl ProcessSymbolizer {
    /// From the text of `/proc/<pid>/maps` (blank lines ignored).
    pub fn from_maps(text: &str) -> Result<Self> {
        Ok(ProcessSymbolizer {
            entries: parse_maps(text)?,
            objects: Mutex::default(),
        })
    }

    /// Replaces the mappings with a newer reading of `/proc/<pid>/maps` (after libraries were
    /// loaded or unloaded), keeping the objects already opened, so that each export of an
    /// agent pays for parsing a binary once. On error the old mappings stay.
    pub fn reload_maps(&mut self, text: &str) -> Result<()> {
        self.entries = parse_maps(text)?;
        Ok(())
    }

    /// The mappings, by start address.
    pub fn entries(&self) -> &[MapsEntry] {
        &self.entries
    }

    /// The mapping holding `avma`.
    pub fn entry_for(&self, avma: Avma) -> Option<&MapsEntry> {
        let after = self.entries.partition_point(|e| e.range.start <= avma);
        let entry = self.entries.get(after.checked_sub(1)?)?;
        (avma < entry.range.limit).then_some(entry)
    }

    /// The object mapped from `path`, opened on first use and kept; `None` for pseudo and
    /// anonymous mappings and for files that cannot be read as ELF.
    pub fn object(&self, path: &str) -> Option<Arc<ObjectSymbolizer>> {
        if !path.starts_with('/') {
            return None;
        }
        let mut objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        objects
            .entry(path.to_string())
            .or_insert_with(|| ObjectSymbolizer::open(Path::new(path)).ok().map(Arc::new))
            .clone()
    }

    /// The inline chain of a frame, innermost first; empty when the address is in no mapping,
    /// in an anonymous or pseudo mapping, or in a file without symbols.
    pub fn symbolize(&self, addr: FrameAddress, mode: Demangle) -> Result<Vec<Frame>> {
        let avma = addr.lookup_avma();
        let Some(entry) = self.entry_for(avma) else {
            return Ok(Vec::new());
        };
        let Some(object) = self.object(&entry.path) else {
            return Ok(Vec::new());
        };
        let bias = object.bias(&entry.range, avma)?;
        object.lookup(bias.svma(avma), mode)
    }
}

/// A profile of this process names its mappings' files by path, so [`symbolize_profile`] can
/// open them through the same cache as [`ProcessSymbolizer::symbolize`].
///
/// [`symbolize_profile`]: crate::symbolize_profile
impl BinaryLookup for ProcessSymbolizer {
    fn open(&self, mapping: &ferroprof_profile::Mapping) -> Result<Arc<ObjectSymbolizer>> {
        self.object(&mapping.filename)
            .ok_or_else(|| Error::NoBinary {
                file: mapping.filename.clone(),
                build_id: mapping.build_id.clone(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPS: &str = "\
55d4a3c00000-55d4a3c2e000 r--p 00000000 08:01 1234                       /usr/bin/my prog
55d4a3c2e000-55d4a3d00000 r-xp 0002e000 08:01 1234                       /usr/bin/my prog
7ffd1b3f0000-7ffd1b3f2000 r-xp 00000000 00:00 0                          [vdso]
7ffd1b400000-7ffd1b401000 rw-p 00000000 00:00 0
";

    #[test]
    fn parses_maps_lines_with_spaces_and_pseudo_paths() {
        let p = ProcessSymbolizer::from_maps(MAPS).unwrap();
        assert_eq!(p.entries().len(), 4);
        let text = p.entry_for(Avma(0x55d4a3c2f000)).unwrap();
        assert_eq!(text.path, "/usr/bin/my prog");
        assert!(text.executable);
        assert_eq!(text.range.offset, FileOffset(0x2e000));
        assert_eq!(p.entries()[2].path, "[vdso]");
        assert_eq!(p.entries()[3].path, "");
        assert!(p.entry_for(Avma(0x1000)).is_none());
        assert!(p.entry_for(Avma(0x55d4a3d00000)).is_none());
    }

    #[test]
    fn pseudo_mappings_give_no_frames() {
        let p = ProcessSymbolizer::from_maps(MAPS).unwrap();
        let pc = FrameAddress::InstructionPointer(Avma(0x7ffd1b3f0010));
        assert!(p.symbolize(pc, Demangle::Default).unwrap().is_empty());
    }

    #[test]
    fn reloading_replaces_mappings_and_keeps_bad_input_out() {
        let mut p = ProcessSymbolizer::from_maps(MAPS).unwrap();
        let newer = "7f0000000000-7f0000001000 r-xp 00000000 08:01 99 /usr/lib/libnew.so\n";
        p.reload_maps(newer).unwrap();
        assert_eq!(p.entries().len(), 1);
        assert_eq!(
            p.entry_for(Avma(0x7f0000000010)).unwrap().path,
            "/usr/lib/libnew.so"
        );
        assert!(p.reload_maps("garbage\n").is_err());
        assert_eq!(p.entries().len(), 1);
    }

    #[test]
    fn bad_lines_are_named() {
        let err = ProcessSymbolizer::from_maps("\nzz-10 r-xp 0 0 0 /x\n").unwrap_err();
        assert!(
            matches!(err, Error::MapsLine { line_number: 2, .. }),
            "{err}"
        );
    }
}
