//! Sample labels: `SetLabel`/`RemoveLabel` (the `-diff_base` marking), `HasLabel`,
//! `DiffBaseSample`, and the units of numeric labels (`NumLabelUnits`).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Profile, Sample};

/// The label key `-diff_base` puts on every base sample, with the value [`DIFF_BASE_VALUE`].
pub const DIFF_BASE_KEY: &str = "pprof::base";
/// The value of [`DIFF_BASE_KEY`] on base samples.
pub const DIFF_BASE_VALUE: &str = "true";

/// Sets string label `key` to `values` on every sample, replacing what it held.
pub fn set_label(profile: &mut Profile, key: &str, values: &[String]) {
    for s in &mut profile.sample {
        s.label.insert(key.to_string(), values.to_vec());
    }
}

/// Removes string label `key` from every sample.
pub fn remove_label(profile: &mut Profile, key: &str) {
    for s in &mut profile.sample {
        s.label.remove(key);
    }
}

/// Whether string label `key` of the sample has `value` among its values.
pub fn has_label(sample: &Sample, key: &str, value: &str) -> bool {
    sample
        .label
        .get(key)
        .is_some_and(|vs| vs.iter().any(|v| v == value))
}

/// Whether the sample came from a `-diff_base` profile (`pprof::base=true`).
pub fn is_diff_base_sample(sample: &Sample) -> bool {
    has_label(sample, DIFF_BASE_KEY, DIFF_BASE_VALUE)
}

/// Whether any sample came from a `-diff_base` profile; reports then take their total from the
/// base samples only.
pub fn has_diff_base_samples(profile: &Profile) -> bool {
    profile.sample.iter().any(is_diff_base_sample)
}

/// The unit of each numeric label key, as `Profile.NumLabelUnits` works it out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NumLabelUnits {
    /// Key → its unit: the first non-empty unit met in sample order, else `bytes` for the keys
    /// `alignment` and `request`, else the key itself.
    pub units: BTreeMap<String, String>,
    /// Key → the other units met for it, sorted; only keys with conflicting units appear.
    pub ignored: BTreeMap<String, Vec<String>>,
}

impl NumLabelUnits {
    /// The unit of numeric label `key`, or `""` for a key no sample has.
    pub fn unit(&self, key: &str) -> &str {
        self.units.get(key).map_or("", String::as_str)
    }

    /// The warnings `go tool pprof` prints on standard error for keys with several units, one per
    /// key in key order: `For tag K used unit U, also encountered unit(s) V, W`.
    pub fn warnings(&self) -> Vec<String> {
        self.ignored
            .iter()
            .map(|(key, others)| {
                format!(
                    "For tag {key} used unit {}, also encountered unit(s) {}",
                    self.unit(key),
                    others.join(", ")
                )
            })
            .collect()
    }
}

/// Works out the unit of every numeric label key (`Profile.NumLabelUnits`).
pub fn num_label_units(profile: &Profile) -> NumLabelUnits {
    let mut units: BTreeMap<String, String> = BTreeMap::new();
    let mut ignored: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    for s in &profile.sample {
        for key in s.num_label.keys() {
            keys.insert(key);
            let Some(key_units) = s.num_unit.get(key) else {
                continue;
            };
            for unit in key_units.iter().filter(|u| !u.is_empty()) {
                match units.get(key) {
                    None => {
                        units.insert(key.clone(), unit.clone());
                    }
                    Some(chosen) if chosen != unit => {
                        ignored.entry(key.clone()).or_default().insert(unit.clone());
                    }
                    Some(_) => {}
                }
            }
        }
    }
    for key in keys {
        if !units.contains_key(key) {
            let unit = match key {
                "alignment" | "request" => "bytes",
                other => other,
            };
            units.insert(key.to_string(), unit.to_string());
        }
    }
    let ignored = ignored
        .into_iter()
        .map(|(k, set)| (k, set.into_iter().collect()))
        .collect();
    NumLabelUnits { units, ignored }
}
