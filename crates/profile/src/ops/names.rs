//! Looking up the names a location's frames answer to (function name, file name, mapping file),
//! for the filters that match regular expressions against them.

use regex::Regex;

use crate::index::ProfileIndex;
use crate::model::{Function, Line, Mapping, MappingId};

/// Read access to a profile's functions and mappings by id, usable while its locations and
/// samples are borrowed mutably.
pub(crate) struct Names<'a> {
    pub(crate) index: &'a ProfileIndex,
    functions: &'a [Function],
    mappings: &'a [Mapping],
}

impl<'a> Names<'a> {
    pub(crate) fn new(
        index: &'a ProfileIndex,
        functions: &'a [Function],
        mappings: &'a [Mapping],
    ) -> Self {
        Names {
            index,
            functions,
            mappings,
        }
    }

    /// The function of a line, if it has one the profile defines.
    pub(crate) fn function(&self, line: &Line) -> Option<&'a Function> {
        let pos = self.index.function_pos(line.function_id?)?;
        self.functions.get(pos)
    }

    /// Whether the line has a function whose name or file name `re` matches; `None` when the
    /// line has no function.
    pub(crate) fn line_matches(&self, line: &Line, re: &Regex) -> Option<bool> {
        let f = self.function(line)?;
        Some(re.is_match(&f.name) || re.is_match(&f.filename))
    }

    /// Whether `re` matches the file name of the mapping.
    pub(crate) fn mapping_matches(&self, mapping: Option<MappingId>, re: &Regex) -> bool {
        mapping
            .and_then(|id| self.index.mapping_pos(id))
            .and_then(|pos| self.mappings.get(pos))
            .is_some_and(|m| re.is_match(&m.filename))
    }

    /// Whether any line's function or the mapping matches (`Location.matchesName`).
    pub(crate) fn location_matches(
        &self,
        lines: &[Line],
        mapping: Option<MappingId>,
        re: &Regex,
    ) -> bool {
        lines
            .iter()
            .any(|ln| self.line_matches(ln, re) == Some(true))
            || self.mapping_matches(mapping, re)
    }
}
