//! Address symbolization (ELF symbol tables, DWARF lines and inline frames, demangling).
#![deny(missing_docs)]
