//! A fast hasher for maps keyed by the graph's own small integer ids (node, edge and info
//! indices that this crate hands out), where SipHash's flooding resistance buys nothing: the keys
//! are dense counters, not attacker-chosen values.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Multiply-rotate hashing of integer words (the scheme of rustc's `FxHasher`).
#[derive(Default, Clone, Copy, Debug)]
pub struct IdHasher(u64);

/// An odd constant with well-mixed bits (2^64 / φ), as `FxHasher` uses.
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
}

/// A hash map keyed by crate-assigned ids.
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Distinct values kept in the caller's own vector, found by a hash the caller computes (seeded
/// where the values come from the input): a table from each hash to the newest value with it,
/// and for each value the previous one with the same hash. Unlike a map keyed by the values, it
/// holds no second copy of them (for node identities, a copy of every name and file).
#[derive(Debug, Default)]
pub struct HashChains {
    newest: IdMap<u64, usize>,
    previous: Vec<usize>,
}

impl HashChains {
    /// The value with `hash` for which `same` (given its index) holds.
    pub fn find(&self, hash: u64, mut same: impl FnMut(usize) -> bool) -> Option<usize> {
        let mut next = self.newest.get(&hash).copied();
        while let Some(i) = next {
            if same(i) {
                return Some(i);
            }
            next = Some(self.previous[i]).filter(|&p| p != usize::MAX);
        }
        None
    }

    /// Records that the value at the next index (the number of values added so far) has `hash`.
    pub fn add(&mut self, hash: u64) {
        let index = self.previous.len();
        let previous = self.newest.insert(hash, index).unwrap_or(usize::MAX);
        self.previous.push(previous);
    }
}
