//! The ELF symbol table fallback: function names by address when DWARF has none.

use object::{Object, ObjectSymbol, SymbolKind};

/// One function symbol: `[start, start + size)`, or up to the next symbol when `size` is 0.
#[derive(Debug)]
struct FunctionSymbol {
    start: u64,
    size: u64,
    name: Box<str>,
}

/// Function symbols sorted by address, from `.symtab`, or from `.dynsym` when `.symtab` has
/// none (a stripped binary), like GNU addr2line's fallback.
#[derive(Debug, Default)]
pub(crate) struct SymbolTable {
    symbols: Vec<FunctionSymbol>,
}

impl SymbolTable {
    /// Reads the function symbols of `file`.
    pub(crate) fn read(file: &object::File<'_>) -> Self {
        let mut symbols = functions(file.symbols());
        if symbols.is_empty() {
            symbols = functions(file.dynamic_symbols());
        }
        // Stable order for equal addresses: the larger symbol first, then by name, so that the
        // choice among aliases does not depend on the table's order.
        symbols.sort_by(|a, b| {
            (a.start, std::cmp::Reverse(a.size), &a.name).cmp(&(
                b.start,
                std::cmp::Reverse(b.size),
                &b.name,
            ))
        });
        symbols.dedup_by_key(|s| s.start);
        SymbolTable { symbols }
    }

    /// Whether the table has no symbol.
    pub(crate) fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// The name of the function holding `addr`.
    pub(crate) fn function_at(&self, addr: u64) -> Option<&str> {
        let after = self.symbols.partition_point(|s| s.start <= addr);
        let index = after.checked_sub(1)?;
        let sym = &self.symbols[index];
        let inside = if sym.size != 0 {
            addr - sym.start < sym.size
        } else {
            self.symbols.get(after).is_none_or(|next| addr < next.start)
        };
        inside.then_some(&*sym.name)
    }
}

fn functions<'data, S: ObjectSymbol<'data>>(
    symbols: impl Iterator<Item = S>,
) -> Vec<FunctionSymbol> {
    symbols
        .filter(|s| s.kind() == SymbolKind::Text && s.is_definition() && s.address() != 0)
        .filter_map(|s| {
            let name = s.name().ok().filter(|n| !n.is_empty())?;
            Some(FunctionSymbol {
                start: s.address(),
                size: s.size(),
                name: name.into(),
            })
        })
        .collect()
}

/// The value of the symbol named `name` (any kind), as Go reads `_stext` for kernels.
pub(crate) fn symbol_value(file: &object::File<'_>, name: &str) -> Option<u64> {
    file.symbols()
        .find(|s| s.name() == Ok(name))
        .map(|s| s.address())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(entries: &[(u64, u64, &str)]) -> SymbolTable {
        SymbolTable {
            symbols: entries
                .iter()
                .map(|&(start, size, name)| FunctionSymbol {
                    start,
                    size,
                    name: name.into(),
                })
                .collect(),
        }
    }

    #[test]
    fn sized_symbols_cover_their_extent_only() {
        let t = table(&[(0x100, 0x10, "a"), (0x200, 0, "b"), (0x300, 0x10, "c")]);
        assert_eq!(t.function_at(0x100), Some("a"));
        assert_eq!(t.function_at(0x10f), Some("a"));
        assert_eq!(t.function_at(0x110), None);
        assert_eq!(t.function_at(0x2ff), Some("b"));
        assert_eq!(t.function_at(0x310), None);
        assert_eq!(t.function_at(0xff), None);
    }
}
