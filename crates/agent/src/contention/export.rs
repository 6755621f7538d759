//! The `mutex` and `block` profiles as Go writes them (GO-REFERENCE.md §1.7, §2.3, §3.2,
//! §3.3): the proto with `contentions/count` and `delay/nanoseconds`, and the `debug=1` text.
//!
//! Delays are recorded in nanoseconds, so the text's "cycles" are nanoseconds and its
//! `cycles/second` is 10^9; clients convert them back exactly.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use ferroprof_profile::{Profile, Sample, ValueType};

use super::table::Record;
use super::Kind;

/// The text's `cycles/second`: delays are nanoseconds.
const CYCLES_PER_SECOND: u64 = 1_000_000_000;

/// The records of a profile at one moment, for a delta profile (`?seconds=N`).
#[derive(Debug)]
pub struct Snapshot {
    kind: Kind,
    records: Vec<Record>,
    time_nanos: i64,
}

fn unix_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

impl Snapshot {
    /// The records of `kind` now.
    pub fn take(kind: Kind) -> Snapshot {
        Snapshot {
            kind,
            records: kind.table().records(),
            time_nanos: unix_nanos(),
        }
    }

    /// The profile of what was recorded since this snapshot (Go's `serveDeltaProfile`), with
    /// its time and duration.
    pub fn delta(&self) -> Profile {
        let now = Snapshot::take(self.kind);
        let before: HashMap<&[u64], &Record> = self
            .records
            .iter()
            .map(|r| (r.stack.as_slice(), r))
            .collect();
        let records = now
            .records
            .iter()
            .filter_map(|r| {
                let (count, delay) = before
                    .get(r.stack.as_slice())
                    .map_or((0.0, 0), |b| (b.count, b.delay_nanos));
                let delay_nanos = r.delay_nanos.saturating_sub(delay);
                (delay_nanos > 0).then(|| Record {
                    stack: r.stack.clone(),
                    count: r.count - count,
                    delay_nanos,
                })
            })
            .collect();
        let mut p = build(self.kind, records);
        p.time_nanos = now.time_nanos;
        p.duration_nanos = now.time_nanos - self.time_nanos;
        p
    }
}

/// Go's `contentions` value of a record: the count truncated, at least 1 (`BlockProfile`).
fn contentions(count: f64) -> i64 {
    (count as i64).max(1)
}

/// The records sorted by delay, largest first (Go sorts by cycles), ties by stack.
fn sorted(mut records: Vec<Record>) -> Vec<Record> {
    records.sort_by(|a, b| {
        b.delay_nanos
            .cmp(&a.delay_nanos)
            .then_with(|| a.stack.cmp(&b.stack))
    });
    records
}

/// The mutex profile's scale: the fraction at write time (Go's `scaleMutexProfile`); 1 for
/// the block profile, whose records are weighted when recorded.
fn scale(kind: Kind) -> i64 {
    match kind {
        Kind::Mutex => super::mutex_profile_fraction().max(1),
        Kind::Block => 1,
    }
}

fn build(kind: Kind, records: Vec<Record>) -> Profile {
    let p = Profile {
        sample_type: vec![
            ValueType::new("contentions", "count"),
            ValueType::new("delay", "nanoseconds"),
        ],
        period_type: Some(ValueType::new("contentions", "count")),
        period: 1,
        time_nanos: unix_nanos(),
        comments: dropped_comment(kind).into_iter().collect(),
        ..Profile::default()
    };
    let rate = scale(kind);
    let mut b = crate::export::Builder::new(p);
    for r in sorted(records) {
        let location = b.stack(&r.stack);
        let value = vec![
            contentions(r.count).saturating_mul(rate),
            (r.delay_nanos as i64).saturating_mul(rate),
        ];
        b.sample(Sample {
            location,
            value,
            ..Sample::default()
        });
    }
    b.finish()
}

fn dropped_comment(kind: Kind) -> Option<String> {
    let n = kind.table().dropped();
    (n > 0).then(|| {
        format!("ferroprof: {n} contention events dropped (record table full or unwinder busy)")
    })
}

/// The profile `kind` as Go's handler serves it with `debug=0`: all records so far, the
/// mutex profile scaled by the current fraction.
pub fn profile(kind: Kind) -> Profile {
    build(kind, kind.table().records())
}

/// Go's `debug=1` text of `kind` (`--- mutex:` / `--- contention:`): raw counts and delays,
/// sorted by delay, each with its symbolized stack.
pub fn text(kind: Kind) -> String {
    let mut out = match kind {
        Kind::Mutex => format!(
            "--- mutex:\ncycles/second={CYCLES_PER_SECOND}\nsampling period={}\n",
            super::mutex_profile_fraction()
        ),
        Kind::Block => format!("--- contention:\ncycles/second={CYCLES_PER_SECOND}\n"),
    };
    let process = crate::export::symbols::process();
    let mut symbols = crate::text::Symbols::new(&process);
    for r in sorted(kind.table().records()) {
        let _ = write!(out, "{} {} @", r.delay_nanos, contentions(r.count));
        for a in &r.stack {
            // Recorded as lookup addresses; Go lists the return addresses.
            let _ = write!(out, " {:#x}", a + 1);
        }
        out.push('\n');
        crate::text::write_stack(&mut symbols, &r.stack, &mut out);
        out.push('\n');
    }
    crate::text::tabwrite(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contentions_truncate_like_go() {
        assert_eq!(contentions(0.2), 1);
        assert_eq!(contentions(3.9), 3);
    }

    #[test]
    fn text_headers_are_go_s() {
        assert!(text(Kind::Block).starts_with("--- contention:\ncycles/second=1000000000\n"));
        let m = text(Kind::Mutex);
        assert!(m.starts_with("--- mutex:\ncycles/second=1000000000\nsampling period="));
    }
}
