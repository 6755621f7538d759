//! When to sample: Go's byte-driven Poisson process.
//!
//! Each thread counts down the bytes left before its next sample; when an allocation reaches the
//! countdown it is sampled and a new countdown is drawn from an exponential distribution with mean
//! [`sample_rate`] (Go's `nextSample` and `fastexprand`, `go/runtime/malloc.go`). A block of `size`
//! bytes is therefore sampled with probability `1 - exp(-size/rate)`, which export undoes.

use std::sync::atomic::{AtomicU64, Ordering};

/// Go's default `runtime.MemProfileRate`: one sample per 512 KiB allocated on average.
pub const DEFAULT_SAMPLE_RATE: u64 = 512 * 1024;

/// Go clamps the mean to this (`fastexprand`), so that a draw fits an `int32`.
const MAX_MEAN: u64 = 0x700_0000;

/// Bits of randomness per draw, as in Go's `fastexprand`.
const RANDOM_BITS: u32 = 26;

static RATE: AtomicU64 = AtomicU64::new(DEFAULT_SAMPLE_RATE);

/// Sets the mean number of bytes allocated between samples, Go's `runtime.MemProfileRate`:
/// `1` records every allocation, `0` turns heap profiling off. The calling thread follows at
/// once, others within [`super::FLUSH_BYTES`] of allocation.
pub fn set_sample_rate(bytes: u64) {
    RATE.store(bytes, Ordering::Relaxed);
    super::hook::rate_changed();
}

/// The mean number of bytes between samples (see [`set_sample_rate`]).
#[inline]
pub fn sample_rate() -> u64 {
    RATE.load(Ordering::Relaxed)
}

/// Seeds differ per thread: a global Weyl sequence mixed with the thread's own address.
static SEED: AtomicU64 = AtomicU64::new(0x853c_49e6_748f_ea9b);

/// A per-thread xorshift64* generator (Go uses a per-M `fastrand`). Zero means "not seeded yet".
#[derive(Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// An unseeded generator; the first [`Rng::next`] seeds it.
    pub(crate) const fn unseeded() -> Self {
        Rng(0)
    }

    fn seed(&mut self) {
        let weyl = SEED.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
        let mut z = weyl ^ (self as *const Self as u64);
        // splitmix64 finaliser: spreads the bits of nearby seeds.
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        self.0 = if z == 0 { 1 } else { z };
    }

    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        if self.0 == 0 {
            self.seed();
        }
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Bytes to allocate before the next sample at `rate` (Go's `nextSample`): 0 at rate 1 (sample
/// everything); otherwise an exponential draw with mean `rate`, at least 1.
pub(crate) fn next_sample(rng: &mut Rng, rate: u64) -> u64 {
    if rate <= 1 {
        return 0;
    }
    let mean = rate.min(MAX_MEAN) as f64;
    // q is uniform on [1, 2^26]; -ln(q / 2^26) is then exponential with mean 1.
    let q = (rng.next() >> (64 - RANDOM_BITS)) + 1;
    let qlog = ((q as f64).log2() - f64::from(RANDOM_BITS)).min(0.0);
    (qlog * (-std::f64::consts::LN_2 * mean)) as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_one_samples_everything() {
        let mut rng = Rng::unseeded();
        assert_eq!(next_sample(&mut rng, 1), 0);
    }

    #[test]
    fn draws_are_exponential_with_the_rate_as_mean() {
        let mut rng = Rng::unseeded();
        let n = 200_000u64;
        let draws: Vec<u64> = (0..n).map(|_| next_sample(&mut rng, 16384)).collect();
        let mean = draws.iter().sum::<u64>() as f64 / n as f64;
        assert!((mean / 16384.0 - 1.0).abs() < 0.02, "mean {mean}");
        // An exponential variable exceeds its mean with probability 1/e.
        let over = draws.iter().filter(|&&d| d > 16384).count() as f64 / n as f64;
        assert!((over - (-1f64).exp()).abs() < 0.01, "P(X > mean) = {over}");
        assert!(draws.iter().all(|&d| d >= 1));
    }

    #[test]
    fn huge_rates_are_clamped_like_go() {
        let mut rng = Rng::unseeded();
        let max = (0..10_000)
            .map(|_| next_sample(&mut rng, u64::MAX))
            .max()
            .unwrap();
        // 26 random bits bound the draw by 26 * ln 2 times the clamped mean.
        assert!(max as f64 <= 26.0 * std::f64::consts::LN_2 * MAX_MEAN as f64 + 1.0);
    }
}
