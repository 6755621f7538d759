//! The memory map sections that may follow a legacy profile's samples: `/proc/self/maps` lines or
//! brief `start-end file (@offset) buildid` lines, after a `--- Memory map: ---` or
//! `MAPPED_LIBRARIES:` marker; then the fixes Go applies to the mappings (`massageMappings`,
//! `remapMappingIDs`).

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::builder::{LegacyMapping, LegacyProfile};
use super::map_attributes::Attributes;
use super::text::{self, regex, Lines};
use super::Reject;

/// Markers of the memory map section.
const SENTINELS: [&[u8]; 2] = [b"--- Memory map: ---", b"MAPPED_LIBRARIES:"];

/// Where a main binary linked at the traditional x86-64 base is expected to start.
const TRADITIONAL_TEXT_START: u64 = 0x40_0000;

/// `/proc/pid/maps`: `start-end perms offset dev inode [file]`.
static PROC_MAPS: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?-u)^[\t\n\f\r ]*(?:0x)?([[:xdigit:]]+)[\t\n\f\r -]?[\t\n\f\r ]*(?:0x)?([[:xdigit:]]+):?(?:[\t\n\f\r ]+([-rwxp]+))?(?:[\t\n\f\r ]+([[:xdigit:]]+))?[\t\n\f\r ]+[[:xdigit:]]+:[[:xdigit:]]+[\t\n\f\r ]+[0-9]+(?:[\t\n\f\r ]+([^\t\n\f\r ]+))?",
    )
});

/// The brief form: `start-end [perms] [file] [(@offset)] [buildid]`.
static BRIEF_MAPS: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?-u)^[\t\n\f\r ]*(?:0x)?([[:xdigit:]]+)[\t\n\f\r -]?[\t\n\f\r ]*(?:0x)?([[:xdigit:]]+):?(?:[\t\n\f\r ]+([-rwxp]+))?(?:[\t\n\f\r ]+([^\t\n\f\r ]+))?(?:[\t\n\f\r ]+\(@([[:xdigit:]]+)\))?(?:[\t\n\f\r ]+([[:xdigit:]]+))?",
    )
});

/// A glog prefix (`… file:line] `), removed before a line is read.
static LOG_PREFIX: LazyLock<Regex> = LazyLock::new(|| regex(r"(?-u)^[^\[\]]+:[0-9]+][\t\n\f\r ]"));

/// A shared library's file name.
static SHARED_LIBRARY: LazyLock<Regex> = LazyLock::new(|| regex(r"(?-u)[.]so$|[.]so[._][0-9]+"));

/// Whether `line` marks the start of a memory map section.
pub(crate) fn is_sentinel(line: &[u8]) -> bool {
    SENTINELS.iter().any(|s| text::contains(line, s))
}

/// `parseAdditionalSections`: skips to the memory map marker (the current line included) and
/// reads the mappings after it.
pub(crate) fn parse_additional_sections(
    lines: &mut Lines<'_>,
    p: &mut LegacyProfile,
) -> Result<(), Reject> {
    while !is_sentinel(lines.text()) && lines.scan()? {}
    parse_memory_map(lines, p)
}

/// `ParseMemoryMapFromScanner`: reads every remaining line as a mapping, then fixes the mappings
/// and renumbers locations, functions and mappings.
pub(crate) fn parse_memory_map(lines: &mut Lines<'_>, p: &mut LegacyProfile) -> Result<(), Reject> {
    let mut attributes = Attributes::default();
    while lines.scan()? {
        let line = attributes.expand(strip_log_prefix(lines.text()))?;
        match parse_entry(&line) {
            Entry::Mapping(m) => p.mappings.push(m),
            Entry::NotExecutable => {}
            Entry::Unrecognized => attributes.learn(&line),
        }
    }
    massage_mappings(p);
    p.renumber_locations();
    p.renumber_functions();
    assign_mappings(p);
    Ok(())
}

fn strip_log_prefix(line: &[u8]) -> &[u8] {
    match LOG_PREFIX.find(line) {
        Some(m) => &line[m.end()..],
        None => line,
    }
}

/// What one line of a memory map section holds.
enum Entry {
    Mapping(LegacyMapping),
    /// A mapping without execute permission, ignored.
    NotExecutable,
    /// Not a mapping (perhaps an `attr=value` line).
    Unrecognized,
}

/// `parseMappingEntry`.
fn parse_entry(line: &[u8]) -> Entry {
    let empty: &[u8] = b"";
    let group = text::group;
    let (start, end, perm, file, offset, build_id) = if let Some(c) = PROC_MAPS.captures(line) {
        (
            group(&c, 1),
            group(&c, 2),
            group(&c, 3),
            group(&c, 5),
            group(&c, 4),
            empty,
        )
    } else if let Some(c) = BRIEF_MAPS.captures(line) {
        (
            group(&c, 1),
            group(&c, 2),
            group(&c, 3),
            group(&c, 4),
            group(&c, 5),
            group(&c, 6),
        )
    } else {
        return Entry::Unrecognized;
    };
    if !perm.is_empty() && !perm.contains(&b'x') {
        return Entry::NotExecutable;
    }
    let (Ok(start), Ok(limit)) = (text::parse_uint(start, 16), text::parse_uint(end, 16)) else {
        return Entry::Unrecognized;
    };
    let offset = if offset.is_empty() {
        Some(0)
    } else {
        text::parse_uint(offset, 16).ok()
    };
    let Some(offset) = offset else {
        return Entry::Unrecognized;
    };
    Entry::Mapping(LegacyMapping {
        start,
        limit,
        offset,
        file: text::string(file),
        build_id: text::string(build_id),
    })
}

/// `massageMappings`: merges a mapping split into adjacent pieces, then moves the first mapping
/// that looks like the main binary to the front.
fn massage_mappings(p: &mut LegacyProfile) {
    let mut merged: Vec<LegacyMapping> = Vec::with_capacity(p.mappings.len());
    for m in std::mem::take(&mut p.mappings) {
        match merged.last_mut() {
            Some(last) if adjacent(last, &m) => {
                last.limit = m.limit;
                if !m.file.is_empty() {
                    last.file = m.file;
                }
                if !m.build_id.is_empty() {
                    last.build_id = m.build_id;
                }
            }
            _ => merged.push(m),
        }
    }
    if let Some(main) = merged.iter().position(looks_like_main_binary) {
        merged.swap(0, main);
    }
    p.mappings = merged;
}

/// Whether `m2` continues `m1`: same file and build id where both are known, adjacent addresses,
/// and consecutive offsets where both are known.
fn adjacent(m1: &LegacyMapping, m2: &LegacyMapping) -> bool {
    let differ = |a: &str, b: &str| !a.is_empty() && !b.is_empty() && a != b;
    if differ(&m1.file, &m2.file) || differ(&m1.build_id, &m2.build_id) || m1.limit != m2.start {
        return false;
    }
    m1.offset == 0
        || m2.offset == 0
        || m1.offset.wrapping_add(m1.limit.wrapping_sub(m1.start)) == m2.offset
}

fn looks_like_main_binary(m: &LegacyMapping) -> bool {
    let file = m.file.replace("(deleted)", "");
    let file = file.trim();
    !file.is_empty() && !SHARED_LIBRARY.is_match(file.as_bytes()) && !file.starts_with('[')
}

/// `remapMappingIDs`: drops a leading `/anon_hugepage` piece, normalizes a main binary at the
/// traditional base, gives each location with an address the first mapping holding it (or a
/// fake mapping covering everything) and numbers the mappings.
pub(crate) fn assign_mappings(p: &mut LegacyProfile) {
    let maps = &mut p.mappings;
    if maps.len() > 1
        && maps[0].file.starts_with("/anon_hugepage")
        && maps[0].limit == maps[1].start
    {
        maps.remove(0);
    }
    if let Some(main) = maps.first_mut() {
        if main.start.wrapping_sub(main.offset) == TRADITIONAL_TEXT_START {
            main.start = TRADITIONAL_TEXT_START;
            main.offset = 0;
        }
    }
    let mut finder = MappingFinder::new(maps);
    for loc in &mut p.locations {
        if loc.mapping.is_none() && loc.address != 0 {
            loc.mapping = Some(finder.find(maps, loc.address));
        }
    }
}

/// Picks the mapping of each address as Go's scans over the mapping list do, in logarithmic
/// rather than linear time per address: the first mapping holding it; else the first whose
/// missing first piece (the `offset` bytes before `start`) holds it, which then grows to cover
/// that piece; else a fake mapping covering everything, added once at the end.
struct MappingFinder {
    ranges: Coverage,
    missing_pieces: Coverage,
    fake: Option<usize>,
}

impl MappingFinder {
    fn new(maps: &[LegacyMapping]) -> Self {
        let mut points = vec![0, u64::MAX];
        for m in maps {
            points.extend([m.start, m.limit, m.start.wrapping_sub(m.offset)]);
        }
        let mut ranges = Coverage::new(points.clone());
        let mut missing_pieces = Coverage::new(points);
        for (pos, m) in maps.iter().enumerate() {
            ranges.add(m.start, m.limit, pos);
            if m.offset != 0 {
                missing_pieces.add(m.start.wrapping_sub(m.offset), m.start, pos);
            }
        }
        MappingFinder {
            ranges,
            missing_pieces,
            fake: None,
        }
    }

    fn find(&mut self, maps: &mut Vec<LegacyMapping>, a: u64) -> usize {
        if let Some(pos) = self.ranges.lowest(a) {
            return pos;
        }
        let in_piece =
            |m: &LegacyMapping| m.offset != 0 && m.start.wrapping_sub(m.offset) <= a && a < m.start;
        // Legacy handlers may leave out the first piece of a split mapping. A piece already
        // merged into its mapping (offset now 0) can only hold `a` past an inverted mapping's
        // limit; then the plain scan decides.
        let piece = match self.missing_pieces.lowest(a) {
            Some(pos) if maps[pos].offset != 0 => Some(pos),
            Some(_) => maps.iter().position(in_piece),
            None => None,
        };
        if let Some(pos) = piece {
            let m = &mut maps[pos];
            m.start = m.start.wrapping_sub(m.offset);
            m.offset = 0;
            self.ranges.add(m.start, m.limit, pos);
            return pos;
        }
        *self.fake.get_or_insert_with(|| {
            maps.push(LegacyMapping {
                limit: u64::MAX,
                ..LegacyMapping::default()
            });
            self.ranges.add(0, u64::MAX, maps.len() - 1);
            maps.len() - 1
        })
    }
}

/// Half-open address ranges tagged with positions, answering "the lowest position whose range
/// holds this address": a segment tree over the elementary intervals between known endpoints.
struct Coverage {
    /// Sorted, distinct endpoints; interval `k` is `points[k]..points[k + 1]`.
    points: Vec<u64>,
    /// Bottom-up segment tree: the lowest position covering each node's intervals entirely.
    lowest: Vec<usize>,
}

impl Coverage {
    /// Ranges may be added later only with endpoints among `points`.
    fn new(mut points: Vec<u64>) -> Self {
        points.sort_unstable();
        points.dedup();
        let lowest = vec![usize::MAX; 2 * points.len()];
        Coverage { points, lowest }
    }

    fn add(&mut self, start: u64, limit: u64, pos: usize) {
        let n = self.points.len();
        let (Ok(mut l), Ok(mut r)) = (
            self.points.binary_search(&start),
            self.points.binary_search(&limit),
        ) else {
            return;
        };
        (l, r) = (l + n, r + n);
        while l < r {
            if l & 1 == 1 {
                self.lowest[l] = self.lowest[l].min(pos);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                self.lowest[r] = self.lowest[r].min(pos);
            }
            (l, r) = (l / 2, r / 2);
        }
    }

    fn lowest(&self, a: u64) -> Option<usize> {
        let k = self.points.partition_point(|&p| p <= a).checked_sub(1)?;
        let mut node = k + self.points.len();
        let mut best = usize::MAX;
        while node >= 1 {
            best = best.min(self.lowest[node]);
            node /= 2;
        }
        (best != usize::MAX).then_some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(line: &str) -> Option<LegacyMapping> {
        match parse_entry(line.as_bytes()) {
            Entry::Mapping(m) => Some(m),
            _ => None,
        }
    }

    #[test]
    fn reads_proc_maps_lines() {
        let m = mapping("00400000-00d3b000 r-xp 00001000 fc:00 2099202    /bin/srv").unwrap();
        assert_eq!((m.start, m.limit, m.offset), (0x400000, 0xd3b000, 0x1000));
        assert_eq!(m.file, "/bin/srv");
        assert!(matches!(
            parse_entry(b"00400000-00d3b000 rw-p 00000000 fc:00 2099202 /bin/srv"),
            Entry::NotExecutable
        ));
    }

    #[test]
    fn reads_brief_lines() {
        let m = mapping("0x1000-0x2000 /lib/x.so (@3000) abc123").unwrap();
        assert_eq!((m.start, m.limit, m.offset), (0x1000, 0x2000, 0x3000));
        assert_eq!(
            (m.file.as_str(), m.build_id.as_str()),
            ("/lib/x.so", "abc123")
        );
        assert!(matches!(parse_entry(b"hello"), Entry::Unrecognized));
    }

    #[test]
    fn merges_split_mappings_and_moves_main_first() {
        let mut p = LegacyProfile::default();
        let m = |start, limit, offset, file: &str| LegacyMapping {
            start,
            limit,
            offset,
            file: file.to_string(),
            build_id: String::new(),
        };
        p.mappings = vec![
            m(0x1000, 0x2000, 0, "/lib/libc.so.6"),
            m(0x5000, 0x6000, 0x1000, "/bin/main"),
            m(0x6000, 0x7000, 0x2000, "/bin/main"),
        ];
        massage_mappings(&mut p);
        assert_eq!(p.mappings.len(), 2);
        assert_eq!((p.mappings[0].start, p.mappings[0].limit), (0x5000, 0x7000));
        assert_eq!(p.mappings[1].file, "/lib/libc.so.6");
    }
}
