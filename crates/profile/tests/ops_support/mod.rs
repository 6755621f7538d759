//! Small synthetic profiles for the operation tests: one function and one location per frame
//! name, stacks written leaf first.

#![allow(dead_code)] // Each test binary uses a different part.

use std::collections::HashMap;

use ferroprof_profile::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, ProfileIndex,
    Sample, ValueType,
};

/// A profile with sample types `samples/count` and `cpu/nanoseconds`, one mapping, and one sample
/// per `(stack, values)`, frames named leaf first.
pub fn profile(samples: &[(&[&str], [i64; 2])]) -> Profile {
    let mut p = Profile {
        sample_type: vec![
            ValueType::new("samples", "count"),
            ValueType::new("cpu", "nanoseconds"),
        ],
        period_type: Some(ValueType::new("cpu", "nanoseconds")),
        period: 10_000_000,
        ..Profile::default()
    };
    let mut m = Mapping::new(MappingId::new(1).unwrap());
    m.memory_start = 0x400000;
    m.memory_limit = 0x800000;
    m.filename = "/bin/app".to_string();
    m.has_functions = true;
    p.mapping.push(m);
    let mut known: HashMap<&str, LocationId> = HashMap::new();
    for (stack, values) in samples {
        let location = stack
            .iter()
            .map(|name| {
                *known
                    .entry(name)
                    .or_insert_with(|| location_for(&mut p, name))
            })
            .collect();
        p.sample.push(Sample {
            location,
            value: values.to_vec(),
            ..Sample::default()
        });
    }
    p
}

/// The id of the location of frame `name`, created (with its function) when new.
pub fn location_for(p: &mut Profile, name: &str) -> LocationId {
    if let Some(f) = p.function.iter().find(|f| f.name == name) {
        let fid = f.id;
        let loc = p
            .location
            .iter()
            .find(|l| l.line.iter().any(|ln| ln.function_id == Some(fid)));
        return loc.expect("location of function").id;
    }
    let fid = FunctionId::new(p.function.len() as u64 + 1).unwrap();
    let mut f = Function::new(fid);
    f.name = name.to_string();
    f.system_name = name.to_string();
    f.filename = format!("{}.go", name.split('.').next().unwrap_or(name));
    p.function.push(f);
    let lid = LocationId::new(p.location.len() as u64 + 1).unwrap();
    let mut l = Location::new(lid);
    l.mapping_id = Some(MappingId::new(1).unwrap());
    l.address = 0x400000 + 0x10 * lid.get();
    l.line.push(Line {
        function_id: Some(fid),
        line: 10,
        column: 0,
    });
    p.location.push(l);
    lid
}

/// Each sample as (frame names leaf first, joined with `;`, where a location with several lines
/// shows them `+`-joined innermost first; labels; values), sorted: a view independent of ids.
pub fn view(p: &Profile) -> Vec<(String, String, Vec<i64>)> {
    let index = ProfileIndex::new(p);
    let mut out: Vec<_> = p
        .sample
        .iter()
        .map(|s| {
            let frames: Vec<String> = s
                .location
                .iter()
                .map(|&id| {
                    let loc = index.location(p, id).expect("location");
                    let names: Vec<&str> = loc
                        .line
                        .iter()
                        .map(|ln| {
                            index
                                .function(p, ln.function_id.unwrap())
                                .map_or("?", |f| f.name.as_str())
                        })
                        .collect();
                    names.join("+")
                })
                .collect();
            (frames.join(";"), labels(s), s.value.clone())
        })
        .collect();
    out.sort();
    out
}

fn labels(s: &Sample) -> String {
    let mut parts: Vec<String> = s.label.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    parts.extend(s.num_label.iter().map(|(k, v)| format!("{k}#{v:?}")));
    parts.join(",")
}

/// The sum of value column `i` over all samples.
pub fn total(p: &Profile, i: usize) -> i64 {
    p.sample.iter().map(|s| s.value[i]).sum()
}

/// A sample with string labels.
pub fn with_labels(mut s: Sample, labels: &[(&str, &str)]) -> Sample {
    for (k, v) in labels {
        s.label.push(k, v.to_string());
    }
    s
}
