//! A profile whose every string is an injection attempt (RELIABILITY.md W1), shared by the
//! web UI's HTTP tests and the browser suite. Each payload that would run sets
//! `window.pwned` or opens an alert.

use std::num::NonZeroU64;

use ferroprof_profile::{Function, FunctionId, Line, Location, LocationId, Mapping, MappingId};
use ferroprof_profile::{Profile, Sample, ValueType};

/// The payloads, one per function.
pub const PAYLOADS: [&str; 6] = [
    "</script><script>window.pwned=1;alert(1)</script>",
    "\"><img src=x onerror=\"window.pwned=1;alert(1)\">",
    "\" onmouseover=\"window.pwned=1\" x=\"",
    "javascript:window.pwned=1",
    "\"];URL=\"javascript:window.pwned=1\";x=[\"",
    "<svg onload=\"window.pwned=1\"></svg>&amp;'",
];

fn id(n: usize) -> NonZeroU64 {
    NonZeroU64::new(n as u64).expect("ids start at 1")
}

/// The hostile profile: one stack through every payload function, labels, comments, a mapping
/// file and a `doc_url` made of payloads.
pub fn hostile_profile() -> Profile {
    let mut p = Profile::default();
    p.sample_type.push(ValueType::new("samples", "count"));
    p.sample_type.push(ValueType::new("cpu", "nanoseconds"));
    p.period_type = Some(ValueType::new("cpu", "nanoseconds"));
    p.period = 10_000_000;
    let mut mapping = Mapping::new(MappingId(id(1)));
    mapping.filename = PAYLOADS[0].to_string();
    mapping.memory_limit = 0x10000;
    mapping.has_functions = true;
    p.mapping.push(mapping);
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let mut f = Function::new(FunctionId(id(i + 1)));
        f.name = format!("pkg.{payload}");
        f.filename = format!("/src/{payload}.go");
        p.function.push(f);
        let mut loc = Location::new(LocationId(id(i + 1)));
        loc.mapping_id = Some(MappingId(id(1)));
        loc.address = 0x1000 + i as u64;
        loc.line.push(Line {
            function_id: Some(FunctionId(id(i + 1))),
            line: 7,
            column: 0,
        });
        p.location.push(loc);
    }
    let mut sample = Sample {
        location: (1..=PAYLOADS.len()).map(|i| LocationId(id(i))).collect(),
        value: vec![3, 30_000_000],
        ..Sample::default()
    };
    sample
        .label
        .insert(PAYLOADS[1].to_string(), vec![PAYLOADS[2].to_string()]);
    p.sample.push(sample);
    p.comments = PAYLOADS.iter().map(|s| s.to_string()).collect();
    p.doc_url = "javascript:window.pwned=1".into();
    p
}
