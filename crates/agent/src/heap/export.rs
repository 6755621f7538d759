//! Heap and allocs profiles: bucket snapshots, unsampled, symbolized and shaped as Go writes them
//! (`writeHeapProto` in `go/runtime/pprof/protomem.go`), through the agent's shared export.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use ferroprof_profile::{Profile, Sample, ValueType};
use ferroprof_symbolize::ProcessSymbolizer;

use super::report::{self, ProfileKind, Sampled, SAMPLE_TYPES};
use super::{buckets, hook, live, sampler, stats};
use crate::export::{symbols, Builder};

/// The heap (or allocs) profile now: Go's four sample types, unsampled at the current rate.
pub fn profile(kind: ProfileKind) -> Profile {
    hook::untracked(|| {
        let samples = report::samples(&buckets::snapshot());
        build(kind, &samples, SystemTime::now(), None)
    })
}

/// The buckets at one moment, the start of a delta profile (Go's `?seconds=N`).
#[derive(Debug)]
pub struct Snapshot {
    records: Vec<buckets::Record>,
    taken: SystemTime,
}

impl Snapshot {
    /// Reads the buckets now.
    pub fn take() -> Snapshot {
        hook::untracked(|| Snapshot {
            records: buckets::snapshot(),
            taken: SystemTime::now(),
        })
    }

    /// What changed since this snapshot, as Go's delta profiles: the first profile scaled by -1
    /// merged into the second, unchanged samples dropped, so values may be negative; the
    /// duration is the time between the two.
    pub fn delta(&self, kind: ProfileKind) -> Profile {
        hook::untracked(|| {
            let now = SystemTime::now();
            let samples = report::delta(&self.records, &buckets::snapshot());
            let window = now.duration_since(self.taken).unwrap_or_default();
            build(kind, &samples, now, Some(window))
        })
    }
}

/// The `debug=1` text of heap (and allocs, which Go writes identically): raw sampled counts,
/// then the allocator statistics.
pub fn text() -> String {
    hook::untracked(|| {
        let stats = stats::stats();
        let samples = report::samples(&buckets::snapshot());
        let process = symbols::process();
        let mut hider = Hider::new(&process);
        let shown: Vec<Vec<u64>> = samples.iter().map(|s| hider.shown(&s.stack)).collect();
        super::text::render(&process, &samples, &shown, sampler::sample_rate(), &stats)
    })
}

fn build(
    kind: ProfileKind,
    samples: &[Sampled],
    at: SystemTime,
    window: Option<Duration>,
) -> Profile {
    let rate = sampler::sample_rate();
    let nanos = |d: Duration| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
    let mut p = Profile {
        sample_type: SAMPLE_TYPES
            .iter()
            .map(|(t, u)| ValueType::new(*t, *u))
            .collect(),
        default_sample_type: kind.default_sample_type().to_string(),
        period_type: Some(ValueType::new("space", "bytes")),
        period: i64::try_from(rate).unwrap_or(i64::MAX),
        time_nanos: at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, nanos),
        duration_nanos: window.map_or(0, nanos),
        ..Profile::default()
    };
    p.comments.extend(loss_comments());
    let process = symbols::process();
    let mut hider = Hider::new(&process);
    let mut b = Builder::new(p);
    for s in samples {
        let location = b.stack(&hider.shown(&s.stack));
        let mut num_label = BTreeMap::new();
        if s.size > 0 {
            num_label.insert(
                "bytes".to_string(),
                vec![i64::try_from(s.size).unwrap_or(i64::MAX)],
            );
        }
        b.sample(Sample {
            location,
            value: s.values(rate).to_vec(),
            num_label,
            ..Sample::default()
        });
    }
    b.finish()
}

/// What the tables had to drop, for the profile's comments (STYLE.md principle 5).
fn loss_comments() -> Vec<String> {
    let mut out = Vec::new();
    let dropped = buckets::dropped();
    if dropped > 0 {
        out.push(format!(
            "ferroprof: {dropped} heap samples dropped: the bucket table was full"
        ));
    }
    let untracked = live::dropped();
    if untracked > 0 {
        out.push(format!(
            "ferroprof: {untracked} sampled blocks untracked: their frees are missing (address table full)"
        ));
    }
    out
}

/// Decides, per address, which leading frames are the allocator's, so that profiles start at
/// the code that asked for memory (Go hides leading `runtime.*` frames in heap profiles).
struct Hider<'a> {
    process: &'a ProcessSymbolizer,
    kinds: HashMap<u64, FrameKind>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    /// The global-allocator entry point (`__rust_alloc` and friends) or anything inlined into it.
    Entry,
    /// The standard library's allocation plumbing (`alloc::alloc`, `alloc::raw_vec`).
    Plumbing,
    /// Anything else.
    Other,
}

impl<'a> Hider<'a> {
    fn new(process: &'a ProcessSymbolizer) -> Self {
        Hider {
            process,
            kinds: HashMap::new(),
        }
    }

    fn kind(&mut self, addr: u64) -> FrameKind {
        let process = self.process;
        *self.kinds.entry(addr).or_insert_with(|| {
            let frames = symbols::frames(process, addr);
            if frames.iter().any(|f| is_entry(&f.function)) {
                FrameKind::Entry
            } else if frames.last().is_some_and(|f| is_plumbing(&f.function)) {
                FrameKind::Plumbing
            } else {
                FrameKind::Other
            }
        })
    }

    /// `stack` (return addresses) as lookup addresses, without the frames up to and including
    /// the allocator's entry point, nor the plumbing just above it; the whole stack when nothing
    /// would be left or no entry point is found.
    fn shown(&mut self, stack: &[u64]) -> Vec<u64> {
        let lookup: Vec<u64> = stack.iter().map(|&a| a.saturating_sub(1)).collect();
        let kinds: Vec<FrameKind> = lookup.iter().map(|&a| self.kind(a)).collect();
        let Some(entry) = kinds.iter().rposition(|&k| k == FrameKind::Entry) else {
            return lookup;
        };
        let first = (entry + 1..kinds.len())
            .find(|&i| kinds[i] != FrameKind::Plumbing)
            .unwrap_or(entry + 1);
        if first >= lookup.len() {
            return lookup;
        }
        lookup[first..].to_vec()
    }
}

/// The global allocator's entry points as symbolized: the shims `__rust_alloc`,
/// `__rust_alloc_zeroed`, `__rust_realloc` (also `__rustc::`-qualified) and `__rg_*`/`__rdl_*`.
fn is_entry(name: &str) -> bool {
    let name = name.strip_prefix("__rustc::").unwrap_or(name);
    name.starts_with("__rust_alloc")
        || name.starts_with("__rust_realloc")
        || name.starts_with("__rg_")
        || name.starts_with("__rdl_")
}

fn is_plumbing(name: &str) -> bool {
    const PREFIXES: [&str; 4] = [
        "alloc::alloc::",
        "<alloc::alloc::Global as ",
        "alloc::raw_vec::",
        "core::alloc::",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_points_and_plumbing_are_recognised() {
        assert!(is_entry("__rustc::__rust_alloc"));
        assert!(is_entry("__rust_realloc"));
        assert!(is_entry("__rg_alloc_zeroed"));
        assert!(!is_entry("alloc::alloc::alloc"));
        assert!(is_plumbing(
            "alloc::raw_vec::RawVecInner<A>::try_allocate_in"
        ));
        assert!(is_plumbing(
            "<alloc::alloc::Global as core::alloc::Allocator>::allocate"
        ));
        assert!(!is_plumbing("alloc::vec::from_elem"));
        assert!(!is_plumbing("myapp::leak"));
    }
}
