//! Heap profile text: gperftools `heapz`, Go's `heap?debug=1` (`@ heap/N`, with its
//! `# runtime.MemStats` comments), `heap_v2`/`heapz_v2`, `heapprofile`, and the `growthz` and
//! `fragmentationz` variants (`parseHeap`).

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::builder::{LegacyProfile, LegacySample};
use super::memory_map;
use super::text::{self, regex, Lines};
use super::Reject;
use crate::ValueType;

static HEAP_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?-u)heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] *@ *(heap[_a-z0-9]*)/?([0-9]*)",
    )
});
static GROWTH_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?-u)heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @ growthz?")
});
static FRAGMENTATION_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?-u)heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @ fragmentationz?")
});
static HEAP_SAMPLE: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?-u)(-?[0-9]+): *(-?[0-9]+) *\[ *([0-9]+): *([0-9]+) *] @([ x0-9a-f]*)")
});

/// How recorded sizes relate to the allocations they sampled.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Sampling {
    /// Every allocation was recorded, or the rate is unknown: values are kept as they are.
    Exact,
    /// Poisson sampling every `rate` bytes on average (heap v2): values are unsampled.
    Poisson,
}

/// What the first line says about the profile.
struct Header {
    sampling: Sampling,
    period: i64,
    has_alloc: bool,
}

/// `parseHeap`.
pub(crate) fn parse(data: &[u8]) -> Result<LegacyProfile, Reject> {
    let mut lines = Lines::new(data);
    if !lines.scan()? {
        return Err(Reject::Unrecognized);
    }
    let first = lines.text();
    let header = if HEAP_HEADER.is_match(first) {
        parse_header(first)?
    } else if GROWTH_HEADER.is_match(first) || FRAGMENTATION_HEADER.is_match(first) {
        Header {
            sampling: Sampling::Exact,
            period: 1,
            has_alloc: false,
        }
    } else {
        return Err(Reject::Unrecognized);
    };
    let sample_type = if header.has_alloc {
        // alloc before inuse, so that the default (last) sample type is inuse_space.
        vec![
            ValueType::new("alloc_objects", "count"),
            ValueType::new("alloc_space", "bytes"),
            ValueType::new("inuse_objects", "count"),
            ValueType::new("inuse_space", "bytes"),
        ]
    } else {
        vec![
            ValueType::new("objects", "count"),
            ValueType::new("space", "bytes"),
        ]
    };
    let mut p = LegacyProfile::new(sample_type, ValueType::new("space", "bytes"), header.period);
    while lines.scan()? {
        let line = text::trim_space(lines.text());
        if text::is_space_or_comment(line) {
            continue;
        }
        if memory_map::is_sentinel(line) {
            break;
        }
        let (value, block_bytes, addrs) = parse_sample(line, &header)?;
        let locations = p.stack(&addrs, 0);
        p.samples.push(LegacySample {
            locations,
            value,
            block_bytes: Some(block_bytes),
        });
    }
    memory_map::parse_additional_sections(&mut lines, &mut p)?;
    Ok(p)
}

/// `parseHeapHeader`: the sampling, the period and whether allocation columns are present.
fn parse_header(line: &[u8]) -> Result<Header, Reject> {
    let c = HEAP_HEADER.captures(line).ok_or(Reject::Unrecognized)?;
    let group = |i: usize| text::group(&c, i);
    let mut period = 0;
    if !group(6).is_empty() {
        period = text::parse_int(group(6), 10).map_err(|_| Reject::Unrecognized)?;
    }
    // Compared as text, as Go does.
    let has_alloc =
        (group(3) != group(1) && group(3) != b"0") || (group(4) != group(2) && group(4) != b"0");
    let (sampling, period) = match group(5) {
        b"heapz_v2" | b"heap_v2" => (Sampling::Poisson, period),
        b"heapprofile" => (Sampling::Exact, 1),
        // Go's runtime writes twice its MemProfileRate after `heap/`.
        b"heap" => (Sampling::Poisson, period / 2),
        _ => return Err(Reject::Unrecognized),
    };
    Ok(Header {
        sampling,
        period,
        has_alloc,
    })
}

/// `parseHeapSample`: the values, the block size and the stack of one sample line.
fn parse_sample(line: &[u8], header: &Header) -> Result<(Vec<i64>, i64, Vec<u64>), Reject> {
    let c = HEAP_SAMPLE
        .captures(line)
        .ok_or_else(|| Reject::malformed("unexpected number of sample values: got 0, want 6"))?;
    let group = |i: usize| text::group(&c, i);
    let mut value = Vec::with_capacity(4);
    let mut block_bytes = 0;
    let mut pairs = vec![(group(1), group(2), "inuse")];
    if header.has_alloc {
        pairs.insert(0, (group(3), group(4), "allocation"));
    }
    for (count, size, what) in pairs {
        let bad = |e| Reject::malformed(format!("malformed sample: {}: {e}", text::string(line)));
        let count = text::parse_int(count, 10).map_err(bad)?;
        let size = text::parse_int(size, 10).map_err(bad)?;
        if count == 0 && size != 0 {
            return Err(Reject::malformed(format!(
                "{what} count was 0 but {what} bytes was {size}"
            )));
        }
        let (mut count, mut size) = (count, size);
        if count != 0 {
            block_bytes = size.wrapping_div(count);
            if header.sampling == Sampling::Poisson {
                (count, size) = scale_heap_sample(count, size, header.period);
            }
        }
        value.extend([count, size]);
    }
    let addrs = text::parse_hex_addresses(group(5))
        .map_err(|e| Reject::malformed(format!("malformed sample: {}: {e}", text::string(line))))?;
    Ok((value, block_bytes, addrs))
}

/// `scaleHeapSample`: estimates the allocations behind `count` objects of `size` bytes in total
/// sampled by a Poisson process every `rate` bytes, dividing by the probability
/// `1 - exp(-avg/rate)` that an object of the average size was sampled. A rate of 1 or less
/// means everything was recorded (or the rate is unknown): nothing changes.
pub(crate) fn scale_heap_sample(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let average = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-average / rate as f64).exp());
    (
        text::float_to_int(count as f64 * scale),
        text::float_to_int(size as f64 * scale),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsamples_like_go() {
        // 64 KiB objects at Go's default rate: scale 1/(1-e^-0.125).
        assert_eq!(scale_heap_sample(1, 65536, 524288), (8, 557738));
        assert_eq!(scale_heap_sample(0, 5, 524288), (0, 0));
        assert_eq!(scale_heap_sample(3, 5, 1), (3, 5));
    }

    #[test]
    fn heap_header_period_is_half() {
        let h = parse_header(b"heap profile: 1: 2 [3: 4] @ heap/1048576")
            .ok()
            .unwrap();
        assert_eq!(
            (h.period, h.has_alloc, h.sampling),
            (524288, true, Sampling::Poisson)
        );
        let h = parse_header(b"heap profile: 1: 2 [1: 2] @ heapprofile")
            .ok()
            .unwrap();
        assert_eq!(
            (h.period, h.has_alloc, h.sampling),
            (1, false, Sampling::Exact)
        );
        assert!(matches!(
            parse_header(b"heap profile: 1: 2 [1: 2] @ heapx/3"),
            Err(Reject::Unrecognized)
        ));
    }
}
