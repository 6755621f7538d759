//! `-topproto`: the trimmed graph as a profile with one location and one sample (cum, flat) per
//! node (pprof's `printTopProto`).

use std::collections::HashMap;
use std::io::Write;
use std::num::NonZeroU64;

use ferroprof_profile::{
    Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType,
};

use crate::graph::trimmed_graph_in_output_unit;
use crate::measurement;
use crate::report::Report;
use crate::Result;

/// The top nodes of the report as a profile with sample types `cum` and `flat` in the output
/// unit.
pub fn top_profile(rpt: &mut Report<'_>) -> Profile {
    let t = trimmed_graph_in_output_unit(rpt);
    let p = rpt.profile();
    let unit = rpt.output_unit().to_string();
    let mut out = Profile {
        sample_type: vec![
            ValueType::new("cum", unit.clone()),
            ValueType::new("flat", unit.clone()),
        ],
        time_nanos: p.time_nanos,
        duration_nanos: p.duration_nanos,
        period_type: p.period_type.clone(),
        period: p.period,
        ..Default::default()
    };
    let scaled = |v: i64| measurement::scale(v, &rpt.options().sample_unit, &unit).0 as i64;
    let mut functions: HashMap<(String, String, String, i64), FunctionId> = HashMap::new();
    for (i, n) in t.graph.nodes.iter().enumerate() {
        let info = &n.info;
        let key = (
            info.name.clone(),
            info.orig_name.clone(),
            info.file.clone(),
            info.start_line,
        );
        // Ids count from 1 in order of first use.
        let next_id = FunctionId(NonZeroU64::MIN.saturating_add(functions.len() as u64));
        let fid = *functions.entry(key).or_insert_with(|| {
            let id = next_id;
            out.function.push(Function {
                id,
                name: info.name.clone(),
                system_name: info.orig_name.clone(),
                filename: info.file.clone(),
                start_line: info.start_line,
            });
            id
        });
        let lid = LocationId(NonZeroU64::MIN.saturating_add(i as u64));
        out.location.push(Location {
            address: info.address,
            line: vec![Line {
                function_id: Some(fid),
                line: info.lineno,
                column: 0,
            }],
            ..Location::new(lid)
        });
        out.sample.push(Sample {
            location: vec![lid],
            value: vec![scaled(n.cum_value()), scaled(n.flat_value())],
            ..Default::default()
        });
    }
    out
}

/// Writes the top profile, gzipped.
pub fn write_top_proto(rpt: &mut Report<'_>, out: &mut dyn Write) -> Result<()> {
    let p = top_profile(rpt);
    ferroprof_profile::proto::encode(&p, out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;

    #[test]
    fn one_sample_per_node_with_cum_then_flat() {
        let mut p = Profile::default();
        p.sample_type.push(ValueType::new("samples", "count"));
        let f = FunctionId::new(1).unwrap();
        p.function.push(Function {
            name: "main".into(),
            ..Function::new(f)
        });
        let l = LocationId::new(1).unwrap();
        p.location.push(Location {
            line: vec![Line {
                function_id: Some(f),
                line: 3,
                column: 0,
            }],
            ..Location::new(l)
        });
        p.sample.push(Sample {
            location: vec![l],
            value: vec![7],
            ..Default::default()
        });
        let o = ReportOptions::for_sample_index(&p, 0);
        let mut rpt = Report::new(&p, &o);
        let top = top_profile(&mut rpt);
        assert_eq!(top.sample_type[0].r#type, "cum");
        assert_eq!(top.sample.len(), 1);
        assert_eq!(top.sample[0].value, vec![7, 7]);
        assert_eq!(top.function[0].name, "main");
    }
}
