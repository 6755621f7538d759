//! Address symbolization: ELF symbol tables, DWARF lines and inline frames, build ids and
//! demangling, for `go tool pprof`-compatible local symbolization and for agents symbolizing
//! their own process.
//!
//! ```
//! use ferroprof_symbolize::{Avma, Demangle, FrameAddress, ProcessSymbolizer};
//!
//! #[inline(never)]
//! fn marker() -> u64 { std::hint::black_box(7) }
//!
//! let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
//! let process = ProcessSymbolizer::from_maps(&maps).unwrap();
//! let pc = FrameAddress::InstructionPointer(Avma(marker as *const () as usize as u64));
//! let frames = process.symbolize(pc, Demangle::Default).unwrap();
//! assert!(frames.last().unwrap().function.ends_with("marker"));
//! ```
//!
//! # Which API for what
//! - **Analyzer (driver)**: implement [`BinaryLookup`] (the `PPROF_BINARY_PATH` search; see
//!   [`CandidateBinaries`] for a plain one), then [`symbolize_profile`] (Go's local pass; pick
//!   [`FrameStyle::GoTool`] to print what `go tool pprof` prints), then [`demangle_profile`]
//!   (Go's `symbolizer.Demangle`, after remote symbolization). For `-disasm` / `weblist`:
//!   [`ObjectSymbolizer::symbols`] to find functions by name, [`disassemble`] for their code,
//!   [`ObjectSymbolizer::lookup`] for inline frames per instruction.
//! - **Agent**: one [`ProcessSymbolizer`] kept across exports ([`ProcessSymbolizer::reload_maps`]
//!   with a fresh `/proc/self/maps` each time); it is a [`BinaryLookup`], so the exported
//!   profile goes through [`symbolize_profile`] like any other, or frame by frame through
//!   [`ProcessSymbolizer::symbolize`] with [`FrameAddress`] kinds.
//!
//! # Design constraints
//! - Address spaces are types: [`Avma`] (in the process), [`Svma`] (as the file states it),
//!   [`FileOffset`]; a [`FrameAddress::ReturnAddress`] is looked up one byte back, in its call.
//! - One [`ObjectSymbolizer`] per binary, built cheaply and parsed lazily: DWARF on the first
//!   lookup (units, lines and inline functions as lookups reach them), the symbol table on the
//!   first lookup DWARF cannot answer. Callers cache it per binary (see [`CandidateBinaries`]).
//! - The profile pass follows Go's `localSymbolize` (which mappings, which flags, function ids)
//!   and returns Go's messages instead of printing them; where a binary comes from is the
//!   caller's business, through the small [`BinaryLookup`] trait.
//! - Cost, measured with `examples/symbolize_binary.rs` (release build, 2 shared cores): a
//!   41 MiB debug test binary of this crate opens in 0.15 ms (a read-only memory map), builds
//!   its DWARF context on the first lookup in 20–60 ms, and resolves all 9,425 of its function
//!   addresses in 140–225 ms cold (4–8 µs each warm), ending with 34 MiB of heap and 38 MiB of
//!   reclaimable mapped-file pages resident (73 MiB peak RSS); GNU addr2line takes 7.6 s and
//!   259 MiB for the same addresses.
//! - Hostile objects give a typed [`Error`], never a panic.
//! - [`ObjectSymbolizer`], [`ProcessSymbolizer`] and [`CandidateBinaries`] are `Send + Sync`;
//!   lookups in one object are serialized by a lock.
//! - Only ELF is read, and only DWARF and symbol tables (no Go pcln table). Two styles of
//!   answer ([`FrameStyle`]): google/pprof's binutils path (`addr2line -i`: the whole inline
//!   chain, innermost first), and `go tool pprof`'s (one line per address: the physical
//!   function with the innermost file and line, as Go's pcln lookup gives it). Both are checked
//!   against the real tools in `tests/`.
//! - Base addresses follow Go's `elfexec.GetBase` (binutils path). `go tool pprof` itself
//!   subtracts `start - (first executable segment's vaddr)`, which is wrong for a mapping of a
//!   PIE's first, read-only segment; this crate gets that case right.
#![deny(missing_docs)]

mod address;
mod base;
mod bytes;
mod demangle;
mod disasm;
mod error;
mod object;
mod process;
mod profile;
mod symtab;

pub use address::{Avma, Bias, FileOffset, FrameAddress, MappingRange, Svma};
pub use demangle::{demangle, demangle_profile, Demangle};
pub use disasm::{disassemble, parse_objdump, AsmSyntax, Instruction};
pub use error::{Error, Result};
pub use object::{Frame, ObjectSymbolizer};
pub use process::{MapsEntry, ProcessSymbolizer};
pub use profile::{
    symbolize_profile, BinaryLookup, CandidateBinaries, FrameStyle, SymbolizeOptions,
    SymbolizeReport,
};
pub use symtab::Symbol;
