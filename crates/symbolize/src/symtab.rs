//! The ELF symbol table fallback: function names by address when DWARF has none.

use object::{Object, ObjectSection, ObjectSymbol, SymbolKind, SymbolSection};

use crate::address::Svma;

/// One function symbol covering `[start, end)`.
#[derive(Debug)]
struct FunctionSymbol {
    start: u64,
    end: u64,
    /// The symbol states its size; otherwise `end` is its section's end, to be bounded by the
    /// next symbol.
    sized: bool,
    name: Box<str>,
}

/// Function symbols sorted by address, from `.symtab`, or from `.dynsym` when `.symtab` has
/// none (a stripped binary), like GNU addr2line's fallback. A symbol covers its size; a symbol
/// of size 0 covers up to the next symbol or the end of its section.
#[derive(Debug, Default)]
pub(crate) struct SymbolTable {
    symbols: Vec<FunctionSymbol>,
}

impl SymbolTable {
    /// Reads the function symbols of `file`.
    pub(crate) fn read(file: &object::File<'_>) -> Self {
        let mut symbols = functions(file, file.symbols());
        if symbols.is_empty() {
            symbols = functions(file, file.dynamic_symbols());
        }
        // Stable order for equal addresses: the larger symbol first, then by name, so that the
        // choice among aliases does not depend on the table's order.
        symbols.sort_by(|a, b| {
            (a.start, std::cmp::Reverse(a.end), &a.name).cmp(&(
                b.start,
                std::cmp::Reverse(b.end),
                &b.name,
            ))
        });
        symbols.dedup_by_key(|s| s.start);
        Self::from_sorted(symbols)
    }

    /// Bounds each unsized symbol by its successor.
    fn from_sorted(mut symbols: Vec<FunctionSymbol>) -> Self {
        for i in 0..symbols.len() {
            let next = symbols.get(i + 1).map_or(u64::MAX, |n| n.start);
            let sym = &mut symbols[i];
            if !sym.sized {
                sym.end = sym.end.min(next);
            }
        }
        SymbolTable { symbols }
    }

    /// Whether the table has no symbol.
    pub(crate) fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// The name of the function holding `addr`.
    pub(crate) fn function_at(&self, addr: u64) -> Option<&str> {
        self.holding(addr).map(|s| &*s.name)
    }

    /// The start address of the function holding `addr`.
    pub(crate) fn function_start(&self, addr: u64) -> Option<u64> {
        self.holding(addr).map(|s| s.start)
    }

    fn holding(&self, addr: u64) -> Option<&FunctionSymbol> {
        let after = self.symbols.partition_point(|s| s.start <= addr);
        let sym = &self.symbols[after.checked_sub(1)?];
        (addr < sym.end).then_some(sym)
    }
}

fn functions<'data, S: ObjectSymbol<'data>>(
    file: &object::File<'data>,
    symbols: impl Iterator<Item = S>,
) -> Vec<FunctionSymbol> {
    symbols
        .filter(|s| s.kind() == SymbolKind::Text && s.is_definition() && s.address() != 0)
        .filter_map(|s| {
            let name = s.name().ok().filter(|n| !n.is_empty())?;
            let start = s.address();
            let sized = s.size() != 0;
            let end = if sized {
                start.saturating_add(s.size())
            } else {
                section_end(file, s.section()).unwrap_or(u64::MAX)
            };
            Some(FunctionSymbol {
                start,
                end,
                sized,
                name: name.into(),
            })
        })
        .collect()
}

fn section_end(file: &object::File<'_>, section: SymbolSection) -> Option<u64> {
    let section = file.section_by_index(section.index()?).ok()?;
    section.address().checked_add(section.size())
}

/// One defined symbol of an object's symbol table, any kind (functions, data, labels).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Symbol {
    /// The name as the table states it (mangled).
    pub name: String,
    /// The symbol's address.
    pub start: Svma,
    /// The size the table states, 0 when unknown.
    pub size: u64,
}

/// The defined symbols with a nonzero address from `.symtab` (or `.dynsym` when there is no
/// `.symtab`), sorted by address then name: what `-disasm` and `weblist` search by name, as Go
/// lists an object's symbols for them.
pub(crate) fn defined_symbols(file: &object::File<'_>) -> Vec<Symbol> {
    let collect = |symbols: object::SymbolIterator<'_, '_>| -> Vec<Symbol> {
        symbols
            .filter(|s| !s.is_undefined() && s.address() != 0)
            .filter_map(|s| {
                let name = s.name().ok().filter(|n| !n.is_empty())?;
                Some(Symbol {
                    name: name.to_string(),
                    start: Svma(s.address()),
                    size: s.size(),
                })
            })
            .collect()
    };
    let mut symbols = collect(file.symbols());
    if symbols.is_empty() {
        symbols = collect(file.dynamic_symbols());
    }
    symbols.sort_by(|a, b| (a.start, &a.name).cmp(&(b.start, &b.name)));
    symbols
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

    /// `(start, size, name)`; size 0 is a symbol without size in a section ending at 0x1000.
    fn table(entries: &[(u64, u64, &str)]) -> SymbolTable {
        let symbols = entries
            .iter()
            .map(|&(start, size, name)| FunctionSymbol {
                start,
                end: if size == 0 { 0x1000 } else { start + size },
                sized: size != 0,
                name: name.into(),
            })
            .collect();
        SymbolTable::from_sorted(symbols)
    }

    #[test]
    fn symbols_cover_their_size_or_up_to_the_next() {
        let t = table(&[
            (0x100, 0x10, "a"),
            (0x200, 0, "b"),
            (0x300, 0x10, "c"),
            (0x400, 0, "d"),
        ]);
        assert_eq!(t.function_at(0x100), Some("a"));
        assert_eq!(t.function_at(0x10f), Some("a"));
        assert_eq!(t.function_at(0x110), None);
        assert_eq!(t.function_at(0x2ff), Some("b"));
        assert_eq!(t.function_at(0x310), None);
        assert_eq!(t.function_at(0xff), None);
        assert_eq!(t.function_at(0xfff), Some("d"));
        assert_eq!(t.function_at(0x1000), None);
        assert_eq!(t.function_start(0x10f), Some(0x100));
        assert_eq!(t.function_start(0x2ff), Some(0x200));
        assert_eq!(t.function_start(0x110), None);
    }
}
