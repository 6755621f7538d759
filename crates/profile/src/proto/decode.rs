//! Decoding `profile.proto` bytes into the model, with Go pprof's `postDecode` rules.
//!
//! Two passes over the top-level message: the first reads the string table (which Go's runtime
//! writes last), the scalars and the small messages; the second decodes samples, mappings,
//! locations and functions straight into the model, resolving string indices as it goes, so no
//! intermediate copy of the profile is ever built.
//!
//! One thread decodes. Splitting the second pass over two threads saved under half a second of
//! wall time on the 100 MB benchmark profile but, through the allocator's per-thread arenas, added
//! ~280 MiB (11%) to the peak RSS of `ferroprof -raw` on it (benches/RESULTS.md).
//!
//! What is accepted is exactly what Go 1.19's pprof accepts: fields it does not know (`doc_url`,
//! `Line.column`) are read when well-formed and otherwise ignored, as Go ignores them.

use std::borrow::Cow;

use super::field;
use super::wire::{wire_error, Reader, Value};
use crate::error::{Error, Result};
use crate::limits::{ElementBudget, Limits};
use crate::model::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

/// Decodes an uncompressed protobuf profile.
///
/// Errors: [`Error::Empty`] for no bytes, [`Error::Concatenated`] when `time_nanos` appears twice
/// with a nonzero first value (Go's test for profiles written back to back), [`Error::Limit`]
/// past `limits.max_elements`, and [`Error::Parse`] for anything else that is not a well-formed
/// profile (bad wire data, a string index out of range, `string_table[0]` not empty).
/// A reserved id 0 is [`Error::Malformed`]. References between messages are checked by
/// [`crate::check_valid`], not here.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Profile> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    let mut budget = ElementBudget::new(limits);
    let mut top = TopLevel::scan(bytes, &mut budget)?;
    let strings = StringTable {
        strings: std::mem::take(&mut top.strings),
    };
    let mut p = Profile {
        sample: Vec::with_capacity(top.counts[0]),
        mapping: Vec::with_capacity(top.counts[1]),
        location: Vec::with_capacity(top.counts[2]),
        function: Vec::with_capacity(top.counts[3]),
        ..Profile::default()
    };
    let mut d = Decoder { strings, budget };
    d.messages(bytes, &mut p)?;
    d.scalars(&top, &mut p)?;
    drop_dangling_mappings(&mut p);
    Ok(p)
}

/// The string table, borrowed from the input where it is valid UTF-8.
#[derive(Debug)]
struct StringTable<'a> {
    strings: Vec<Cow<'a, str>>,
}

impl<'a> StringTable<'a> {
    /// The string at `index`, for `field`; out of range is an error, as Go's `getString` makes it.
    #[inline]
    fn get(&self, index: u64, field: &str) -> Result<&str> {
        match self.strings.get(index as usize) {
            Some(s) if index <= usize::MAX as u64 => Ok(s),
            _ => Err(Error::Parse(format!(
                "{field}: string index {} out of range (string_table has {} entries)",
                index as i64,
                self.strings.len()
            ))),
        }
    }

    #[inline]
    fn owned(&self, index: u64, field: &str) -> Result<String> {
        self.get(index, field).map(str::to_owned)
    }
}

/// What the first pass collects: the string table, the top-level scalars as written (string
/// indices unresolved) and how many of each repeated message there are.
#[derive(Debug, Default)]
struct TopLevel<'a> {
    strings: Vec<Cow<'a, str>>,
    /// Counts of samples, mappings, locations and functions.
    counts: [usize; 4],
    sample_type: Vec<(u64, u64)>,
    period_type: Option<(u64, u64)>,
    drop_frames: u64,
    keep_frames: u64,
    time_nanos: i64,
    duration_nanos: i64,
    period: i64,
    comment: Vec<u64>,
    default_sample_type: u64,
    doc_url: u64,
}

impl<'a> TopLevel<'a> {
    fn scan(bytes: &'a [u8], budget: &mut ElementBudget) -> Result<Self> {
        let mut top = TopLevel::default();
        let mut r = Reader::new(bytes);
        while let Some((f, v)) = r.next_field()? {
            match f {
                field::profile::SAMPLE_TYPE => {
                    budget.take(1)?;
                    top.sample_type.push(value_type(v.bytes()?)?);
                }
                field::profile::SAMPLE => top.count(0, v, budget)?,
                field::profile::MAPPING => top.count(1, v, budget)?,
                field::profile::LOCATION => top.count(2, v, budget)?,
                field::profile::FUNCTION => top.count(3, v, budget)?,
                field::profile::STRING_TABLE => top.push_string(v.bytes()?, budget)?,
                field::profile::DROP_FRAMES => top.drop_frames = v.varint()?,
                field::profile::KEEP_FRAMES => top.keep_frames = v.varint()?,
                field::profile::TIME_NANOS => {
                    if top.time_nanos != 0 {
                        return Err(Error::Concatenated);
                    }
                    top.time_nanos = v.varint()? as i64;
                }
                field::profile::DURATION_NANOS => top.duration_nanos = v.varint()? as i64,
                field::profile::PERIOD_TYPE => top.period_type = Some(value_type(v.bytes()?)?),
                field::profile::PERIOD => top.period = v.varint()? as i64,
                field::profile::COMMENT => v.push_varints(&mut top.comment, budget, Ok)?,
                field::profile::DEFAULT_SAMPLE_TYPE => top.default_sample_type = v.varint()?,
                // Newer than Go 1.19, which skips it whatever its wire type.
                field::profile::DOC_URL => {
                    if let Value::Varint(x) = v {
                        top.doc_url = x;
                    }
                }
                _ => {}
            }
        }
        Ok(top)
    }

    fn count(&mut self, which: usize, v: Value<'_>, budget: &mut ElementBudget) -> Result<()> {
        v.bytes()?;
        budget.take(1)?;
        self.counts[which] += 1;
        Ok(())
    }

    fn push_string(&mut self, b: &'a [u8], budget: &mut ElementBudget) -> Result<()> {
        budget.take(1)?;
        if self.strings.is_empty() && !b.is_empty() {
            return Err(wire_error("string_table[0] must be ''"));
        }
        // Go keeps strings as bytes; the model holds UTF-8, so invalid sequences become U+FFFD.
        self.strings.push(match std::str::from_utf8(b) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(b),
        });
        Ok(())
    }
}

/// The (type, unit) string indices of a `ValueType`.
fn value_type(bytes: &[u8]) -> Result<(u64, u64)> {
    let (mut ty, mut unit) = (0, 0);
    let mut r = Reader::new(bytes);
    while let Some((f, v)) = r.next_field()? {
        match f {
            1 => ty = v.varint()?,
            2 => unit = v.varint()?,
            _ => {}
        }
    }
    Ok((ty, unit))
}

#[derive(Debug)]
struct Decoder<'a> {
    strings: StringTable<'a>,
    budget: ElementBudget,
}

impl Decoder<'_> {
    /// The second pass: samples, mappings, locations and functions, in input order.
    fn messages(&mut self, bytes: &[u8], p: &mut Profile) -> Result<()> {
        let mut r = Reader::new(bytes);
        while let Some((f, v)) = r.next_field()? {
            match f {
                field::profile::SAMPLE => {
                    let s = self.sample(v.bytes()?)?;
                    p.sample.push(s);
                }
                field::profile::MAPPING => p.mapping.push(self.mapping(v.bytes()?)?),
                field::profile::LOCATION => {
                    let l = self.location(v.bytes()?)?;
                    p.location.push(l);
                }
                field::profile::FUNCTION => p.function.push(self.function(v.bytes()?)?),
                _ => {}
            }
        }
        Ok(())
    }

    /// Resolves the top-level fields the first pass collected.
    fn scalars(&self, top: &TopLevel<'_>, p: &mut Profile) -> Result<()> {
        let s = &self.strings;
        for &(ty, unit) in &top.sample_type {
            let vt = ValueType {
                r#type: s.owned(ty, "sample_type.type")?,
                unit: s.owned(unit, "sample_type.unit")?,
            };
            p.sample_type.push(vt);
        }
        p.drop_frames = s.owned(top.drop_frames, "drop_frames")?;
        p.keep_frames = s.owned(top.keep_frames, "keep_frames")?;
        // Go gives a profile without period_type an empty one (`postDecode`).
        let (ty, unit) = top.period_type.unwrap_or((0, 0));
        p.period_type = Some(ValueType {
            r#type: s.owned(ty, "period_type.type")?,
            unit: s.owned(unit, "period_type.unit")?,
        });
        for &c in &top.comment {
            p.comments.push(s.owned(c, "comment")?);
        }
        p.default_sample_type = s.owned(top.default_sample_type, "default_sample_type")?;
        // Go 1.19 does not read doc_url, so a bad index in it is no error.
        p.doc_url = s.owned(top.doc_url, "doc_url").unwrap_or_default();
        p.time_nanos = top.time_nanos;
        p.duration_nanos = top.duration_nanos;
        p.period = top.period;
        Ok(())
    }

    fn sample(&mut self, bytes: &[u8]) -> Result<Sample> {
        let mut s = Sample::default();
        let mut r = Reader::new(bytes);
        while let Some((f, v)) = r.next_field()? {
            match f {
                1 => v.push_varints(&mut s.location, &mut self.budget, |id| {
                    LocationId::new(id).ok_or_else(|| {
                        Error::Malformed("sample has nil location (location_id 0)".into())
                    })
                })?,
                2 => v.push_varints(&mut s.value, &mut self.budget, |x| Ok(x as i64))?,
                3 => {
                    self.budget.take(1)?;
                    self.label(v.bytes()?, &mut s)?;
                }
                _ => {}
            }
        }
        Ok(s)
    }

    /// Adds one `Label` to `s` by Go's rules: a nonzero `str` makes a string label; otherwise a
    /// nonzero `num` or `num_unit` makes a numeric one; a label with neither is dropped. Units are
    /// padded with `""` so that each key has one per value, or none at all.
    fn label(&mut self, bytes: &[u8], s: &mut Sample) -> Result<()> {
        let [mut key, mut str, mut num, mut unit] = [0u64; 4];
        let mut r = Reader::new(bytes);
        while let Some((f, v)) = r.next_field()? {
            match f {
                1 => key = v.varint()?,
                2 => str = v.varint()?,
                3 => num = v.varint()?,
                4 => unit = v.varint()?,
                _ => {}
            }
        }
        let key = self.strings.get(key, "label.key")?;
        if str != 0 {
            let value = self.strings.owned(str, "label.str")?;
            s.label.push(key, value);
        } else if num != 0 || unit != 0 {
            let values = s.num_label.get(key).map_or(0, Vec::len);
            if unit != 0 {
                let unit = self.strings.owned(unit, "label.num_unit")?;
                let units = s.num_unit.values_of(key);
                units.resize(values, String::new());
                units.push(unit);
            } else if let Some(units) = s.num_unit.get_mut(key) {
                units.resize(values + 1, String::new());
            }
            s.num_label.push(key, num as i64);
        }
        Ok(())
    }

    fn mapping(&mut self, bytes: &[u8]) -> Result<Mapping> {
        let (mut id, mut filename, mut build_id) = (0, 0, 0);
        let mut m = Mapping::new(MappingId(std::num::NonZeroU64::MIN));
        let mut r = Reader::new(bytes);
        while let Some((f, v)) = r.next_field()? {
            match f {
                1 => id = v.varint()?,
                2 => m.memory_start = v.varint()?,
                3 => m.memory_limit = v.varint()?,
                4 => m.file_offset = v.varint()?,
                5 => filename = v.varint()?,
                6 => build_id = v.varint()?,
                7 => m.has_functions = v.varint()? != 0,
                8 => m.has_filenames = v.varint()? != 0,
                9 => m.has_line_numbers = v.varint()? != 0,
                10 => m.has_inline_frames = v.varint()? != 0,
                _ => {}
            }
        }
        m.id = MappingId::new(id)
            .ok_or_else(|| Error::Malformed("found mapping with reserved ID=0".into()))?;
        m.filename = self.strings.owned(filename, "mapping.filename")?;
        m.build_id = self.strings.owned(build_id, "mapping.build_id")?;
        Ok(m)
    }

    fn location(&mut self, bytes: &[u8]) -> Result<Location> {
        let mut id = 0;
        let mut l = Location::new(LocationId(std::num::NonZeroU64::MIN));
        let mut r = Reader::new(bytes);
        while let Some((f, v)) = r.next_field()? {
            match f {
                1 => id = v.varint()?,
                2 => l.mapping_id = MappingId::new(v.varint()?),
                3 => l.address = v.varint()?,
                4 => {
                    self.budget.take(1)?;
                    l.line.push(line(v.bytes()?)?);
                }
                5 => l.is_folded = v.varint()? != 0,
                _ => {}
            }
        }
        l.id = LocationId::new(id)
            .ok_or_else(|| Error::Malformed("found location with reserved id=0".into()))?;
        Ok(l)
    }

    fn function(&mut self, bytes: &[u8]) -> Result<Function> {
        let (mut id, mut name, mut system_name, mut filename, mut start_line) = (0, 0, 0, 0, 0);
        let mut r = Reader::new(bytes);
        while let Some((f, v)) = r.next_field()? {
            match f {
                1 => id = v.varint()?,
                2 => name = v.varint()?,
                3 => system_name = v.varint()?,
                4 => filename = v.varint()?,
                5 => start_line = v.varint()? as i64,
                _ => {}
            }
        }
        Ok(Function {
            id: FunctionId::new(id)
                .ok_or_else(|| Error::Malformed("found function with reserved ID=0".into()))?,
            name: self.strings.owned(name, "function.name")?,
            system_name: self.strings.owned(system_name, "function.system_name")?,
            filename: self.strings.owned(filename, "function.filename")?,
            start_line,
        })
    }
}

fn line(bytes: &[u8]) -> Result<Line> {
    let mut l = Line {
        function_id: None,
        line: 0,
        column: 0,
    };
    let mut r = Reader::new(bytes);
    while let Some((f, v)) = r.next_field()? {
        match f {
            1 => l.function_id = FunctionId::new(v.varint()?),
            2 => l.line = v.varint()? as i64,
            // Newer than Go 1.19, which skips it whatever its wire type.
            3 => {
                if let Value::Varint(c) = v {
                    l.column = c as i64;
                }
            }
            _ => {}
        }
    }
    Ok(l)
}

/// A location whose mapping id names no mapping has no mapping, as in Go's `postDecode`.
fn drop_dangling_mappings(p: &mut Profile) {
    let mut ids: Vec<u64> = p.mapping.iter().map(|m| m.id.get()).collect();
    ids.sort_unstable();
    for l in &mut p.location {
        if let Some(m) = l.mapping_id {
            if ids.binary_search(&m.get()).is_err() {
                l.mapping_id = None;
            }
        }
    }
}
