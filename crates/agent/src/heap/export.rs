//! Heap and allocs profiles: bucket snapshots, unsampled, symbolized and shaped as Go writes them
//! (`writeHeapProto` in `go/runtime/pprof/protomem.go`), through the agent's shared export.
//!
//! Stacks are captured inside the allocator; Go hides the leading `runtime.*` frames of heap
//! stacks, and here the allocator's frames go the same way, with pprof's own frame pruning
//! (`Profile.Prune`, which also trims frames inlined into a caller's location):
//! [`ALLOCATOR_FRAMES`].
//!
//! The profiler's own allocations are left out: a sample whose stack, once cut, still holds a
//! function of the agent ([`is_agent_frame`]) is dropped. That covers what the agent allocates
//! on application threads (recording contention, building an unwinder, its API called by the
//! application) and on its own threads, whatever module does it.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use ferroprof_profile::{ops, FunctionId, LabelMap, Profile, ProfileIndex, Sample, ValueType};
use regex::Regex;

use super::report::{self, ProfileKind, Sampled, SAMPLE_TYPES};
use super::{buckets, hook, live, sampler, stats};
use crate::export::{symbols, Builder};

/// The frames of the allocation machinery, up to and including the outermost of which every
/// stack is cut: any `GlobalAlloc` method (ours or a wrapper's), the `__rust_alloc` shims, the
/// standard library's `alloc::alloc` and `alloc::raw_vec` plumbing, the constructors that only
/// allocate (`vec![x; n]`, `Vec::with_capacity`, `Box::new`; Go hides `makeslice` and `newobject`
/// likewise), and this module. Names are matched as legacy or v0 demangling writes them.
pub const ALLOCATOR_FRAMES: &str = concat!(
    r"^(?:<.+ as core::alloc::global::GlobalAlloc>::.+",
    r"|(?:__rustc::)?__r(?:ust|g|dl)_(?:alloc|alloc_zeroed|realloc)",
    r"|<?alloc::alloc::.+|<?alloc::raw_vec::.+",
    r"|<?alloc::vec::Vec<.*>>?::with_capacity(?:_in)?|alloc::vec::from_elem(?:::<.*>)?",
    r"|<.+ as alloc::vec::spec_from_elem::SpecFromElem>::from_elem",
    r"|<?alloc::boxed::Box<.*>>?::new(?:_in|_uninit)?",
    r"|<?ferroprof::heap::.+)$"
);

fn allocator_frames() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(ALLOCATOR_FRAMES).expect("ALLOCATOR_FRAMES is a valid regex"))
}

/// The agent's modules that run the caller's code, whose frames therefore sit above the
/// application's allocations: label scopes (`labels::with`) and the instrumented locks (a
/// condition variable's predicate).
const CALLER_CODE_MODULES: [&str; 2] = ["labels::", "sync::"];

/// Whether `function` (a demangled name) is the agent's own code: `ferroprof::…` or a method
/// of one of its types (`<ferroprof::…>`, `<ferroprof::… as Trait>`), outside
/// [`CALLER_CODE_MODULES`]. Types of the agent as generic arguments of other code
/// (`drop_in_place<ferroprof::…>`) do not count.
pub fn is_agent_frame(function: &str) -> bool {
    let path = function.strip_prefix('<').unwrap_or(function);
    path.strip_prefix("ferroprof::")
        .is_some_and(|rest| !CALLER_CODE_MODULES.iter().any(|m| rest.starts_with(m)))
}

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
        let raw = |s: &Sampled| {
            vec![
                s.alloc_objects,
                s.alloc_bytes,
                s.inuse_objects,
                s.inuse_bytes,
            ]
        };
        let (symbolized, kept) = symbolized(Profile::default(), &samples, raw);
        super::text::render(&symbolized, &kept, sampler::sample_rate(), &stats)
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
    let header = Profile {
        sample_type: SAMPLE_TYPES
            .iter()
            .map(|(t, u)| ValueType::new(*t, *u))
            .collect(),
        default_sample_type: kind.default_sample_type().to_string(),
        period_type: Some(ValueType::new("space", "bytes")),
        period: i64::try_from(rate).unwrap_or(i64::MAX),
        time_nanos: at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, nanos),
        duration_nanos: window.map_or(0, nanos),
        comments: loss_comments(),
        ..Profile::default()
    };
    let (p, _) = symbolized(header, samples, |s| s.values(rate).to_vec());
    ops::compact(&p)
}

/// One sample per entry of `samples`, in order, with `values` and Go's numeric label `bytes`,
/// symbolized, and cut above the allocator's frames ([`ALLOCATOR_FRAMES`]); then the agent's
/// own samples dropped. Returns the entries kept, in the profile's order.
fn symbolized(
    header: Profile,
    samples: &[Sampled],
    values: impl Fn(&Sampled) -> Vec<i64>,
) -> (Profile, Vec<&Sampled>) {
    let mut b = Builder::new(header);
    for s in samples {
        let lookup: Vec<u64> = s.stack.iter().map(|&a| a.saturating_sub(1)).collect();
        let location = b.stack(&lookup);
        let mut num_label = LabelMap::new();
        if s.size > 0 {
            let size = i64::try_from(s.size).unwrap_or(i64::MAX);
            num_label.insert("bytes".to_string(), vec![size]);
        }
        b.sample(Sample {
            location,
            value: values(s),
            num_label,
            ..Sample::default()
        });
    }
    let mut p = b.finish();
    ops::prune(&mut p, allocator_frames(), None);
    let index = ProfileIndex::new(&p);
    let agent = |f: FunctionId| {
        index
            .function(&p, f)
            .is_some_and(|f| is_agent_frame(&f.name))
    };
    let keep: Vec<bool> = p
        .sample
        .iter()
        .map(|s| {
            !s.location
                .iter()
                .filter_map(|&l| index.location(&p, l))
                .flat_map(|l| &l.line)
                .filter_map(|line| line.function_id)
                .any(agent)
        })
        .collect();
    let mut kept_flags = keep.iter();
    p.sample.retain(|_| kept_flags.next() == Some(&true));
    let kept = samples
        .iter()
        .zip(&keep)
        .filter_map(|(s, &k)| k.then_some(s))
        .collect();
    (p, kept)
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

/// The call address's offset from its symbol, for the text's `func+0xoff`.
pub(crate) fn entry_offset(addr: u64) -> u64 {
    symbols::entry_offset(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocator_frames_are_recognised() {
        let re = allocator_frames();
        for name in [
            "__rustc::__rust_alloc",
            "__rust_realloc",
            "__rg_alloc_zeroed",
            "<ferroprof::heap::hook::Allocator<A> as core::alloc::global::GlobalAlloc>::alloc",
            "<myapp::Counting as core::alloc::global::GlobalAlloc>::realloc",
            "alloc::alloc::alloc",
            "<alloc::alloc::Global>::alloc_impl_runtime",
            "<alloc::alloc::Global as core::alloc::Allocator>::allocate",
            "alloc::raw_vec::RawVecInner<A>::try_allocate_in",
            "ferroprof::heap::hook::alloc_slow",
            "ferroprof::heap::hook::Allocator<A>::alloc_counted_after",
            "<ferroprof::heap::hook::Allocator<std::alloc::System>>::alloc_counted_after",
            "<alloc::raw_vec::RawVecInner>::try_allocate_in",
            "alloc::vec::Vec<T,A>::with_capacity_in",
            "<alloc::vec::Vec<u8>>::with_capacity",
            "<u8 as alloc::vec::spec_from_elem::SpecFromElem>::from_elem",
            "alloc::vec::from_elem",
            "alloc::boxed::Box<T>::new",
        ] {
            assert!(re.is_match(name), "{name}");
        }
        for name in [
            "alloc::vec::Vec<T,A>::push",
            "<alloc::vec::Vec<T> as core::iter::traits::collect::FromIterator<T>>::from_iter",
            "myapp::leak",
            "__rust_begin_short_backtrace",
        ] {
            assert!(!re.is_match(name), "{name}");
        }
    }

    #[test]
    fn agent_frames_are_recognised() {
        for name in [
            "ferroprof::cpu::run",
            "ferroprof::unwind::Unwinder::new::{{closure}}",
            "ferroprof::Server::new",
            "<ferroprof::http::server::Context>::serve",
            "<ferroprof::cpu::CpuProfilerGuard as core::ops::drop::Drop>::drop",
            "ferroprof::contention::record_block",
        ] {
            assert!(is_agent_frame(name), "{name}");
        }
        for name in [
            "ferroprof::labels::with",
            "ferroprof::sync::condvar::Condvar::wait_while",
            "<ferroprof::sync::guard::Guard<G> as core::ops::drop::Drop>::drop",
            "core::ptr::drop_in_place<ferroprof::cpu::CpuProfile>",
            "ferroprof_demo::workload::leaky_cache",
            "myapp::ferroprof::helper",
        ] {
            assert!(!is_agent_frame(name), "{name}");
        }
    }
}
