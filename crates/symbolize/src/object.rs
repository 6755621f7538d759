//! One ELF object: its build id and layout read when opened; its DWARF and symbol table parsed
//! on the first lookup and kept.

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use object::elf::{FileHeader32, FileHeader64};
use object::read::elf::{ElfFile, FileHeader, ProgramHeader};
use object::{Endianness, Object, ObjectSection};

use crate::address::{Avma, Bias, MappingRange, Svma};
use crate::base::{self, ElfKind, ElfLayout, Segment};
use crate::bytes::ObjectBytes;
use crate::demangle::{demangle, Demangle};
use crate::error::{Error, Result};
use crate::symtab::{self, Symbol, SymbolTable};

/// The DWARF reader: sections are ranges of the object's shared bytes (or their decompressed
/// copies), so a context owns its data and can be cached and sent between threads.
type Reader = gimli::EndianReader<gimli::RunTimeEndian, ObjectBytes>;

/// One frame of an address's inline chain.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    /// The function's name, demangled per the lookup's [`Demangle`] mode; empty when unknown.
    pub function: String,
    /// The function's name as the object states it (mangled); empty when unknown.
    pub system_name: String,
    /// The source file (DWARF's directory and file joined); empty when unknown.
    pub file: String,
    /// The line number, 0 when unknown.
    pub line: u32,
}

/// The symbolizer of one ELF object (executable or shared library), created once per binary and
/// reused for every address and mapping of it.
///
/// Opening reads the file (or takes its bytes) and its headers only. The DWARF context is built
/// on the first lookup, and compile units, line tables and inline functions are parsed lazily by
/// `addr2line` as lookups reach them; the symbol table is read on the first lookup DWARF cannot
/// answer. Lookups are serialized by a lock, so one symbolizer can be shared between threads.
pub struct ObjectSymbolizer {
    name: String,
    data: ObjectBytes,
    build_id: Option<String>,
    layout: ElfLayout,
    debug_data: Option<ObjectBytes>,
    dwarf: OnceLock<Option<Mutex<addr2line::Context<Reader>>>>,
    symbols: OnceLock<SymbolTable>,
}

impl std::fmt::Debug for ObjectSymbolizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectSymbolizer")
            .field("name", &self.name)
            .field("build_id", &self.build_id)
            .field("len", &self.data.len())
            .finish_non_exhaustive()
    }
}

impl ObjectSymbolizer {
    /// Reads and opens the ELF file at `path`. When it has no DWARF, its split debug file is
    /// used if one of [`ObjectSymbolizer::debug_file_candidates`] exists and has the same build
    /// id, as GNU addr2line follows `.gnu_debuglink` and build-id links.
    pub fn open(path: &Path) -> Result<Self> {
        let data = ObjectBytes::open(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let object = Self::from_object_bytes(path.display().to_string(), data)?;
        for candidate in object.debug_file_candidates(path) {
            let Ok(debug) = ObjectBytes::open(&candidate) else {
                continue;
            };
            let debug_id =
                parse(&object.name, &debug).map(|f| f.build_id().ok().flatten().map(hex));
            let same_build = match (object.build_id(), debug_id) {
                (Some(id), Ok(debug_id)) => debug_id.as_deref() == Some(id),
                (None, Ok(_)) => true,
                (_, Err(_)) => false,
            };
            if same_build {
                return object.with_debug_bytes(debug);
            }
        }
        Ok(object)
    }

    /// Opens an ELF object from its bytes; `name` names it in errors.
    pub fn from_bytes(name: impl Into<String>, data: Vec<u8>) -> Result<Self> {
        Self::from_object_bytes(name.into(), ObjectBytes::owned(data))
    }

    fn from_object_bytes(name: String, data: ObjectBytes) -> Result<Self> {
        let file = parse(&name, &data)?;
        let layout = elf_layout(&file).ok_or_else(|| Error::Parse {
            name: name.clone(),
            reason: "not an ELF object".into(),
        })?;
        // A malformed note means no build id, as for Go's elfexec.GetBuildID.
        let build_id = file.build_id().ok().flatten().map(hex);
        Ok(ObjectSymbolizer {
            name,
            data,
            build_id,
            layout,
            debug_data: None,
            dwarf: OnceLock::new(),
            symbols: OnceLock::new(),
        })
    }

    /// Takes DWARF from a separate debug file (split debug info: `objcopy --only-keep-debug`,
    /// found through `.gnu_debuglink` or the build id) instead of from the object itself.
    pub fn with_debug_file(self, data: Vec<u8>) -> Result<Self> {
        self.with_debug_bytes(ObjectBytes::owned(data))
    }

    fn with_debug_bytes(mut self, data: ObjectBytes) -> Result<Self> {
        parse(&self.name, &data)?;
        self.debug_data = Some(data);
        self.dwarf = OnceLock::new();
        Ok(self)
    }

    /// The name given when opening (the path for [`ObjectSymbolizer::open`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The GNU build id in lower-case hex, as profiles' `Mapping.build_id` writes it.
    pub fn build_id(&self) -> Option<&str> {
        self.build_id.as_deref()
    }

    /// Where to look for this object's split debug info, most specific first: the build-id path
    /// under `/usr/lib/debug/.build-id/`, then the `.gnu_debuglink` name beside `path`, in its
    /// `.debug/` folder and under `/usr/lib/debug`. Empty when the object has its own DWARF.
    pub fn debug_file_candidates(&self, path: &Path) -> Vec<std::path::PathBuf> {
        let Ok(file) = object::File::parse(&*self.data) else {
            return Vec::new();
        };
        if file.section_by_name(".debug_info").is_some() {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let Some(id) = self.build_id.as_deref().filter(|id| id.len() > 2) {
            out.push(format!("/usr/lib/debug/.build-id/{}/{}.debug", &id[..2], &id[2..]).into());
        }
        if let Ok(Some((link, _crc))) = file.gnu_debuglink() {
            let link = String::from_utf8_lossy(link).into_owned();
            let dir = path.parent().unwrap_or(Path::new(""));
            out.push(dir.join(&link));
            out.push(dir.join(".debug").join(&link));
            let abs = dir.strip_prefix("/").unwrap_or(dir);
            out.push(Path::new("/usr/lib/debug").join(abs).join(&link));
        }
        out
    }

    /// The object's defined symbols (functions, data, labels) with their addresses and sizes,
    /// sorted by address: for `-disasm` and `weblist`, which look functions up by name. Read
    /// from the file on each call; empty when the object has no symbol table.
    pub fn symbols(&self) -> Vec<Symbol> {
        let read = |data: &ObjectBytes| {
            parse(&self.name, data)
                .map(|f| symtab::defined_symbols(&f))
                .unwrap_or_default()
        };
        let symbols = read(&self.data);
        match &self.debug_data {
            Some(debug) if symbols.is_empty() => read(debug),
            _ => symbols,
        }
    }

    /// The bias of a mapping of this object, as Go's `elfexec.GetBase` computes it from the
    /// mapping and the program header holding `first_addr`.
    pub fn bias(&self, range: &MappingRange, first_addr: Avma) -> Result<Bias> {
        let stext = if base::wants_kernel_symbol(&self.name, range) {
            parse(&self.name, &self.data)
                .ok()
                .and_then(|f| symtab::symbol_value(&f, "_stext"))
        } else {
            None
        };
        base::mapping_bias(&self.layout, range, stext, first_addr).map_err(|reason| Error::Base {
            name: self.name.clone(),
            reason,
        })
    }

    /// The inline chain at `svma`, innermost first (the order of `Location.line`): function
    /// names, files and lines from DWARF, or the function name alone from the symbol table when
    /// DWARF does not cover the address. Empty when neither knows the address.
    ///
    /// As GNU addr2line does, the physical (outermost) function takes its name from the symbol
    /// table when DWARF names it without a linkage name in a language that mangles names (a C++
    /// function in an anonymous namespace, a Go function), and when DWARF has no name for it.
    pub fn lookup(&self, svma: Svma, mode: Demangle) -> Result<Vec<Frame>> {
        let (mut frames, outer_is_linkage_name) = self.dwarf_frames(svma)?;
        if !outer_is_linkage_name {
            if let Some(name) = self.function_table().function_at(svma.0) {
                match frames.last_mut() {
                    Some(outer) => outer.system_name = name.to_string(),
                    None => frames.push(Frame {
                        function: String::new(),
                        system_name: name.to_string(),
                        file: String::new(),
                        line: 0,
                    }),
                }
            }
        }
        for f in &mut frames {
            if !f.system_name.is_empty() {
                f.function = demangle(&f.system_name, mode);
            }
        }
        Ok(frames)
    }

    /// The start of the symbol-table function holding `svma` (Go's function entry, from which
    /// its text formats print `func+0xoff`); `None` when no function symbol covers it.
    pub fn function_start(&self, svma: Svma) -> Option<Svma> {
        self.function_table().function_start(svma.0).map(Svma)
    }

    /// The one frame `go tool pprof` (Go 1.19) gives for `svma`: the physical function as DWARF
    /// names it (the symbol table's name when DWARF has none) with the innermost file and line,
    /// the file path cleaned as Go's `path.Join` leaves it (`./a/b.go` → `a/b.go`). This is
    /// what Go's pcln table says for Go code and what its DWARF reader says for C code, as long
    /// as the binary has DWARF (a stripped Go binary gives only the symbol table's name here).
    pub fn lookup_go_tool(&self, svma: Svma, mode: Demangle) -> Result<Option<Frame>> {
        let (frames, _) = self.dwarf_frames(svma)?;
        let mut frame = match (frames.first(), frames.last()) {
            (Some(inner), Some(outer)) => Frame {
                function: String::new(),
                system_name: outer.system_name.clone(),
                file: clean_path(&inner.file),
                line: inner.line,
            },
            _ => Frame {
                function: String::new(),
                system_name: String::new(),
                file: String::new(),
                line: 0,
            },
        };
        if frame.system_name.is_empty() {
            if let Some(name) = self.function_table().function_at(svma.0) {
                frame.system_name = name.to_string();
            }
        }
        if frame.system_name.is_empty() && frame.file.is_empty() {
            return Ok(None);
        }
        frame.function = demangle(&frame.system_name, mode);
        Ok(Some(frame))
    }

    /// DWARF's frames at `svma`, and whether the outermost one is named by a linkage name.
    fn dwarf_frames(&self, svma: Svma) -> Result<(Vec<Frame>, bool)> {
        // addr2line probes `[svma, svma + 1)`, which overflows (a panic in debug builds) at
        // the last address; no code lives there. Found by the `object_open` fuzz target.
        if svma.0 == u64::MAX {
            return Ok((Vec::new(), false));
        }
        let Some(context) = self.dwarf.get_or_init(|| self.load_dwarf().map(Mutex::new)) else {
            return Ok((Vec::new(), false));
        };
        let context = context
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let dwarf_error = |e: gimli::Error| Error::Dwarf {
            name: self.name.clone(),
            reason: e.to_string(),
        };
        let mut iter = context
            .find_frames(svma.0)
            .skip_all_loads()
            .map_err(dwarf_error)?;
        let mut frames = Vec::new();
        let mut outer_is_linkage_name = false;
        while let Some(frame) = iter.next().map_err(dwarf_error)? {
            let (system_name, language) = match &frame.function {
                Some(f) => (f.raw_name().map_err(dwarf_error)?.into_owned(), f.language),
                None => (String::new(), None),
            };
            let (file, line) = match &frame.location {
                Some(l) => (l.file.unwrap_or("").to_string(), l.line.unwrap_or(0)),
                None => (String::new(), 0),
            };
            if system_name.is_empty() && file.is_empty() && line == 0 {
                continue; // Nothing known: addr2line's "??" frame, dropped as Go drops it.
            }
            outer_is_linkage_name = is_linkage_name(&system_name, language);
            frames.push(Frame {
                function: String::new(),
                system_name,
                file,
                line,
            });
        }
        Ok((frames, outer_is_linkage_name))
    }

    /// The DWARF context, or `None` when the object has no (readable) DWARF.
    fn load_dwarf(&self) -> Option<addr2line::Context<Reader>> {
        let data = self.debug_data.as_ref().unwrap_or(&self.data);
        let file = object::File::parse(&**data).ok()?;
        file.section_by_name(".debug_info")?;
        let endian = if file.is_little_endian() {
            gimli::RunTimeEndian::Little
        } else {
            gimli::RunTimeEndian::Big
        };
        let load = |id: gimli::SectionId| -> std::result::Result<Reader, gimli::Error> {
            Ok(section_reader(&file, data, id.name(), endian))
        };
        let dwarf = gimli::Dwarf::load(load).ok()?;
        addr2line::Context::from_dwarf(dwarf).ok()
    }

    fn function_table(&self) -> &SymbolTable {
        self.symbols.get_or_init(|| {
            let from = |data: &ObjectBytes| {
                object::File::parse(&**data)
                    .map(|f| SymbolTable::read(&f))
                    .unwrap_or_default()
            };
            let table = from(&self.data);
            match &self.debug_data {
                Some(debug) if table.is_empty() => from(debug),
                _ => table,
            }
        })
    }
}

/// Whether a DWARF function name is the symbol's own name, as binutils decides it: a mangled
/// name, or any name in a language whose symbols are not mangled.
fn is_linkage_name(name: &str, language: Option<gimli::DwLang>) -> bool {
    use gimli::constants as c;
    const UNMANGLED: [gimli::DwLang; 13] = [
        c::DW_LANG_C89,
        c::DW_LANG_C,
        c::DW_LANG_Ada83,
        c::DW_LANG_Cobol74,
        c::DW_LANG_Cobol85,
        c::DW_LANG_Fortran77,
        c::DW_LANG_Pascal83,
        c::DW_LANG_C99,
        c::DW_LANG_Ada95,
        c::DW_LANG_PLI,
        c::DW_LANG_UPC,
        c::DW_LANG_C11,
        c::DW_LANG_Mips_Assembler,
    ];
    !name.is_empty()
        && (name.starts_with("_Z")
            || name.starts_with("_R")
            || language.is_some_and(|l| UNMANGLED.contains(&l)))
}

fn parse<'d>(name: &str, data: &'d [u8]) -> Result<object::File<'d>> {
    object::File::parse(data).map_err(|e| Error::Parse {
        name: name.to_string(),
        reason: e.to_string(),
    })
}

/// A section's bytes as a reader sharing `data`, or owning its decompressed bytes; an empty
/// reader when the section is missing or cannot be decompressed.
fn section_reader(
    file: &object::File<'_>,
    data: &ObjectBytes,
    name: &str,
    endian: gimli::RunTimeEndian,
) -> Reader {
    let bytes = file
        .section_by_name(name)
        .and_then(|s| s.uncompressed_data().ok());
    match bytes {
        Some(Cow::Borrowed(b)) => {
            let offset = (b.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
            match offset.checked_add(b.len()) {
                Some(end) if end <= data.len() => {
                    Reader::new(data.clone(), endian).range(offset..end)
                }
                _ => Reader::new(ObjectBytes::owned(b.to_vec()), endian),
            }
        }
        Some(Cow::Owned(v)) => Reader::new(ObjectBytes::owned(v), endian),
        None => Reader::new(ObjectBytes::owned(Vec::new()), endian),
    }
}

fn elf_layout(file: &object::File<'_>) -> Option<ElfLayout> {
    match file {
        object::File::Elf32(f) => Some(layout_of::<FileHeader32<Endianness>>(f)),
        object::File::Elf64(f) => Some(layout_of::<FileHeader64<Endianness>>(f)),
        _ => None,
    }
}

fn layout_of<Elf: FileHeader<Endian = Endianness>>(f: &ElfFile<'_, Elf>) -> ElfLayout {
    let e = f.endian();
    let segments: Vec<Segment> = f
        .elf_program_headers()
        .iter()
        .map(|p| Segment {
            p_type: p.p_type(e),
            flags: p.p_flags(e),
            offset: p.p_offset(e).into(),
            vaddr: p.p_vaddr(e).into(),
            filesz: p.p_filesz(e).into(),
            memsz: p.p_memsz(e).into(),
        })
        .collect();
    let text = f.section_by_name(".text").map(|s| s.address());
    let text_segment = text.and_then(|addr| {
        segments.iter().copied().find(|p| {
            p.p_type == base::PT_LOAD
                && p.flags & base::PF_X != 0
                && addr >= p.vaddr
                && addr < p.vaddr.wrapping_add(p.memsz)
        })
    });
    ElfLayout {
        kind: ElfKind::from_e_type(f.elf_header().e_type(e)),
        segments,
        text_segment,
    }
}

/// `path` as Go's `path.Clean` leaves it: no empty or `.` elements, `..` resolved where it can
/// be; an empty path stays empty.
fn clean_path(path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::clean_path;

    #[test]
    fn paths_are_cleaned_like_go() {
        for (path, clean) in [
            ("./crypto/sha256/x.s", "crypto/sha256/x.s"),
            (
                "/usr/lib/go/src/sort/sort.go",
                "/usr/lib/go/src/sort/sort.go",
            ),
            ("a//b/./c/../d", "a/b/d"),
            ("../x", "../x"),
            ("/../x", "/x"),
            ("./.", "."),
            ("", ""),
        ] {
            assert_eq!(clean_path(path), clean, "{path}");
        }
    }
}
