//! Process address → file address: the load bias of a mapping, computed as Go's
//! `elfexec.GetBase` does (with binutils' choice of program header for the mapping).

use crate::address::{Avma, Bias, MappingRange};

/// Page size assumed by the loader; Go's elfexec uses 4 KiB on every architecture it knows.
const PAGE_SIZE: u64 = 4096;

/// `p_type` of a loadable segment.
pub(crate) const PT_LOAD: u32 = 1;
/// `p_flags` bit of an executable segment.
pub(crate) const PF_X: u32 = 1;

/// PowerPC64's kernel `PAGE_OFFSET`, one of the offsets Go accepts for a kernel mapping.
const PAGE_OFFSET_PPC64: u64 = 0xc000_0000_0000_0000;

/// The ELF `e_type` values the base computation distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ElfKind {
    /// `ET_REL`: a relocatable object (a kernel module).
    Relocatable,
    /// `ET_EXEC`: a fixed-address executable.
    Executable,
    /// `ET_DYN`: a shared library or position-independent executable.
    Shared,
    /// Any other type, which has no base.
    Other(u16),
}

impl ElfKind {
    pub(crate) fn from_e_type(e_type: u16) -> Self {
        match e_type {
            1 => ElfKind::Relocatable,
            2 => ElfKind::Executable,
            3 => ElfKind::Shared,
            other => ElfKind::Other(other),
        }
    }
}

/// One program header, with the fields the base computation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) p_type: u32,
    pub(crate) flags: u32,
    pub(crate) offset: u64,
    pub(crate) vaddr: u64,
    pub(crate) filesz: u64,
    pub(crate) memsz: u64,
}

impl Segment {
    fn is_load(&self) -> bool {
        self.p_type == PT_LOAD
    }
}

/// What the base computation needs to know about an ELF object.
#[derive(Clone, Debug)]
pub(crate) struct ElfLayout {
    pub(crate) kind: ElfKind,
    pub(crate) segments: Vec<Segment>,
    /// The executable loadable segment holding `.text`, if any.
    pub(crate) text_segment: Option<Segment>,
}

/// Whether Go would read the kernel relocation symbol (`_stext`) for this mapping: the file is
/// named like a kernel image, or the mapping is not page aligned.
pub(crate) fn wants_kernel_symbol(name: &str, range: &MappingRange) -> bool {
    let aligned = |a: u64| a % PAGE_SIZE == 0;
    name.contains("vmlinux")
        || !aligned(range.start.0)
        || !aligned(range.limit.0)
        || !aligned(range.offset.0)
}

/// The bias of `range` in an object of `layout`, using the program header that holds `addr` (the
/// first address looked up in the mapping). `stext` is the kernel relocation symbol's value
/// when it was read. Errors are reasons, for the caller to wrap with the object's name.
pub(crate) fn mapping_bias(
    layout: &ElfLayout,
    range: &MappingRange,
    stext: Option<u64>,
    addr: Avma,
) -> Result<Bias, String> {
    let (start, limit) = (range.start.0, range.limit.0);
    // The fake mapping a driver makes for a profile without mappings ({0, 0, 0}) holds every
    // address, as for `go tool pprof`; pprof's binutils path would refuse it as out of range.
    let whole_space = start == 0 && range.offset.0 == 0 && (limit == 0 || limit == u64::MAX);
    if !whole_space && (addr.0 < start || addr.0 >= limit) {
        return Err(format!(
            "specified address {:x} is outside the mapping range [{start:x}, {limit:x}]",
            addr.0
        ));
    }
    let segment = segment_for(layout, range, stext, addr)?;
    elf_base(layout.kind, segment.as_ref(), stext, range).map(Bias)
}

/// The program header of the mapping holding `addr`: the `.text` segment for kernels and
/// mappings without a sensible size, else the loadable segment the mapping's offset covers.
fn segment_for(
    layout: &ElfLayout,
    range: &MappingRange,
    stext: Option<u64>,
    addr: Avma,
) -> Result<Option<Segment>, String> {
    let (start, limit, offset) = (range.start.0, range.limit.0, range.offset.0);
    if stext.is_some() || start >= limit || limit >= 1 << 63 {
        return Ok(layout.text_segment);
    }
    let loads: Vec<Segment> = layout
        .segments
        .iter()
        .copied()
        .filter(Segment::is_load)
        .collect();
    if loads.is_empty() {
        return Ok(None);
    }
    let candidates = segments_for_mapping(&loads, offset, limit - start);
    match candidates.as_slice() {
        [] => Err("no program header matches mapping info".to_string()),
        [only] => Ok(Some(*only)),
        _ => segment_for_file_offset(&candidates, (addr.0 - start).wrapping_add(offset)).map(Some),
    }
}

/// The loadable segments overlapping a mapping of `map_size` bytes at file offset `map_offset`,
/// leaving out segments with no file bytes (their offsets are arbitrary) and segments the
/// mapping only touches on a page it shares with another segment.
fn segments_for_mapping(loads: &[Segment], map_offset: u64, map_size: u64) -> Vec<Segment> {
    let map_limit = map_offset.wrapping_add(map_size);
    let mut out = Vec::new();
    for seg in loads.iter().filter(|s| s.filesz != 0) {
        let seg_limit = seg.offset.wrapping_add(seg.memsz);
        if !(map_offset < seg_limit && seg.offset < map_limit) {
            continue;
        }
        let page_in_vaddr = seg.vaddr & (PAGE_SIZE - 1);
        let aligned_offset = seg.offset.saturating_sub(page_in_vaddr);
        if map_offset < aligned_offset {
            continue;
        }
        if map_offset > seg.offset
            && seg_limit < map_offset.wrapping_add(PAGE_SIZE)
            && map_limit >= seg_limit.wrapping_add(PAGE_SIZE)
        {
            continue;
        }
        out.push(*seg);
    }
    out
}

/// The one segment among `candidates` whose file range holds `file_offset`.
fn segment_for_file_offset(candidates: &[Segment], file_offset: u64) -> Result<Segment, String> {
    let mut found: Option<Segment> = None;
    for seg in candidates {
        if file_offset >= seg.offset && file_offset < seg.offset.wrapping_add(seg.memsz) {
            if found.is_some() {
                return Err(format!(
                    "found a second program header that matches file offset {file_offset:x}; \
                     is this a stripped binary, or does the first program segment contain \
                     uninitialized data?"
                ));
            }
            found = Some(*seg);
        }
    }
    found.ok_or_else(|| format!("no program header matches file offset {file_offset:x}"))
}

/// Go's `GetBase`: the value subtracted from process addresses to get file addresses.
fn elf_base(
    kind: ElfKind,
    segment: Option<&Segment>,
    stext: Option<u64>,
    range: &MappingRange,
) -> Result<u64, String> {
    let (start, limit, offset) = (range.start.0, range.limit.0, range.offset.0);
    if start == 0 && offset == 0 && (limit == u64::MAX || limit == 0) {
        // A fake mapping spanning the whole address space: addresses are already file addresses.
        return Ok(0);
    }
    let user_base = |seg: &Segment| {
        start
            .wrapping_sub(offset)
            .wrapping_add(seg.offset)
            .wrapping_sub(seg.vaddr)
    };
    match kind {
        ElfKind::Executable => {
            let Some(seg) = segment else { return Ok(0) };
            if stext.is_none() && start > 0 && start < 1 << 63 {
                return Ok(user_base(seg));
            }
            if let Some(base) = kernel_base(seg, stext, range) {
                return Ok(base);
            }
            if start == 0 && limit != 0 && stext.is_none() {
                return Ok(start.wrapping_sub(seg.vaddr));
            }
            Err(format!(
                "don't know how to handle EXEC segment: start=0x{start:x} limit=0x{limit:x} \
                 offset=0x{offset:x}"
            ))
        }
        ElfKind::Relocatable if offset != 0 => {
            Err("don't know how to handle mapping.Offset".into())
        }
        ElfKind::Relocatable => Ok(start),
        ElfKind::Shared => match segment {
            None => Ok(start.wrapping_sub(offset)),
            Some(seg) => Ok(kernel_base(seg, stext, range).unwrap_or_else(|| user_base(seg))),
        },
        ElfKind::Other(t) => Err(format!("don't know how to handle FileHeader.Type {t}")),
    }
}

/// Go's kernel heuristics (vmlinux mapped at its link address, remapped to 0 by ChromeOS, or
/// randomised), or `None` when the mapping does not look like a kernel's.
fn kernel_base(seg: &Segment, stext: Option<u64>, range: &MappingRange) -> Option<u64> {
    let (start, limit, offset) = (range.start.0, range.limit.0, range.offset.0);
    if seg.vaddr == start.wrapping_sub(offset) {
        return Some(offset);
    }
    if let (0, true, Some(s)) = (start, limit != 0, stext) {
        return Some(start.wrapping_sub(s));
    }
    if start >= seg.vaddr
        && limit > start
        && (offset == 0 || offset == PAGE_OFFSET_PPC64 || offset == start)
    {
        if let Some(s) = stext.filter(|s| start % PAGE_SIZE == s % PAGE_SIZE) {
            return Some(start.wrapping_sub(s));
        }
        return Some(start.wrapping_sub(seg.vaddr));
    }
    match stext {
        Some(s) if start % PAGE_SIZE != 0 && s % PAGE_SIZE == start % PAGE_SIZE => {
            Some(start.wrapping_sub(s))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::FileOffset;

    fn seg(offset: u64, vaddr: u64, size: u64, flags: u32) -> Segment {
        Segment {
            p_type: PT_LOAD,
            flags,
            offset,
            vaddr,
            filesz: size,
            memsz: size,
        }
    }

    fn range(start: u64, limit: u64, offset: u64) -> MappingRange {
        MappingRange {
            start: Avma(start),
            limit: Avma(limit),
            offset: FileOffset(offset),
        }
    }

    /// A PIE as the Rust toolchain links it: read-only, text, data segments.
    fn pie() -> ElfLayout {
        let text = seg(0x5000, 0x6000, 0x20000, 5);
        ElfLayout {
            kind: ElfKind::Shared,
            segments: vec![seg(0, 0, 0x4f00, 4), text, seg(0x25000, 0x27000, 0x3000, 6)],
            text_segment: Some(text),
        }
    }

    #[test]
    fn pie_text_mapping_uses_the_text_segment() {
        // /proc/self/maps: 55550000_6000-55550002_6000 r-xp 00005000 (text, page aligned down).
        let r = range(0x5555_0000_6000, 0x5555_0002_6000, 0x5000);
        let bias = mapping_bias(&pie(), &r, None, Avma(0x5555_0000_7000)).unwrap();
        assert_eq!(bias.svma(Avma(0x5555_0000_7000)).0, 0x7000);
    }

    #[test]
    fn fixed_executable_at_its_link_address_has_no_bias() {
        let text = seg(0, 0x400000, 0xb46ac, 5);
        let layout = ElfLayout {
            kind: ElfKind::Executable,
            segments: vec![text],
            text_segment: Some(text),
        };
        let r = range(0x400000, 0x4b5000, 0);
        assert_eq!(
            mapping_bias(&layout, &r, None, Avma(0x40c2b0)).unwrap(),
            Bias(0)
        );
    }

    #[test]
    fn fake_whole_space_mapping_has_no_bias() {
        let r = range(0, 0, 0);
        assert_eq!(
            mapping_bias(&pie(), &r, None, Avma(0x1234)).unwrap(),
            Bias(0)
        );
    }

    #[test]
    fn addresses_outside_the_mapping_are_refused() {
        let r = range(0x1000, 0x2000, 0);
        let err = mapping_bias(&pie(), &r, None, Avma(0x3000)).unwrap_err();
        assert!(err.contains("outside the mapping range"), "{err}");
    }

    #[test]
    fn relocatable_objects_with_an_offset_are_refused() {
        let layout = ElfLayout {
            kind: ElfKind::Relocatable,
            segments: vec![],
            text_segment: None,
        };
        assert!(mapping_bias(&layout, &range(0x1000, 0x2000, 0x10), None, Avma(0x1000)).is_err());
        assert_eq!(
            mapping_bias(&layout, &range(0x1000, 0x2000, 0), None, Avma(0x1000)).unwrap(),
            Bias(0x1000)
        );
    }

    #[test]
    fn kernel_mapped_at_its_link_address() {
        let text = seg(0x200000, 0xffff_ffff_8120_0000, 0x100_0000, 5);
        let layout = ElfLayout {
            kind: ElfKind::Executable,
            segments: vec![text],
            text_segment: Some(text),
        };
        let r = range(0xffff_ffff_8120_0000, 0xffff_ffff_8220_0000, 0);
        let stext = Some(0xffff_ffff_8120_0000);
        let bias = mapping_bias(&layout, &r, stext, Avma(0xffff_ffff_8120_0010)).unwrap();
        assert_eq!(bias, Bias(0));
    }

    #[test]
    fn ambiguous_small_segments_are_an_error() {
        let a = seg(0x1000, 0x1000, 0x800, 5);
        let b = seg(0x1400, 0x1400, 0x800, 5);
        let layout = ElfLayout {
            kind: ElfKind::Shared,
            segments: vec![a, b],
            text_segment: Some(a),
        };
        let err = mapping_bias(
            &layout,
            &range(0x7000_1000, 0x7000_2000, 0x1000),
            None,
            Avma(0x7000_1500),
        );
        assert!(err.unwrap_err().contains("second program header"));
    }
}
