//! The binaries `-disasm` reads: symbols, address translation and disassembly of local object
//! files, through ferroprof-symbolize (objdump for the instructions).

use std::path::Path;

use ferroprof_profile::Mapping;
use ferroprof_report::{AsmInstruction, ObjSymbol, ObjectTool};
use ferroprof_symbolize::{AsmSyntax, Avma, Demangle, FileOffset, MappingRange, Svma};
use regex::Regex;

use crate::binaries::LocalBinaries;

/// Local object files, opened once each, disassembled in one syntax.
#[derive(Debug, Default)]
pub struct LocalObjects {
    binaries: LocalBinaries,
    syntax: AsmSyntax,
}

impl LocalObjects {
    /// Objects disassembled in Intel syntax when `intel` (`-intel_syntax`).
    pub fn new(intel: bool) -> LocalObjects {
        LocalObjects {
            binaries: LocalBinaries::default(),
            syntax: if intel {
                AsmSyntax::Intel
            } else {
                AsmSyntax::Native
            },
        }
    }
}

impl ObjectTool for LocalObjects {
    fn symbols(
        &self,
        mapping: &Mapping,
        symbol: &Regex,
        address: Option<u64>,
    ) -> Result<Vec<ObjSymbol>, String> {
        let object = self
            .binaries
            .object(Path::new(&mapping.filename))
            .map_err(|e| e.to_string())?;
        let address = address.and_then(|a| self.obj_addr(mapping, a));
        let mut found = Vec::new();
        for s in object.symbols() {
            if s.size == 0 {
                continue;
            }
            let end = s.start.0 + s.size - 1;
            let matches = match address {
                Some(a) => s.start.0 <= a && a <= end,
                None => {
                    symbol.is_match(&s.name)
                        || symbol
                            .is_match(&ferroprof_symbolize::demangle(&s.name, Demangle::Default))
                }
            };
            if matches {
                found.push(ObjSymbol {
                    names: vec![s.name.clone()],
                    file: mapping.filename.clone(),
                    start: s.start.0,
                    end,
                });
            }
        }
        Ok(found)
    }

    fn obj_addr(&self, mapping: &Mapping, address: u64) -> Option<u64> {
        let object = self.binaries.object(Path::new(&mapping.filename)).ok()?;
        let range = MappingRange {
            start: Avma(mapping.memory_start),
            limit: Avma(mapping.memory_limit),
            offset: FileOffset(mapping.file_offset),
        };
        let bias = object.bias(&range, Avma(address)).ok()?;
        Some(bias.svma(Avma(address)).0)
    }

    fn disassemble(&self, symbol: &ObjSymbol) -> Result<Vec<AsmInstruction>, String> {
        let insts = ferroprof_symbolize::disassemble(
            Path::new(&symbol.file),
            Svma(symbol.start),
            Svma(symbol.end),
            self.syntax,
        )
        .map_err(|e| e.to_string())?;
        // As go tool pprof's object tool, instructions carry no function name: the samples'
        // function is shown where it has samples.
        Ok(insts
            .into_iter()
            .map(|i| AsmInstruction {
                address: i.addr.0,
                text: i.text,
                function: String::new(),
                file: i.file,
                line: i64::from(i.line),
            })
            .collect())
    }
}
