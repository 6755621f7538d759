//! Export: captured stacks → a symbolized [`Profile`] with mappings, addresses and build ids
//! (Go's `profileBuilder`), and encoding.
//!
//! Symbolization runs here, in the requesting thread, through one cache per binary.

pub(crate) mod symbols;

use std::collections::HashMap;
use std::sync::Arc;

use ferroprof_profile::{
    Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};
use ferroprof_symbolize::{MapsEntry, ProcessSymbolizer};

use crate::cpu::CpuProfile;
use crate::error::{Error, Result};

/// The pseudo-function charged with samples the profiler had to drop (Go charges them to
/// `runtime/pprof.lostProfileEvent`).
pub const LOST_SAMPLES_FUNCTION: &str = "ferroprof::lost_samples";

/// Encodes `profile` as gzipped protobuf, as served to clients.
pub fn encode(profile: &Profile) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    ferroprof_profile::proto::encode(profile, &mut out)
        .map_err(|e| Error::Encode(e.to_string()))?;
    Ok(out)
}

/// Builds a profile's mappings, locations and functions from lookup addresses.
pub(crate) struct Builder {
    process: Arc<ProcessSymbolizer>,
    entries: Vec<MapsEntry>,
    profile: Profile,
    locations: HashMap<u64, LocationId>,
    functions: HashMap<(String, String, String), FunctionId>,
    /// Per mapping index: every location had a function / a file and line.
    complete: Vec<(bool, bool)>,
}

impl Builder {
    /// A builder over the current process's executable mappings.
    pub(crate) fn new(mut profile: Profile) -> Builder {
        let process = symbols::process();
        let entries = symbols::executable_entries(&process);
        for (i, e) in entries.iter().enumerate() {
            let mut m = Mapping::new(MappingId::new(i as u64 + 1).expect("nonzero"));
            m.memory_start = e.range.start.0;
            m.memory_limit = e.range.limit.0;
            m.file_offset = e.range.offset.0;
            m.filename = e.path.trim_end_matches(" (deleted)").to_string();
            m.build_id = symbols::build_id(&process, &m.filename);
            profile.mapping.push(m);
        }
        let complete = vec![(true, true); entries.len()];
        Builder {
            process,
            entries,
            profile,
            locations: HashMap::new(),
            functions: HashMap::new(),
            complete,
        }
    }

    /// The location ids of a stack of lookup addresses.
    pub(crate) fn stack(&mut self, addrs: &[u64]) -> Vec<LocationId> {
        addrs.iter().map(|&a| self.location(a)).collect()
    }

    fn location(&mut self, addr: u64) -> LocationId {
        if let Some(&id) = self.locations.get(&addr) {
            return id;
        }
        let id = LocationId::new(self.profile.location.len() as u64 + 1).expect("nonzero");
        let mut loc = Location::new(id);
        loc.address = addr;
        let mapping = self
            .entries
            .iter()
            .position(|e| e.range.start.0 <= addr && addr < e.range.limit.0);
        loc.mapping_id = mapping.and_then(|i| MappingId::new(i as u64 + 1));
        let frames = symbols::frames(&self.process, addr);
        if let Some(i) = mapping {
            let named = !frames.is_empty() && frames.iter().all(|f| !f.function.is_empty());
            let lined = named && frames.iter().all(|f| !f.file.is_empty() && f.line != 0);
            self.complete[i].0 &= named;
            self.complete[i].1 &= lined;
        }
        for f in frames {
            let function_id = self.function(&f.function, &f.system_name, &f.file);
            loc.line.push(Line {
                function_id: Some(function_id),
                line: i64::from(f.line),
                column: 0,
            });
        }
        self.profile.location.push(loc);
        self.locations.insert(addr, id);
        id
    }

    /// The id of a function, added on first use.
    pub(crate) fn function(&mut self, name: &str, system_name: &str, file: &str) -> FunctionId {
        let key = (name.to_string(), system_name.to_string(), file.to_string());
        if let Some(&id) = self.functions.get(&key) {
            return id;
        }
        let id = FunctionId::new(self.profile.function.len() as u64 + 1).expect("nonzero");
        let mut f = Function::new(id);
        f.name = key.0.clone();
        f.system_name = if system_name.is_empty() {
            key.0.clone()
        } else {
            key.1.clone()
        };
        f.filename = key.2.clone();
        self.profile.function.push(f);
        self.functions.insert(key, id);
        id
    }

    /// A location without address or mapping holding one pseudo-function.
    pub(crate) fn pseudo_location(&mut self, name: &str) -> LocationId {
        let fid = self.function(name, name, "");
        let id = LocationId::new(self.profile.location.len() as u64 + 1).expect("nonzero");
        let mut loc = Location::new(id);
        loc.line.push(Line {
            function_id: Some(fid),
            line: 0,
            column: 0,
        });
        self.profile.location.push(loc);
        id
    }

    /// Adds a sample.
    pub(crate) fn sample(&mut self, sample: Sample) {
        self.profile.sample.push(sample);
    }

    /// The finished profile, mappings flagged with what symbolization found. Mappings no
    /// location uses keep no flags.
    pub(crate) fn finish(mut self) -> Profile {
        let used: std::collections::HashSet<MappingId> = self
            .profile
            .location
            .iter()
            .filter_map(|l| l.mapping_id)
            .collect();
        for (m, &(named, lined)) in self.profile.mapping.iter_mut().zip(&self.complete) {
            if used.contains(&m.id) {
                m.has_functions = named;
                m.has_filenames = lined;
                m.has_line_numbers = lined;
                m.has_inline_frames = lined;
            }
        }
        self.profile
    }
}

/// String labels of a label word, as a sample's label map.
pub(crate) fn sample_labels(word: usize) -> ferroprof_profile::LabelMap<String> {
    crate::labels::resolve(word)
        .into_iter()
        .map(|(k, v)| (k, vec![v]))
        .collect()
}

fn unix_nanos(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Go's CPU profile for `cpu` (GO-REFERENCE.md §2.3).
pub(crate) fn cpu_profile(cpu: &CpuProfile) -> Profile {
    let period = 1_000_000_000 / i64::from(cpu.frequency_hz.max(1));
    let mut p = Profile {
        sample_type: vec![
            ValueType::new("samples", "count"),
            ValueType::new("cpu", "nanoseconds"),
        ],
        period_type: Some(ValueType::new("cpu", "nanoseconds")),
        period,
        time_nanos: unix_nanos(cpu.start),
        duration_nanos: cpu.duration.as_nanos() as i64,
        ..Profile::default()
    };
    if cpu.handler_replaced {
        p.comments.push(
            "ferroprof: another library replaced the SIGPROF handler during this profile".into(),
        );
    }
    let mut b = Builder::new(p);
    let mut stacks: Vec<_> = cpu.stacks.iter().collect();
    stacks.sort();
    for ((addrs, labels), &count) in stacks {
        let location = b.stack(addrs);
        let value = vec![count as i64, count as i64 * period];
        b.sample(Sample {
            location,
            value,
            label: sample_labels(*labels),
            ..Sample::default()
        });
    }
    if cpu.lost > 0 {
        let location = vec![b.pseudo_location(LOST_SAMPLES_FUNCTION)];
        let value = vec![cpu.lost as i64, cpu.lost as i64 * period];
        b.sample(Sample {
            location,
            value,
            ..Sample::default()
        });
    }
    b.finish()
}

/// A count profile (Go's goroutine and threadcreate shape): one sample type `<name>/count`,
/// period 1, one sample per distinct (stack, labels) with its count.
pub(crate) fn count_profile(name: &str, records: &[(Vec<u64>, usize, i64)]) -> Profile {
    let p = Profile {
        sample_type: vec![ValueType::new(name, "count")],
        period_type: Some(ValueType::new(name, "count")),
        period: 1,
        time_nanos: unix_nanos(std::time::SystemTime::now()),
        ..Profile::default()
    };
    let mut b = Builder::new(p);
    for (addrs, labels, count) in records {
        let location = b.stack(addrs);
        b.sample(Sample {
            location,
            value: vec![*count],
            label: sample_labels(*labels),
            ..Sample::default()
        });
    }
    b.finish()
}
