//! Whether a command-line argument names an object file. `go tool pprof` takes a first argument
//! that opens as an object file (and is followed by sources) as the main binary, so this check
//! mirrors what Go's `cmd/internal/objfile.Open` accepts: ELF, Mach-O, PE (including a bare COFF
//! header, which files starting with zeros pass, such as legacy CPU profiles), Plan 9 a.out,
//! XCOFF and Go object archives.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Whether `path` opens as an object file under Go's rules.
pub fn is_object_file(path: &Path) -> bool {
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    let mut head = [0u8; 64];
    let Ok(n) = read_at(&mut file, 0, &mut head) else {
        return false;
    };
    let head = &head[..n];
    is_elf_or_macho(head) || is_go_object(head) || is_plan9(head) || is_xcoff(head) || {
        is_pe(&mut file).unwrap_or(false)
    }
}

fn is_elf_or_macho(head: &[u8]) -> bool {
    matches!(
        head.get(..4),
        Some(
            [0x7f, b'E', b'L', b'F']
                | [0xfe, 0xed, 0xfa, 0xce | 0xcf]
                | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
                | [0xca, 0xfe, 0xba, 0xbe]
        )
    )
}

fn is_go_object(head: &[u8]) -> bool {
    head.starts_with(b"!<arch>\n") || head.starts_with(b"go object ")
}

/// Plan 9 a.out for 386, amd64 or arm (`debug/plan9obj` magics), with a full header.
fn is_plan9(head: &[u8]) -> bool {
    head.len() >= 32
        && matches!(
            u32::from_be_bytes([head[0], head[1], head[2], head[3]]),
            0x1eb | 0x8a97 | 0x647
        )
}

/// XCOFF for 32 or 64 bits (`debug/xcoff` magics).
fn is_xcoff(head: &[u8]) -> bool {
    head.len() >= 20 && matches!(u16::from_be_bytes([head[0], head[1]]), 0x1df | 0x1f7)
}

/// PE/COFF as `debug/pe.NewFile` accepts it: an `MZ` stub pointing at a `PE\0\0` signature, or a
/// bare COFF header; a known (or unknown, 0) machine; a readable optional header with a PE32 or
/// PE32+ magic; readable section headers and symbol and string tables.
fn is_pe(file: &mut File) -> std::io::Result<bool> {
    let mut dos = [0u8; 96];
    if read_at(file, 0, &mut dos)? < dos.len() {
        return Ok(false);
    }
    let base = if dos.starts_with(b"MZ") {
        let signature_at = u64::from(u32_le(&dos[0x3c..]));
        let mut signature = [0u8; 4];
        if read_at(file, signature_at, &mut signature)? < 4 || &signature != b"PE\0\0" {
            return Ok(false);
        }
        signature_at + 4
    } else {
        0
    };
    let mut header = [0u8; 20];
    if read_at(file, base, &mut header)? < header.len() {
        return Ok(false);
    }
    let machine = u16_le(&header[0..]);
    if !matches!(machine, 0x8664 | 0xaa64 | 0x1c4 | 0x14c | 0) {
        return Ok(false);
    }
    let sections = u64::from(u16_le(&header[2..]));
    let symbols_at = u64::from(u32_le(&header[8..]));
    let symbols = u64::from(u32_le(&header[12..]));
    let optional_size = u64::from(u16_le(&header[16..]));
    let len = file.metadata()?.len();
    if optional_size > 0 {
        let mut magic = [0u8; 2];
        if read_at(file, base + 20, &mut magic)? < 2 || !matches!(u16_le(&magic), 0x10b | 0x20b) {
            return Ok(false);
        }
    }
    let sections_end = base + 20 + optional_size + sections * 40;
    if sections_end > len {
        return Ok(false);
    }
    if symbols_at == 0 {
        return Ok(true);
    }
    let strings_at = symbols_at + symbols * 18;
    let mut strings_len = [0u8; 4];
    if read_at(file, strings_at, &mut strings_len)? < 4 {
        return Ok(false);
    }
    let strings_len = u64::from(u32_le(&strings_len));
    Ok(strings_len <= 4 || strings_at + strings_len <= len)
}

fn u16_le(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn u32_le(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Reads up to `buf.len()` bytes at `offset`; returns how many were read.
fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    file.seek(SeekFrom::Start(offset))?;
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroprof_testsupport::fixture;

    #[test]
    fn legacy_cpu_profiles_pass_as_bare_coff_as_in_go() {
        // go tool pprof -top cppbench.cpu cppbench.cpu prints "File: cppbench.cpu".
        assert!(is_object_file(&fixture(
            "google-pprof/profile/testdata/cppbench.cpu"
        )));
        // java.cpu's header names an optional header that is not there: not an object.
        assert!(!is_object_file(&fixture(
            "google-pprof/profile/testdata/java.cpu"
        )));
        assert!(!is_object_file(&fixture("go119/cpu.pb.gz")));
        assert!(!is_object_file(&fixture(
            "google-pprof/profile/testdata/cppbench.heap"
        )));
    }

    #[test]
    fn elf_binaries_are_objects() {
        assert!(is_object_file(&std::env::current_exe().unwrap()));
        assert!(!is_object_file(Path::new("/does/not/exist")));
    }
}
