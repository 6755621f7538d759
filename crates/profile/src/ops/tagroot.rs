//! `-tagroot` and `-tagleaf`: pseudo-frames named after label values, added to every stack at
//! the root or the leaf (pprof's `tagroot.go`).

use std::collections::HashMap;
use std::num::NonZeroU64;

use crate::model::{Function, FunctionId, Line, Location, LocationId, Profile, Sample};

use super::units;

/// Adds, for each sample, one location per key of `root_keys` above its root (the first key
/// outermost) and one per key of `leaf_keys` below its leaf (the last key innermost).
///
/// Each pseudo-frame's function is named by the sample's values for that key — string labels,
/// then numeric labels formatted in `output_unit` (as `-unit` gives it) — joined with `,` (empty
/// when the sample has none), with the key as file name. Equal (name, key) pairs share one new
/// location and function, numbered after the profile's largest ids. Returns whether any sample
/// had a value for a root key and whether any had one for a leaf key.
pub fn add_label_nodes(
    profile: &mut Profile,
    root_keys: &[String],
    leaf_keys: &[String],
    output_unit: &str,
) -> (bool, bool) {
    let mut pseudo = PseudoFrames {
        last_location: profile
            .location
            .iter()
            .map(|l| l.id.get())
            .max()
            .unwrap_or(0),
        last_function: profile
            .function
            .iter()
            .map(|f| f.id.get())
            .max()
            .unwrap_or(0),
        interned: HashMap::new(),
        locations: Vec::new(),
        functions: Vec::new(),
    };
    let (mut root_matched, mut leaf_matched) = (false, false);
    for s in &mut profile.sample {
        let (roots, r) = pseudo.frames_for(s, root_keys, output_unit);
        let (leaves, l) = pseudo.frames_for(s, leaf_keys, output_unit);
        root_matched |= r;
        leaf_matched |= l;
        if roots.is_empty() && leaves.is_empty() {
            continue;
        }
        let mut stack = leaves;
        stack.append(&mut s.location);
        stack.extend(roots);
        s.location = stack;
    }
    profile.location.append(&mut pseudo.locations);
    profile.function.append(&mut pseudo.functions);
    (root_matched, leaf_matched)
}

/// The pseudo locations and functions made so far, by (function name, key), and the last ids
/// given out.
struct PseudoFrames {
    last_location: u64,
    last_function: u64,
    interned: HashMap<(String, String), LocationId>,
    locations: Vec<Location>,
    functions: Vec<Function>,
}

impl PseudoFrames {
    /// The pseudo-frames for `keys` on one sample, leaf first, and whether any key had values.
    fn frames_for(&mut self, s: &Sample, keys: &[String], unit: &str) -> (Vec<LocationId>, bool) {
        let mut frames = Vec::with_capacity(keys.len());
        let mut matched = false;
        for key in keys.iter().rev() {
            let values = label_values(s, key, unit);
            matched |= !values.is_empty();
            frames.push(self.intern(values.join(","), key.clone()));
        }
        (frames, matched)
    }

    fn intern(&mut self, name: String, key: String) -> LocationId {
        if let Some(&id) = self.interned.get(&(name.clone(), key.clone())) {
            return id;
        }
        let function_id = FunctionId(NonZeroU64::MIN.saturating_add(self.last_function));
        let location_id = LocationId(NonZeroU64::MIN.saturating_add(self.last_location));
        self.last_function = function_id.get();
        self.last_location = location_id.get();
        let mut function = Function::new(function_id);
        function.name = name.clone();
        function.filename = key.clone();
        let mut location = Location::new(location_id);
        location.line.push(Line {
            function_id: Some(function_id),
            line: 0,
            column: 0,
        });
        self.functions.push(function);
        self.locations.push(location);
        self.interned.insert((name, key), location_id);
        location_id
    }
}

/// The sample's values for `key`: its string labels, then its numeric labels scaled to `unit`
/// (numeric labels are left out when their unit list does not match their values).
fn label_values(s: &Sample, key: &str, unit: &str) -> Vec<String> {
    let mut values: Vec<String> = s.label.get(key).cloned().unwrap_or_default();
    let nums = s.num_label.get(key).map_or(&[][..], Vec::as_slice);
    let num_units = s.num_unit.get(key).map_or(&[][..], Vec::as_slice);
    if !num_units.is_empty() && num_units.len() != nums.len() {
        return values;
    }
    for (i, &n) in nums.iter().enumerate() {
        values.push(match num_units.get(i) {
            Some(from) => units::scaled_label(n, from, unit),
            None => units::scaled_label(n, "", ""),
        });
    }
    values
}
