//! The legacy binary CPU profile (gperftools `profilez`, Go's pre-protobuf `StartCPUProfile`):
//! machine words, 32 or 64 bits, little or big endian, detected from the header
//! `0, 3, 0 (C++) or 1 (Java), period in µs, 0` (`parseCPU`, `cpuProfile`, `parseCPUSamples`).
//! The text after the samples is a memory map (C++) or Java's location table.

use std::collections::HashMap;

use super::builder::LegacyProfile;
use super::text::Lines;
use super::{java, memory_map, Reject};
use crate::ValueType;

/// How many header words there are.
const HEADER_WORDS: usize = 5;

/// A second frame shared by all samples but one in this many is the signal handler's frame.
const SIMILAR_SAMPLES: usize = 32;

/// How many such frames are stripped at most.
const MAX_STRIPPED_FRAMES: usize = 2;

/// One of the four word encodings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Words {
    bytes: usize,
    big_endian: bool,
}

/// The encodings in the order Go tries them.
const ENCODINGS: [Words; 4] = [
    Words {
        bytes: 4,
        big_endian: false,
    },
    Words {
        bytes: 4,
        big_endian: true,
    },
    Words {
        bytes: 8,
        big_endian: false,
    },
    Words {
        bytes: 8,
        big_endian: true,
    },
];

impl Words {
    /// Reads one word; `None` when fewer bytes than a word remain.
    fn read(self, b: &[u8]) -> Option<(u64, &[u8])> {
        let word = b.get(..self.bytes)?;
        let fold = |acc: u64, &byte: &u8| acc << 8 | u64::from(byte);
        let value = if self.big_endian {
            word.iter().fold(0, fold)
        } else {
            word.iter().rev().fold(0, fold)
        };
        Some((value, &b[self.bytes..]))
    }

    /// Reads one word the way Go's `get32l`… helpers do: a missing word reads as 0 and leaves
    /// nothing behind.
    fn read_or_zero(self, b: &[u8]) -> (u64, &[u8]) {
        self.read(b).unwrap_or((0, &[]))
    }
}

/// Which program wrote the profile, from the third header word.
enum Writer {
    Cpp,
    Java,
}

/// `parseCPU`.
pub(crate) fn parse(data: &[u8]) -> Result<LegacyProfile, Reject> {
    for words in ENCODINGS {
        let mut header = [0u64; HEADER_WORDS];
        let mut rest = Some(data);
        for slot in &mut header {
            let (value, after) = match rest.and_then(|b| words.read(b)) {
                Some((value, after)) => (value, Some(after)),
                None => (0, None),
            };
            *slot = value;
            rest = after;
        }
        let Some(rest) = rest else { continue };
        let writer = match header {
            [0, 3, 0, period, 0] if period > 0 => Writer::Cpp,
            [0, 3, 1, period, 0] if period > 0 => Writer::Java,
            _ => continue,
        };
        // The period is in microseconds; Go converts it to i64 without a check.
        let period_micros = header[3] as i64;
        return match writer {
            Writer::Cpp => parse_cpp(rest, period_micros, words),
            Writer::Java => java::parse_cpu(rest, period_micros, words),
        };
    }
    Err(Reject::Unrecognized)
}

/// An empty CPU profile with the period in microseconds.
pub(crate) fn cpu_profile(period_micros: i64) -> LegacyProfile {
    LegacyProfile::new(
        vec![
            ValueType::new("samples", "count"),
            ValueType::new("cpu", "nanoseconds"),
        ],
        ValueType::new("cpu", "nanoseconds"),
        period_micros.wrapping_mul(1000),
    )
}

/// `cpuProfile`: the samples, minus the signal handler's frames, then the memory map.
fn parse_cpp(data: &[u8], period_micros: i64, words: Words) -> Result<LegacyProfile, Reject> {
    let mut p = cpu_profile(period_micros);
    let rest = parse_samples(data, words, true, &mut p)?;
    for _ in 0..MAX_STRIPPED_FRAMES {
        strip_signal_frame(&mut p);
    }
    memory_map::parse_memory_map(&mut Lines::new(rest), &mut p)?;
    p.drop_duplicate_leaves();
    Ok(p)
}

/// If all samples but one in [`SIMILAR_SAMPLES`] share their second frame, it was pushed by the
/// signal handler (the leaf comes from the signal context and is right): removes it.
fn strip_signal_frame(p: &mut LegacyProfile) {
    let margin = p.samples.len() / SIMILAR_SAMPLES;
    let mut counts: HashMap<u64, usize> = HashMap::new();
    for s in &p.samples {
        if let Some(&second) = s.locations.get(1) {
            *counts.entry(p.locations[second].address).or_default() += 1;
        }
    }
    // At most one address can reach the threshold, which is over half the samples.
    let threshold = p.samples.len() - margin;
    let Some((&frame, _)) = counts.iter().find(|&(_, &n)| n >= threshold) else {
        return;
    };
    for s in &mut p.samples {
        if s.locations.len() > 1 && p.locations[s.locations[1]].address == frame {
            s.locations.remove(1);
        }
    }
}

/// `parseCPUSamples`: records `count, n, addr × n` until the `0, 1, 0` trailer or the end of the
/// data; with `adjust`, every address but the leaf is moved back onto its call. Returns the
/// bytes after the samples.
pub(crate) fn parse_samples<'a>(
    mut b: &'a [u8],
    words: Words,
    adjust: bool,
    p: &mut LegacyProfile,
) -> Result<&'a [u8], Reject> {
    while !b.is_empty() {
        let (count, after_count) = words.read_or_zero(b);
        let Some((depth, after_depth)) = words.read(after_count) else {
            return Err(Reject::Unrecognized);
        };
        b = after_depth;
        // Bounds the stack by the data left, as Go does (in 4-byte units for either word size).
        let depth = usize::try_from(depth).ok().filter(|&d| d <= b.len() / 4);
        let Some(depth) = depth else {
            return Err(Reject::Unrecognized);
        };
        let mut addrs = Vec::with_capacity(depth);
        for _ in 0..depth {
            let (addr, after) = words.read_or_zero(b);
            addrs.push(addr);
            b = after;
        }
        if count == 0 && addrs == [0] {
            break;
        }
        let locations = p.stack(&addrs, if adjust { 1 } else { depth });
        let count = count as i64;
        p.push_sample(locations, vec![count, count.wrapping_mul(p.period)]);
    }
    Ok(b)
}
