//! Malformed or unusual profiles never make a writer panic: dangling ids, missing values,
//! negative and zero weights, `-mean` with zero counts, extreme line numbers and addresses.

use ferroprof_profile::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};
use ferroprof_report::{generate_with_sources, OutputFormat, ReportOptions, SourceReader};

struct AnySource;

impl SourceReader for AnySource {
    fn read(&self, _path: &str) -> std::io::Result<Vec<u8>> {
        Ok(b"a\r\nb\n\xff\xfe\n".to_vec())
    }

    fn current_dir(&self) -> String {
        String::new()
    }
}

fn hostile_profile() -> Profile {
    let fid = |i| FunctionId::new(i).unwrap();
    let lid = |i| LocationId::new(i).unwrap();
    let mut p = Profile {
        sample_type: vec![
            ValueType::new("count", "count"),
            ValueType::new("delay", "weird"),
        ],
        mapping: vec![Mapping::new(MappingId::new(1).unwrap())],
        ..Default::default()
    };
    p.function.push(Function {
        name: "f\"\\\n".into(),
        filename: "/x.go".into(),
        ..Function::new(fid(1))
    });
    p.function.push(Function {
        start_line: i64::MAX,
        ..Function::new(fid(2))
    });
    let line = |f: u64, n: i64| Line {
        function_id: FunctionId::new(f),
        line: n,
        column: 0,
    };
    p.location.push(Location {
        mapping_id: MappingId::new(7),
        address: u64::MAX,
        line: vec![line(1, i64::MAX), line(99, 3), line(2, i64::MIN)],
        ..Location::new(lid(1))
    });
    p.location.push(Location {
        line: vec![line(0, 0)],
        ..Location::new(lid(2))
    });
    p.location.push(Location::new(lid(3)));
    let sample = |locs: Vec<u64>, value: Vec<i64>| Sample {
        location: locs
            .into_iter()
            .map(|i| LocationId::new(i).unwrap())
            .collect(),
        value,
        ..Default::default()
    };
    p.sample.push(sample(vec![1, 2, 3, 1, 42], vec![0, 5]));
    p.sample.push(sample(vec![3, 2], vec![2, -i64::MAX]));
    p.sample.push(sample(vec![2], vec![]));
    p.sample.push(sample(vec![], vec![1, 1]));
    p.sample[0]
        .label
        .insert("k".into(), vec!["v\"".into(), String::new()]);
    p.sample[1]
        .num_label
        .insert("bytes".into(), vec![i64::MIN, 0, i64::MAX, 1, 2, 3]);
    p
}

#[test]
fn no_writer_panics_on_hostile_input() {
    let p = hostile_profile();
    let any = regex::Regex::new(".").unwrap();
    let formats = [
        OutputFormat::Text,
        OutputFormat::Tree,
        OutputFormat::Peek,
        OutputFormat::Dot,
        OutputFormat::Callgrind,
        OutputFormat::List,
        OutputFormat::TopProto,
        OutputFormat::Traces,
        OutputFormat::Tags,
        OutputFormat::Comments,
    ];
    for format in formats {
        for (mean, call_tree, index, divide_by) in [
            (false, false, 1, 1.0),
            (true, true, 1, 3.0),
            (true, false, 5, 0.5),
            (false, true, 0, 1.0),
        ] {
            let mut o = ReportOptions::for_sample_index(&p, 1);
            o.sample_index = index;
            o.output_format = format;
            o.mean = mean;
            o.call_tree = call_tree;
            o.divide_by = divide_by;
            o.drop_negative = call_tree;
            o.node_count = Some(1);
            o.symbol = Some(any.clone());
            let mut out = Vec::new();
            // Errors (no match, unsupported) are fine; panics are not.
            let _ = generate_with_sources(&p, &o, &AnySource, &mut out);
        }
    }
}
