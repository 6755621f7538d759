//! Disassembly for `-disasm` and `weblist` through GNU `objdump`, read the way pprof's binutils
//! reads it (instruction lines, `file:line` lines and function headers).

use std::path::Path;
use std::process::Command;

use crate::address::Svma;
use crate::error::{Error, Result};

/// Assembly syntax of the listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AsmSyntax {
    /// objdump's default (AT&T on x86).
    #[default]
    Native,
    /// Intel syntax (`-M intel`), for `-intel_syntax`.
    Intel,
}

/// One disassembled instruction with the function and source position objdump printed above it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// The instruction's file address.
    pub addr: Svma,
    /// The instruction as objdump prints it, without raw bytes.
    pub text: String,
    /// The function header objdump printed before it, or empty.
    pub function: String,
    /// The source file of the last `file:line` line before it, or empty.
    pub file: String,
    /// The source line of the last `file:line` line before it, or 0.
    pub line: u32,
}

/// Disassembles `[start, end)` of the object at `path` with `objdump` from `PATH`, with
/// demangled names and source lines, as pprof's binutils runs it.
pub fn disassemble(
    path: &Path,
    start: Svma,
    end: Svma,
    syntax: AsmSyntax,
) -> Result<Vec<Instruction>> {
    let mut command = Command::new("objdump");
    command.args([
        "--disassemble",
        "--demangle",
        "--no-show-raw-insn",
        "--line-numbers",
        &format!("--start-address={:#x}", start.0),
        &format!("--stop-address={:#x}", end.0),
    ]);
    if syntax == AsmSyntax::Intel {
        command.args(["-M", "intel"]);
    }
    command.arg(path);
    let shown = format!("{command:?}");
    let failed = |reason: String| Error::Disassembler {
        command: shown.clone(),
        reason,
    };
    let output = command.output().map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(failed(format!("{}: {}", output.status, stderr.trim())));
    }
    Ok(parse_objdump(&String::from_utf8_lossy(&output.stdout)))
}

/// Reads objdump's listing: each instruction takes the function and `file:line` last seen, and
/// any line that is neither resets them.
pub fn parse_objdump(listing: &str) -> Vec<Instruction> {
    let (mut function, mut file, mut line) = (String::new(), String::new(), 0u32);
    let mut out = Vec::new();
    for raw in listing.lines() {
        let input = raw.trim();
        if let Some((addr, text)) = instruction_line(input) {
            out.push(Instruction {
                addr: Svma(addr),
                text: text.to_string(),
                function: function.clone(),
                file: file.clone(),
                line,
            });
        } else if let Some((f, l)) = file_line(input) {
            if let Ok(l) = l.parse::<u32>() {
                (file, line) = (f.to_string(), l);
            }
        } else if let Some(f) = function_header(input).or_else(|| llvm_function_header(input)) {
            function = f.to_string();
        } else {
            (function, file, line) = (String::new(), String::new(), 0);
        }
    }
    out
}

/// The remainder after an optional `;` and one optional whitespace character.
fn skip_comment_prefix(s: &str) -> &str {
    let s = s.strip_prefix(';').unwrap_or(s);
    match s.chars().next() {
        Some(c) if c.is_whitespace() => &s[c.len_utf8()..],
        _ => s,
    }
}

/// `hex: text`, the address fitting in 64 bits.
fn instruction_line(s: &str) -> Option<(u64, &str)> {
    let hex_len = s.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(s.len());
    let rest = s[hex_len..].strip_prefix(':')?;
    let text = rest.trim_start();
    if hex_len == 0 || text.len() == rest.len() {
        return None;
    }
    Some((u64::from_str_radix(&s[..hex_len], 16).ok()?, text))
}

/// `file:line`: the file is everything before the last `:` followed by a digit.
fn file_line(s: &str) -> Option<(&str, &str)> {
    let s = skip_comment_prefix(s);
    let bytes = s.as_bytes();
    let colon = (0..bytes.len().saturating_sub(1))
        .rev()
        .find(|&i| bytes[i] == b':' && bytes[i + 1].is_ascii_digit())?;
    let digits = &s[colon + 1..];
    let len = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    Some((&s[..colon], &digits[..len]))
}

/// GNU objdump's `name():` function header.
fn function_header(s: &str) -> Option<&str> {
    let s = skip_comment_prefix(s);
    let end = s.rfind("():")?;
    let name = &s[..end];
    name.starts_with(|c: char| !c.is_whitespace())
        .then_some(name)
}

/// llvm-objdump's `hex name:` header (which matches most lines with a colon, as in pprof).
fn llvm_function_header(s: &str) -> Option<&str> {
    let hex_len = s.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(s.len());
    let mut rest = &s[hex_len..];
    if let Some(c) = rest.chars().next().filter(|c| c.is_whitespace()) {
        rest = &rest[c.len_utf8()..];
    }
    let end = rest.rfind(':')?;
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gnu_objdump_with_line_numbers() {
        let listing = "\n\
sample.bin:     file format elf64-x86-64\n\
\n\
\n\
Disassembly of section .text:\n\
\n\
00000000004b43d0 <main.busyLoop>:\n\
main.busyLoop():\n\
/src/sample.go:29\n\
  4b43d0:\tmov    %fs:0xfffffffffffffff8,%rcx\n\
  4b43d9:\tcmp    0x10(%rcx),%rsp\n\
/src/sample.go:30 (discriminator 2)\n\
  4b43dd:\tjbe    4b4480 <main.busyLoop+0xb0>\n";
        let insts = parse_objdump(listing);
        assert_eq!(insts.len(), 3);
        assert_eq!(insts[0].addr, Svma(0x4b43d0));
        assert_eq!(insts[0].text, "mov    %fs:0xfffffffffffffff8,%rcx");
        assert_eq!(insts[0].function, "main.busyLoop");
        assert_eq!(
            (insts[0].file.as_str(), insts[0].line),
            ("/src/sample.go", 29)
        );
        assert_eq!(
            (insts[2].file.as_str(), insts[2].line),
            ("/src/sample.go", 30)
        );
        assert_eq!(insts[2].text, "jbe    4b4480 <main.busyLoop+0xb0>");
    }

    #[test]
    fn unrecognised_lines_reset_the_context() {
        let insts = parse_objdump("f():\n/a.c:3\n\n  10:\tret\n");
        assert_eq!(insts[0].function, "");
        assert_eq!(insts[0].line, 0);
    }
}
