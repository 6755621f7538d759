//! From bucket records to Go's heap sample values: unsampling, delta profiles, sorting.

use std::collections::HashMap;

use super::buckets::{Counts, Record};

/// Which of Go's two views of the heap samples a profile shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileKind {
    /// `/debug/pprof/heap`: default sample type `inuse_space` (unset, i.e. the last).
    Heap,
    /// `/debug/pprof/allocs`: the same samples, default sample type `alloc_space`.
    Allocs,
}

impl ProfileKind {
    /// The endpoint's name, as Go's `pprof.Lookup` knows it.
    pub fn name(self) -> &'static str {
        match self {
            ProfileKind::Heap => "heap",
            ProfileKind::Allocs => "allocs",
        }
    }

    /// The `default_sample_type` Go writes: none for heap (the last type, `inuse_space`),
    /// `alloc_space` for allocs.
    pub fn default_sample_type(self) -> &'static str {
        match self {
            ProfileKind::Heap => "",
            ProfileKind::Allocs => "alloc_space",
        }
    }
}

/// Go's sample types for heap and allocs, in Go's order.
pub const SAMPLE_TYPES: [(&str, &str); 4] = [
    ("alloc_objects", "count"),
    ("alloc_space", "bytes"),
    ("inuse_objects", "count"),
    ("inuse_space", "bytes"),
];

/// Estimates the true (count, bytes) behind `count` sampled blocks of `bytes` in total at `rate`,
/// as Go's `scaleHeapSample` does (`go/runtime/pprof/protomem.go`): a block of average size `s`
/// is sampled with probability `1 - exp(-s/rate)`. Rates 0 and 1 mean nothing was skipped.
pub fn unsample(count: i64, bytes: i64, rate: u64) -> (i64, i64) {
    if count == 0 || bytes == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, bytes);
    }
    let avg = bytes as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * scale) as i64, (bytes as f64 * scale) as i64)
}

/// One bucket's figures, raw (as sampled) and signed, so that deltas can go negative as Go's do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sampled {
    /// Return addresses, innermost first.
    pub stack: Vec<u64>,
    /// The block size (Go's numeric label `bytes`).
    pub size: u64,
    /// Sampled allocations.
    pub alloc_objects: i64,
    /// Bytes of sampled allocations.
    pub alloc_bytes: i64,
    /// Sampled blocks still live.
    pub inuse_objects: i64,
    /// Bytes of sampled blocks still live.
    pub inuse_bytes: i64,
}

impl Sampled {
    fn from_counts(stack: Vec<u64>, size: u64, c: &Counts) -> Self {
        let signed = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Sampled {
            stack,
            size,
            alloc_objects: signed(c.alloc_objects),
            alloc_bytes: signed(c.alloc_bytes),
            inuse_objects: signed(c.alloc_objects.saturating_sub(c.free_objects)),
            inuse_bytes: signed(c.alloc_bytes.saturating_sub(c.free_bytes)),
        }
    }

    /// The four values of Go's proto, unsampled at `rate`.
    pub fn values(&self, rate: u64) -> [i64; 4] {
        let (ao, ab) = unsample(self.alloc_objects, self.alloc_bytes, rate);
        let (io, ib) = unsample(self.inuse_objects, self.inuse_bytes, rate);
        [ao, ab, io, ib]
    }

    fn is_zero(&self) -> bool {
        self.alloc_objects == 0
            && self.alloc_bytes == 0
            && self.inuse_objects == 0
            && self.inuse_bytes == 0
    }
}

/// Records as samples, stacks merged where two buckets share one key (see `buckets`), sorted by
/// live bytes descending like Go's text profile (ties by stack, so the order is deterministic).
pub fn samples(records: &[Record]) -> Vec<Sampled> {
    let mut out: Vec<Sampled> = Vec::with_capacity(records.len());
    let mut sorted: Vec<&Record> = records.iter().collect();
    sorted.sort_by(|a, b| (&a.stack, a.size).cmp(&(&b.stack, b.size)));
    for r in sorted {
        let s = Sampled::from_counts(r.stack.clone(), r.size, &r.counts);
        match out.last_mut() {
            Some(last) if last.stack == s.stack && last.size == s.size => {
                last.alloc_objects += s.alloc_objects;
                last.alloc_bytes += s.alloc_bytes;
                last.inuse_objects += s.inuse_objects;
                last.inuse_bytes += s.inuse_bytes;
            }
            _ => out.push(s),
        }
    }
    sort_by_inuse(&mut out);
    out
}

fn sort_by_inuse(samples: &mut [Sampled]) {
    samples.sort_by(|a, b| {
        b.inuse_bytes
            .cmp(&a.inuse_bytes)
            .then_with(|| a.stack.cmp(&b.stack))
    });
}

/// `end - start` per bucket, dropping buckets that did not change (Go's delta profile: the first
/// snapshot scaled by -1 merged into the second, all-zero samples dropped).
pub fn delta(start: &[Record], end: &[Record]) -> Vec<Sampled> {
    let before = samples(start);
    let by_key: HashMap<(&[u64], u64), &Sampled> = before
        .iter()
        .map(|b| ((b.stack.as_slice(), b.size), b))
        .collect();
    let mut out = samples(end);
    for s in &mut out {
        if let Some(b) = by_key.get(&(s.stack.as_slice(), s.size)) {
            s.alloc_objects -= b.alloc_objects;
            s.alloc_bytes -= b.alloc_bytes;
            s.inuse_objects -= b.inuse_objects;
            s.inuse_bytes -= b.inuse_bytes;
        }
    }
    out.retain(|s| !s.is_zero());
    sort_by_inuse(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u32, stack: &[u64], size: u64, allocs: u64, frees: u64) -> Record {
        Record {
            id,
            stack: stack.to_vec(),
            size,
            counts: Counts {
                alloc_objects: allocs,
                alloc_bytes: allocs * size,
                free_objects: frees,
                free_bytes: frees * size,
            },
        }
    }

    #[test]
    fn unsample_matches_go_example() {
        // GO-REFERENCE §3.1: 64 KiB objects at 512 KiB scale by 1/(1 - e^-0.125) ≈ 8.51.
        let (n, b) = unsample(10, 10 * 65536, 512 * 1024);
        assert_eq!(n, 85);
        assert_eq!(b, (10.0 * 65536.0 / (1.0 - (-0.125f64).exp())) as i64);
        assert_eq!(unsample(3, 300, 1), (3, 300));
        assert_eq!(unsample(0, 0, 4096), (0, 0));
    }

    #[test]
    fn samples_merge_duplicate_keys_and_sort_by_inuse() {
        let recs = [
            record(0, &[1, 2], 16, 4, 4),
            record(1, &[3], 32, 2, 0),
            record(2, &[1, 2], 16, 1, 0),
        ];
        let s = samples(&recs);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].stack.as_slice(), s[0].inuse_bytes), (&[3u64][..], 64));
        assert_eq!((s[1].alloc_objects, s[1].inuse_objects), (5, 1));
    }

    #[test]
    fn delta_subtracts_and_drops_unchanged() {
        let start = [record(0, &[1], 8, 10, 5), record(1, &[2], 8, 3, 0)];
        let end = [record(0, &[1], 8, 12, 9), record(1, &[2], 8, 3, 0)];
        let d = delta(&start, &end);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].alloc_objects, d[0].inuse_objects, d[0].inuse_bytes),
            (2, -2, -16)
        );
    }
}
