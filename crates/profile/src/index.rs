//! Id → position lookups, built once per profile so that samples and lines can be followed to
//! their locations and functions without a search.

use std::collections::HashMap;

use crate::hash::{input_hasher, InputHasher};

use crate::model::{Function, FunctionId, Location, LocationId, Mapping, MappingId, Profile};

/// Ids up to this many times the element count use a dense table; larger (sparse) ids use a hash
/// map, so that no allocation is ever sized by an id read from input (RELIABILITY.md P6).
const DENSE_FACTOR: u64 = 4;

#[derive(Debug)]
enum Positions {
    Dense(Vec<u32>),
    Sparse(HashMap<u64, u32, InputHasher>),
}

impl Positions {
    fn build(ids: impl ExactSizeIterator<Item = u64> + Clone) -> Self {
        let len = ids.len() as u64;
        let max = ids.clone().max().unwrap_or(0);
        if max <= len.saturating_mul(DENSE_FACTOR).max(16) {
            let mut table = vec![u32::MAX; max as usize + 1];
            for (pos, id) in ids.enumerate() {
                table[id as usize] = pos as u32;
            }
            Positions::Dense(table)
        } else {
            let mut map = HashMap::with_capacity_and_hasher(ids.len(), input_hasher());
            map.extend(ids.enumerate().map(|(pos, id)| (id, pos as u32)));
            Positions::Sparse(map)
        }
    }

    fn get(&self, id: u64) -> Option<usize> {
        let pos = match self {
            Positions::Dense(table) => *table.get(id as usize)?,
            Positions::Sparse(map) => *map.get(&id)?,
        };
        (pos != u32::MAX).then_some(pos as usize)
    }
}

/// Positions of every location, function and mapping of one profile, by id.
///
/// Built by [`ProfileIndex::new`]; valid as long as the profile's vectors are not changed.
#[derive(Debug)]
pub struct ProfileIndex {
    locations: Positions,
    functions: Positions,
    mappings: Positions,
}

impl ProfileIndex {
    /// Indexes `profile`. With duplicate ids (an invalid profile) the last one wins.
    pub fn new(profile: &Profile) -> Self {
        ProfileIndex {
            locations: Positions::build(profile.location.iter().map(|l| l.id.get())),
            functions: Positions::build(profile.function.iter().map(|f| f.id.get())),
            mappings: Positions::build(profile.mapping.iter().map(|m| m.id.get())),
        }
    }

    /// The position in `profile.location` of the location with this id.
    pub fn location_pos(&self, id: LocationId) -> Option<usize> {
        self.locations.get(id.get())
    }

    /// The position in `profile.function` of the function with this id.
    pub fn function_pos(&self, id: FunctionId) -> Option<usize> {
        self.functions.get(id.get())
    }

    /// The position in `profile.mapping` of the mapping with this id.
    pub fn mapping_pos(&self, id: MappingId) -> Option<usize> {
        self.mappings.get(id.get())
    }

    /// The location with this id.
    pub fn location<'p>(&self, profile: &'p Profile, id: LocationId) -> Option<&'p Location> {
        profile.location.get(self.location_pos(id)?)
    }

    /// The function with this id.
    pub fn function<'p>(&self, profile: &'p Profile, id: FunctionId) -> Option<&'p Function> {
        profile.function.get(self.function_pos(id)?)
    }

    /// The mapping with this id.
    pub fn mapping<'p>(&self, profile: &'p Profile, id: MappingId) -> Option<&'p Mapping> {
        profile.mapping.get(self.mapping_pos(id)?)
    }
}
