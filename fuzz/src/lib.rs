//! Helpers shared by the fuzz targets.

use ferroprof_profile::{Profile, Sample};

/// `p` without the labels the wire drops (Go's `postDecode`: a string label needs a nonzero
/// string index, a numeric one a nonzero value or unit).
pub fn wire_visible(p: &Profile) -> Profile {
    let mut q = p.clone();
    q.sample.iter_mut().for_each(drop_invisible_labels);
    q
}

fn drop_invisible_labels(s: &mut Sample) {
    for values in s.label.values_mut() {
        values.retain(|v| !v.is_empty());
    }
    s.label.retain(|_, v| !v.is_empty());
    let keys: Vec<String> = s.num_label.keys().cloned().collect();
    for key in keys {
        let values = s.num_label.remove(&key).unwrap_or_default();
        let units = s.num_unit.remove(&key).unwrap_or_default();
        let kept: Vec<(i64, String)> = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| (v, units.get(i).cloned().unwrap_or_default()))
            .filter(|(v, u)| *v != 0 || !u.is_empty())
            .collect();
        if kept.is_empty() {
            continue;
        }
        if kept.iter().any(|(_, u)| !u.is_empty()) {
            s.num_unit
                .insert(key.clone(), kept.iter().map(|(_, u)| u.clone()).collect());
        }
        s.num_label
            .insert(key, kept.into_iter().map(|(v, _)| v).collect());
    }
}
