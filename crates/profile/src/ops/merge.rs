//! `profile.Merge` and `Profile.Compact`: one profile from several, with mappings, locations,
//! functions and samples deduplicated by key and numbered in first-use order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU64;

use crate::error::{Error, Result};
use crate::index::ProfileIndex;
use crate::model::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

/// Merges `profiles` into a new profile, as `go tool pprof` does with several sources.
///
/// All profiles must have the period type and sample types of the first (else
/// [`Error::Incompatible`], worded as Go words it). The result keeps the first profile's sample
/// types, drop/keep frames and period type; its time is combined with Go's rule (the smallest,
/// except that a zero seen first is replaced), durations add up, the period is the largest, the
/// first non-empty default sample type is kept and comments are concatenated without repeats.
///
/// Samples whose values are all zero are dropped; samples with the same stack and labels add up,
/// and any sum that comes to zero is dropped too. Mappings are identified by size (rounded up to
/// 4 KiB), offset and build id (else file name); locations by mapping, mapping-relative address,
/// lines (function and line number) and folding; functions by name, system name, file and start
/// line. Ids are renumbered 1, 2, … in first-use order: the first profile's first mapping comes
/// first, then everything in the order samples reach it. Ids a profile references but does not
/// define are treated as absent.
pub fn merge(profiles: &[&Profile]) -> Result<Profile> {
    let Some((first, rest)) = profiles.split_first() else {
        return Err(Error::InvalidArgument("no profiles to merge".to_string()));
    };
    for p in rest {
        check_compatible(first, p)?;
    }
    Ok(merge_unchecked(profiles))
}

/// A copy of `profile` without the zero samples and the mappings, locations and functions no
/// sample uses, renumbered in first-use order (`Profile.Compact`, a merge of one profile).
pub fn compact(profile: &Profile) -> Profile {
    merge_unchecked(&[profile])
}

/// Merges profiles already known to be compatible (and at least one).
fn merge_unchecked(profiles: &[&Profile]) -> Profile {
    let merged = merge_once(profiles, combine_headers(profiles));
    if merged.sample.iter().any(is_zero_sample) {
        // Sums that cancelled out: merging again drops them and what only they referenced.
        return merge_once(&[&merged], combine_headers(&[&merged]));
    }
    merged
}

/// Checks that two profiles can be merged or compared: same period type, same sample types in
/// the same order. The error texts are Go's (`incompatible period types …`,
/// `incompatible sample types …`).
pub fn check_compatible(a: &Profile, b: &Profile) -> Result<()> {
    let none = ValueType::default();
    let (pa, pb) = (
        a.period_type.as_ref().unwrap_or(&none),
        b.period_type.as_ref().unwrap_or(&none),
    );
    if pa != pb {
        return Err(Error::Incompatible(format!(
            "incompatible period types {} and {}",
            show_value_type(pa),
            show_value_type(pb)
        )));
    }
    if a.sample_type != b.sample_type {
        let list = |types: &[ValueType]| {
            let shown: Vec<String> = types.iter().map(show_value_type).collect();
            format!("[{}]", shown.join(" "))
        };
        return Err(Error::Incompatible(format!(
            "incompatible sample types {} and {}",
            list(&a.sample_type),
            list(&b.sample_type)
        )));
    }
    Ok(())
}

/// A value type as Go's `%v` shows the struct, without its string-table indices.
fn show_value_type(vt: &ValueType) -> String {
    format!("&{{{} {}}}", vt.r#type, vt.unit)
}

/// Whether every value of the sample is zero (true for a sample with no values).
fn is_zero_sample(s: &Sample) -> bool {
    s.value.iter().all(|&v| v == 0)
}

/// The merged profile's header fields; no samples, mappings, locations or functions yet.
fn combine_headers(profiles: &[&Profile]) -> Profile {
    let first = profiles[0];
    let mut out = Profile {
        sample_type: first.sample_type.clone(),
        drop_frames: first.drop_frames.clone(),
        keep_frames: first.keep_frames.clone(),
        period_type: first.period_type.clone(),
        ..Profile::default()
    };
    let mut seen_comments = HashSet::new();
    for p in profiles {
        if out.time_nanos == 0 || p.time_nanos < out.time_nanos {
            out.time_nanos = p.time_nanos;
        }
        out.duration_nanos = out.duration_nanos.wrapping_add(p.duration_nanos);
        if out.period == 0 || out.period < p.period {
            out.period = p.period;
        }
        for c in &p.comments {
            if seen_comments.insert(c.as_str()) {
                out.comments.push(c.clone());
            }
        }
        if out.default_sample_type.is_empty() {
            out.default_sample_type = p.default_sample_type.clone();
        }
        if out.doc_url.is_empty() {
            out.doc_url = p.doc_url.clone();
        }
    }
    out
}

/// What identifies a mapping across profiles: size rounded up to 4 KiB, file offset, and the
/// build id, else the file name, else nothing (all anonymous mappings of a size are one).
#[derive(PartialEq, Eq, Hash)]
struct MappingKey {
    size: u64,
    offset: u64,
    build_id_or_file: String,
}

impl MappingKey {
    fn of(m: &Mapping) -> Self {
        const ROUNDING: u64 = 0x1000;
        let size = m
            .memory_limit
            .wrapping_sub(m.memory_start)
            .wrapping_add(ROUNDING - 1);
        let name = if !m.build_id.is_empty() {
            &m.build_id
        } else {
            &m.filename
        };
        MappingKey {
            size: size - size % ROUNDING,
            offset: m.file_offset,
            build_id_or_file: name.clone(),
        }
    }
}

/// What identifies a location: mapping-relative address, merged mapping id, lines, folding.
#[derive(PartialEq, Eq, Hash)]
struct LocationKey {
    address: u64,
    mapping: u64,
    lines: Vec<(u64, i64)>,
    is_folded: bool,
}

/// What identifies a function: start line and the three names.
#[derive(PartialEq, Eq, Hash)]
struct FunctionKey {
    start_line: i64,
    name: String,
    system_name: String,
    filename: String,
}

/// The state of one merge: the output and the dedup tables, plus per-source id translations.
struct Merger {
    out: Profile,
    /// Sample key hash → position of the last merged sample with that hash; `same_hash` chains
    /// to the earlier ones (one entry per merged sample, `usize::MAX` ends a chain).
    samples: HashMap<u64, usize>,
    same_hash: Vec<usize>,
    hasher: RandomState,
    locations: HashMap<LocationKey, LocationId>,
    functions: HashMap<FunctionKey, FunctionId>,
    mappings: HashMap<MappingKey, usize>,
    src_locations: HashMap<LocationId, Option<LocationId>>,
    src_functions: HashMap<FunctionId, FunctionId>,
    /// Source mapping id → (position of the merged mapping, address shift).
    src_mappings: HashMap<MappingId, (usize, u64)>,
}

/// One pass of Go's merger over `profiles`, writing into `out` (already holding the headers).
fn merge_once(profiles: &[&Profile], out: Profile) -> Profile {
    let mut m = Merger {
        out,
        samples: HashMap::new(),
        same_hash: Vec::new(),
        hasher: RandomState::new(),
        locations: HashMap::new(),
        functions: HashMap::new(),
        mappings: HashMap::new(),
        src_locations: HashMap::new(),
        src_functions: HashMap::new(),
        src_mappings: HashMap::new(),
    };
    for src in profiles {
        let index = ProfileIndex::new(src);
        m.src_locations.clear();
        m.src_functions.clear();
        m.src_mappings.clear();
        if m.mappings.is_empty() {
            if let Some(main) = src.mapping.first() {
                m.map_mapping(main);
            }
        }
        for s in src.sample.iter().filter(|s| !is_zero_sample(s)) {
            m.map_sample(src, &index, s);
        }
    }
    m.out
}

impl Merger {
    fn map_sample(&mut self, src: &Profile, index: &ProfileIndex, s: &Sample) {
        let mut stack = Vec::with_capacity(s.location.len());
        for &id in &s.location {
            if let Some(new_id) = self.map_location(src, index, id) {
                stack.push(new_id);
            }
        }
        let mut num_unit = BTreeMap::new();
        for (k, units) in &s.num_unit {
            if s.num_label.contains_key(k) && !units.is_empty() {
                num_unit.insert(k.clone(), units.clone());
            }
        }
        let mut sample = Sample {
            location: stack,
            value: Vec::new(),
            label: BTreeMap::new(),
            num_label: BTreeMap::new(),
            num_unit,
        };
        // What identifies a sample: merged stack, string labels, numeric labels with their units
        // (num_unit holds exactly the keys of num_label that have units). Only the key's hash is
        // kept; a hit is confirmed against the merged sample, so no second copy of each stack and
        // label set is held, and labels are cloned only for a new sample.
        let hash =
            self.hasher
                .hash_one((&sample.location, &s.label, &s.num_label, &sample.num_unit));
        let head = self.samples.get(&hash).copied().unwrap_or(usize::MAX);
        let mut pos = head;
        while pos != usize::MAX {
            let m = &self.out.sample[pos];
            if m.location == sample.location
                && m.label == s.label
                && m.num_label == s.num_label
                && m.num_unit == sample.num_unit
            {
                for (acc, v) in self.out.sample[pos].value.iter_mut().zip(&s.value) {
                    *acc = acc.wrapping_add(*v);
                }
                return;
            }
            pos = self.same_hash[pos];
        }
        sample.value = s.value.clone();
        sample.label = s.label.clone();
        sample.num_label = s.num_label.clone();
        self.samples.insert(hash, self.out.sample.len());
        self.same_hash.push(head);
        self.out.sample.push(sample);
    }

    fn map_location(
        &mut self,
        src: &Profile,
        index: &ProfileIndex,
        id: LocationId,
    ) -> Option<LocationId> {
        if let Some(&known) = self.src_locations.get(&id) {
            return known;
        }
        let Some(loc) = index.location(src, id) else {
            self.src_locations.insert(id, None);
            return None;
        };
        let mapping = loc.mapping_id.and_then(|mid| {
            let m = index.mapping(src, mid)?;
            Some(self.map_mapping(m))
        });
        let lines: Vec<Line> = loc
            .line
            .iter()
            .map(|ln| Line {
                function_id: ln
                    .function_id
                    .and_then(|f| self.map_function(src, index, f)),
                line: ln.line,
                column: ln.column,
            })
            .collect();
        let (mapping_id, address, key_address) = match mapping {
            Some((pos, shift)) => {
                let mm = &self.out.mapping[pos];
                let address = loc.address.wrapping_add(shift);
                (Some(mm.id), address, address.wrapping_sub(mm.memory_start))
            }
            None => (None, loc.address, loc.address),
        };
        let key = LocationKey {
            address: key_address,
            mapping: mapping_id.map_or(0, MappingId::get),
            lines: lines
                .iter()
                .map(|l| (l.function_id.map_or(0, FunctionId::get), l.line))
                .collect(),
            is_folded: loc.is_folded,
        };
        if let Some(&existing) = self.locations.get(&key) {
            self.src_locations.insert(id, Some(existing));
            return Some(existing);
        }
        let new_id = LocationId(next_id(self.out.location.len()));
        self.out.location.push(Location {
            id: new_id,
            mapping_id,
            address,
            line: lines,
            is_folded: loc.is_folded,
        });
        self.locations.insert(key, new_id);
        self.src_locations.insert(id, Some(new_id));
        Some(new_id)
    }

    /// The merged mapping's position for `src` and the shift from its addresses to the merged
    /// mapping's.
    fn map_mapping(&mut self, src: &Mapping) -> (usize, u64) {
        if let Some(&known) = self.src_mappings.get(&src.id) {
            return known;
        }
        let key = MappingKey::of(src);
        if let Some(&pos) = self.mappings.get(&key) {
            let info = (
                pos,
                self.out.mapping[pos]
                    .memory_start
                    .wrapping_sub(src.memory_start),
            );
            self.src_mappings.insert(src.id, info);
            return info;
        }
        let pos = self.out.mapping.len();
        let id = MappingId(next_id(pos));
        self.out.mapping.push(Mapping { id, ..src.clone() });
        self.mappings.insert(key, pos);
        self.src_mappings.insert(src.id, (pos, 0));
        (pos, 0)
    }

    fn map_function(
        &mut self,
        src: &Profile,
        index: &ProfileIndex,
        id: FunctionId,
    ) -> Option<FunctionId> {
        if let Some(&known) = self.src_functions.get(&id) {
            return Some(known);
        }
        let f = index.function(src, id)?;
        let key = FunctionKey {
            start_line: f.start_line,
            name: f.name.clone(),
            system_name: f.system_name.clone(),
            filename: f.filename.clone(),
        };
        if let Some(&existing) = self.functions.get(&key) {
            self.src_functions.insert(id, existing);
            return Some(existing);
        }
        let new_id = FunctionId(next_id(self.out.function.len()));
        self.out.function.push(Function {
            id: new_id,
            ..f.clone()
        });
        self.functions.insert(key, new_id);
        self.src_functions.insert(id, new_id);
        Some(new_id)
    }
}

/// The id given to the element appended after `count` others: `count + 1`.
fn next_id(count: usize) -> NonZeroU64 {
    NonZeroU64::MIN.saturating_add(count as u64)
}
