//! The profile the legacy parsers build before ids exist: locations, functions and mappings are
//! referred to by position, as Go's parsers refer to them by pointer, and get their ids when the
//! parsers renumber them (`remapLocationIDs`, `remapFunctionIDs`, `remapMappingIDs`).

use std::collections::HashMap;
use std::num::NonZeroU64;

use crate::label_map::LabelMap;
use crate::model::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

/// A sample of a legacy profile.
#[derive(Debug)]
pub(crate) struct LegacySample {
    /// Positions in [`LegacyProfile::locations`], leaf first.
    pub(crate) locations: Vec<usize>,
    /// One value per sample type.
    pub(crate) value: Vec<i64>,
    /// The numeric label `bytes` (the block size of heap profiles).
    pub(crate) block_bytes: Option<i64>,
}

/// A location of a legacy profile.
#[derive(Debug)]
pub(crate) struct LegacyLocation {
    pub(crate) address: u64,
    /// Position in [`LegacyProfile::mappings`], set by
    /// [`assign_mappings`](super::memory_map::assign_mappings).
    pub(crate) mapping: Option<usize>,
    /// Position in [`LegacyProfile::functions`] and line number (Java profiles only).
    pub(crate) line: Option<(usize, i64)>,
}

/// A function of a legacy profile (Java profiles only).
#[derive(Debug)]
pub(crate) struct LegacyFunction {
    pub(crate) name: String,
    pub(crate) filename: String,
}

/// A mapping of a legacy profile, from its memory map section.
#[derive(Debug, Clone, Default)]
pub(crate) struct LegacyMapping {
    pub(crate) start: u64,
    pub(crate) limit: u64,
    pub(crate) offset: u64,
    pub(crate) file: String,
    pub(crate) build_id: String,
}

/// A legacy profile under construction.
#[derive(Debug, Default)]
pub(crate) struct LegacyProfile {
    pub(crate) sample_type: Vec<ValueType>,
    pub(crate) period_type: Option<ValueType>,
    pub(crate) period: i64,
    pub(crate) duration_nanos: i64,
    pub(crate) samples: Vec<LegacySample>,
    pub(crate) locations: Vec<LegacyLocation>,
    pub(crate) functions: Vec<LegacyFunction>,
    pub(crate) mappings: Vec<LegacyMapping>,
    /// Location positions by address, while the samples are read.
    by_address: HashMap<u64, usize>,
}

impl LegacyProfile {
    /// An empty profile with these sample types and period.
    pub(crate) fn new(sample_type: Vec<ValueType>, period_type: ValueType, period: i64) -> Self {
        LegacyProfile {
            sample_type,
            period_type: Some(period_type),
            period,
            ..LegacyProfile::default()
        }
    }

    /// The position of the location at `address`, created on first use.
    pub(crate) fn location_at(&mut self, address: u64) -> usize {
        let next = self.locations.len();
        *self.by_address.entry(address).or_insert_with(|| {
            self.locations.push(LegacyLocation {
                address,
                mapping: None,
                line: None,
            });
            next
        })
    }

    /// The position of the location that was created for `address`, if any.
    pub(crate) fn existing_location(&self, address: u64) -> Option<usize> {
        self.by_address.get(&address).copied()
    }

    /// Locations for a stack of return addresses: each but the first `exact` ones is moved back
    /// by one byte onto its call instruction.
    pub(crate) fn stack(&mut self, addrs: &[u64], exact: usize) -> Vec<usize> {
        let mut stack = Vec::with_capacity(addrs.len());
        for (i, &addr) in addrs.iter().enumerate() {
            let addr = if i < exact {
                addr
            } else {
                addr.wrapping_sub(1)
            };
            stack.push(self.location_at(addr));
        }
        stack
    }

    /// Appends a sample.
    pub(crate) fn push_sample(&mut self, locations: Vec<usize>, value: Vec<i64>) {
        self.samples.push(LegacySample {
            locations,
            value,
            block_bytes: None,
        });
    }

    /// Keeps only the locations samples use, numbered in the order samples first use them
    /// (`remapLocationIDs`).
    pub(crate) fn renumber_locations(&mut self) {
        let mut new_pos: Vec<Option<usize>> = vec![None; self.locations.len()];
        let mut order = Vec::new();
        for sample in &mut self.samples {
            for loc in &mut sample.locations {
                let pos = *new_pos[*loc].get_or_insert_with(|| {
                    order.push(*loc);
                    order.len() - 1
                });
                *loc = pos;
            }
        }
        let mut old: Vec<Option<LegacyLocation>> = std::mem::take(&mut self.locations)
            .into_iter()
            .map(Some)
            .collect();
        self.locations = order
            .into_iter()
            .filter_map(|pos| old[pos].take())
            .collect();
        self.by_address.clear();
    }

    /// Keeps only the functions locations use, numbered in the order locations first use them
    /// (`remapFunctionIDs`).
    pub(crate) fn renumber_functions(&mut self) {
        let mut new_pos: Vec<Option<usize>> = vec![None; self.functions.len()];
        let mut order = Vec::new();
        for loc in &mut self.locations {
            if let Some((func, _)) = &mut loc.line {
                let pos = *new_pos[*func].get_or_insert_with(|| {
                    order.push(*func);
                    order.len() - 1
                });
                *func = pos;
            }
        }
        let mut old: Vec<Option<LegacyFunction>> = std::mem::take(&mut self.functions)
            .into_iter()
            .map(Some)
            .collect();
        self.functions = order
            .into_iter()
            .filter_map(|pos| old[pos].take())
            .collect();
    }

    /// Removes a leaf frame duplicated by the profiler (once from the signal context, once from
    /// unwinding, the latter moved back by one byte) (`cleanupDuplicateLocations`).
    pub(crate) fn drop_duplicate_leaves(&mut self) {
        for sample in &mut self.samples {
            if let [leaf, caller, ..] = sample.locations[..] {
                let caller_address = self.locations[caller].address;
                if self.locations[leaf].address == caller_address.wrapping_add(1) {
                    sample.locations.remove(1);
                }
            }
        }
    }

    /// The finished profile: ids are positions plus one.
    pub(crate) fn into_profile(self) -> Profile {
        let samples = self.samples.into_iter().map(|s| {
            let mut sample = Sample {
                location: s
                    .locations
                    .into_iter()
                    .map(|pos| LocationId(id(pos)))
                    .collect(),
                value: s.value,
                ..Sample::default()
            };
            if let Some(bytes) = s.block_bytes {
                sample.num_label = LabelMap::from([("bytes".to_string(), vec![bytes])]);
            }
            sample
        });
        let locations = self
            .locations
            .into_iter()
            .enumerate()
            .map(|(pos, l)| Location {
                mapping_id: l.mapping.map(|m| MappingId(id(m))),
                address: l.address,
                line: l
                    .line
                    .map(|(func, line)| Line {
                        function_id: Some(FunctionId(id(func))),
                        line,
                        column: 0,
                    })
                    .into_iter()
                    .collect(),
                ..Location::new(LocationId(id(pos)))
            });
        let functions = self
            .functions
            .into_iter()
            .enumerate()
            .map(|(pos, f)| Function {
                system_name: f.name.clone(),
                name: f.name,
                filename: f.filename,
                ..Function::new(FunctionId(id(pos)))
            });
        let mappings = self
            .mappings
            .into_iter()
            .enumerate()
            .map(|(pos, m)| Mapping {
                memory_start: m.start,
                memory_limit: m.limit,
                file_offset: m.offset,
                filename: m.file,
                build_id: m.build_id,
                ..Mapping::new(MappingId(id(pos)))
            });
        Profile {
            sample_type: self.sample_type,
            sample: samples.collect(),
            mapping: mappings.collect(),
            location: locations.collect(),
            function: functions.collect(),
            duration_nanos: self.duration_nanos,
            period_type: self.period_type,
            period: self.period,
            ..Profile::default()
        }
    }
}

/// The id of the element at position `pos`.
fn id(pos: usize) -> NonZeroU64 {
    NonZeroU64::MIN.saturating_add(pos as u64)
}
