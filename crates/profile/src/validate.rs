//! Go pprof's `CheckValid`: the invariants every parsed profile must hold before anything
//! downstream trusts its references.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::index::ProfileIndex;
use crate::model::Profile;

/// Checks `p` as Go's `Profile.CheckValid` does, in the same order: sample types exist when there
/// are samples; each sample has one value per sample type and only known locations; mapping,
/// function and location ids are unique; each location's mapping exists; each line names a known
/// function. The error ([`Error::Malformed`]) names the offending field and id.
pub fn check_valid(p: &Profile) -> Result<()> {
    let types = p.sample_type.len();
    if types == 0 && !p.sample.is_empty() {
        return Err(malformed("missing sample type information".to_string()));
    }
    let index = ProfileIndex::new(p);
    for s in &p.sample {
        if s.value.len() != types {
            return Err(malformed(format!(
                "mismatch: sample has {} values vs. {} types",
                s.value.len(),
                types
            )));
        }
        if let Some(id) = s
            .location
            .iter()
            .find(|&&id| index.location_pos(id).is_none())
        {
            return Err(malformed(format!(
                "sample has nil location: location_id {} not found",
                id.get()
            )));
        }
    }
    if let Some(id) = first_duplicate(p.mapping.iter().map(|m| m.id.get())) {
        return Err(malformed(format!("multiple mappings with same id: {id}")));
    }
    if let Some(id) = first_duplicate(p.function.iter().map(|f| f.id.get())) {
        return Err(malformed(format!("multiple functions with same id: {id}")));
    }
    if let Some(id) = first_duplicate(p.location.iter().map(|l| l.id.get())) {
        return Err(malformed(format!("multiple locations with same id: {id}")));
    }
    for l in &p.location {
        if let Some(m) = l.mapping_id {
            if index.mapping_pos(m).is_none() {
                return Err(malformed(format!(
                    "inconsistent mapping: location id {} has mapping_id {} not found",
                    l.id.get(),
                    m.get()
                )));
            }
        }
        if l.line
            .iter()
            .any(|ln| ln.function_id.and_then(|f| index.function_pos(f)).is_none())
        {
            return Err(malformed(format!(
                "location id: {} has a line with nil function",
                l.id.get()
            )));
        }
    }
    Ok(())
}

fn malformed(msg: String) -> Error {
    Error::Malformed(msg)
}

/// The first id (in order) seen before. Ids are usually 1..=n, so a bitmap serves; sparse ids,
/// which could be as large as 2^64, use a hash set instead so no allocation follows an id.
fn first_duplicate(ids: impl ExactSizeIterator<Item = u64> + Clone) -> Option<u64> {
    let dense_max = (ids.len() as u64).saturating_mul(4).max(64);
    if ids.clone().all(|id| id <= dense_max) {
        let mut seen = vec![false; dense_max as usize + 1];
        ids.into_iter()
            .find(|&id| std::mem::replace(&mut seen[id as usize], true))
    } else {
        let mut seen = HashSet::with_capacity(ids.len());
        ids.into_iter().find(|&id| !seen.insert(id))
    }
}
