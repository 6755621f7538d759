//! The hasher of tables keyed by what a profile says: names, addresses, label values and ids.
//!
//! Those keys come from untrusted input, so the hash must be seeded at random: with a fixed
//! hash (FxHash, or foldhash's `FixedState`) a crafted profile could put every key of a merge in
//! one probe chain. std's SipHash-1-3 is seeded but slow on these small keys: it was ~12% of
//! `ferroprof -raw` and `-top` in `ops::merge` (perf, benches/RESULTS.md). foldhash is a few
//! times faster and, once seeded, keeps its outputs unpredictable to someone who cannot see them
//! (a profile's author never sees ferroprof's table layout). foldhash seeds itself from address
//! space layout and the clock only, so both seeds here come from std's `RandomState`, which
//! draws from the operating system's randomness once per thread.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use foldhash::fast::SeedableRandomState;
use foldhash::SharedSeed;

/// A seeded builder of foldhash hashers.
pub(crate) type InputHasher = SeedableRandomState;

/// A hasher builder with a per-process seed and a per-table seed, both from OS randomness.
pub(crate) fn input_hasher() -> InputHasher {
    static SHARED: OnceLock<SharedSeed> = OnceLock::new();
    let os = std::hash::RandomState::new();
    let shared = SHARED.get_or_init(|| SharedSeed::from_u64(os.hash_one(0_u64)));
    SeedableRandomState::with_seed(os.hash_one(1_u64), shared)
}
