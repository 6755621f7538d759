//! Heap profiling: a sampling [`Allocator`] over any [`std::alloc::GlobalAlloc`], and Go's `heap`
//! and `allocs` profiles from it.
//!
//! ```no_run
//! use std::alloc::System;
//! #[global_allocator]
//! static A: ferroprof::Allocator<System> = ferroprof::Allocator::new(System);
//!
//! ferroprof::heap::set_sample_rate(16 * 1024); // Go's runtime.MemProfileRate
//! let _kept: Vec<u8> = vec![0; 1 << 20];
//! let profile = ferroprof::heap::profile(ferroprof::heap::ProfileKind::Heap);
//! assert_eq!(profile.sample_type.len(), 4); // alloc_objects, alloc_space, inuse_objects, inuse_space
//! println!("{} bytes live", ferroprof::heap::stats().live_bytes);
//! ```
//!
//! # Design constraints
//! - Sampling is Go's: a per-thread byte countdown drawn from an exponential distribution with
//!   mean [`sample_rate`] (512 KiB by default; 1 records everything, 0 turns sampling off), and
//!   export unsamples each bucket with `1 / (1 - exp(-size/rate))` (`go/runtime/pprof/protomem.go`).
//! - The hook never locks, blocks or allocates. Its per-thread state is a const-initialised
//!   thread-local without a destructor, so it works while a thread starts and while its
//!   thread-local destructors run; a per-thread guard stops it from sampling its own work.
//! - Sampled stacks and live sampled blocks are kept in fixed `static` tables (about 17 MiB of
//!   address space, resident only as used), never allocated through the global allocator: the
//!   profiler's memory is bounded and absent from its own profiles. When a table is full the
//!   sample is dropped and counted; the counts appear in the profiles' comments and the statistics.
//! - Export (profiles, text, symbolization) runs with the guard held, so its allocations are
//!   counted in the statistics but never sampled; so do the server's threads and the building
//!   of every unwinder. Whatever else the agent allocates for itself (on its other threads, or
//!   on application threads while recording contention or serving its API) is sampled like
//!   any allocation but left out of the profiles: export drops every sample whose stack holds
//!   a function of the agent other than the scopes that run the caller's code (`labels`,
//!   `sync`). The statistics count all of it.
//! - Endpoints (see [`crate::Router::standard`]): `heap` and `allocs` (protobuf, `debug=1` text,
//!   `seconds=N` deltas, `gc` accepted) and `allocstats` (the [`HeapStats`] as JSON).
//!   `FERROPROF_ALLOCTRACE=N` prints one line every N seconds on standard error with the
//!   allocation rate, the live heap and the RSS ([`start_alloctrace_from_env`]).
//! - Go's heap profile is as of the last garbage collection; a Rust heap has none, so the profile
//!   is as of the request, and `?gc=1` has nothing to collect.

mod buckets;
pub(crate) mod endpoint;
mod export;
mod hook;
mod live;
mod report;
mod sampler;
mod stack;
mod stats;
mod text;
mod trace;

use std::sync::atomic::{AtomicUsize, Ordering};

pub use buckets::MAX_DEPTH;
pub use export::{profile, text, Snapshot};
pub use hook::{untracked, Allocator, FLUSH_BYTES};
pub use report::{unsample, ProfileKind};
pub use sampler::{sample_rate, set_sample_rate, DEFAULT_SAMPLE_RATE};
pub use stats::{stats, HeapStats, LibcMalloc};
pub use trace::{start_alloctrace_from_env, ALLOCTRACE_VAR};

static DEPTH: AtomicUsize = AtomicUsize::new(MAX_DEPTH);

/// Limits recorded stacks to `frames` (clamped to 1..=[`MAX_DEPTH`], the preallocated maximum).
pub fn set_max_depth(frames: usize) {
    DEPTH.store(frames.clamp(1, MAX_DEPTH), Ordering::Relaxed);
}

/// The deepest stack recorded, in frames.
pub fn max_depth() -> usize {
    DEPTH.load(Ordering::Relaxed)
}
