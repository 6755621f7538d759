//! Go's `mutex` and `block` profiles, fed by the instrumented locks of [`crate::sync`].
//!
//! ```
//! ferroprof::set_mutex_profile_fraction(1); // runtime.SetMutexProfileFraction(1)
//! ferroprof::set_block_profile_rate(1); // runtime.SetBlockProfileRate(1)
//! let lock = std::sync::Arc::new(ferroprof::sync::Mutex::new(0u64));
//! let other = lock.clone();
//! let guard = lock.lock().unwrap();
//! let waiter = std::thread::spawn(move || *other.lock().unwrap() += 1);
//! std::thread::sleep(std::time::Duration::from_millis(20));
//! drop(guard); // charges the waiter's delay to this stack in the mutex profile
//! waiter.join().unwrap();
//! let mutex = ferroprof::contention::profile(ferroprof::contention::Kind::Mutex);
//! assert_eq!(mutex.sample_type[1].r#type, "delay");
//! # ferroprof::set_mutex_profile_fraction(0);
//! # ferroprof::set_block_profile_rate(0);
//! ```
//!
//! # Design constraints
//! - Go's semantics (GO-REFERENCE.md §3.2, §3.3): the mutex profile charges the time waiters
//!   waited to the stack that *released* the lock, recorded after the release and sampled 1 in
//!   [`mutex_profile_fraction`] events, scaled back by the fraction in force when the profile is
//!   written; the block profile charges each wait to the waiting stack, every wait of at least
//!   [`block_profile_rate`] nanoseconds and shorter ones with probability `wait/rate`, weighted
//!   as Go weights them. Both are off (0) until the program turns them on, as in Go.
//! - The uncontended path of every lock is the original type's: no clock read, no allocation,
//!   one extra relaxed load on release. Only a lock that had to wait reads the clock.
//! - Recording never blocks and never allocates once the unwinder is built (first event):
//!   stacks go into fixed `static` tables; a full table or a busy unwinder drops the event and
//!   counts it, and the count reaches the profile as a comment.
//! - Export (symbolization, encoding) runs in the requesting thread (see [`crate::export`]).

pub(crate) mod endpoint;
mod export;
mod stack;
mod table;
pub(crate) mod tracker;

use std::cell::Cell;
use std::sync::atomic::{AtomicI64, Ordering};

pub use crate::stack_table::MAX_DEPTH;
use crate::unwind::MAX_WALK;
pub use export::{profile, text, Snapshot};
pub use table::SLOTS;

/// Which contention profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `/debug/pprof/mutex`: delay charged to the releasing stack.
    Mutex,
    /// `/debug/pprof/block`: time spent waiting, charged to the waiting stack.
    Block,
}

impl Kind {
    /// Go's profile name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Mutex => "mutex",
            Kind::Block => "block",
        }
    }

    fn table(self) -> &'static table::Table {
        match self {
            Kind::Mutex => &table::MUTEX,
            Kind::Block => &table::BLOCK,
        }
    }
}

static MUTEX_FRACTION: AtomicI64 = AtomicI64::new(0);
static BLOCK_RATE: AtomicI64 = AtomicI64::new(0);

/// Go's `runtime.SetMutexProfileFraction`: on average 1 in `rate` contention events is
/// reported; 0 turns the mutex profile off, a negative value only reads. Returns the previous
/// fraction.
pub fn set_mutex_profile_fraction(rate: i64) -> i64 {
    if rate < 0 {
        return MUTEX_FRACTION.load(Ordering::Relaxed);
    }
    MUTEX_FRACTION.swap(rate, Ordering::Relaxed)
}

/// The current mutex profile fraction (see [`set_mutex_profile_fraction`]).
pub fn mutex_profile_fraction() -> i64 {
    MUTEX_FRACTION.load(Ordering::Relaxed)
}

/// Go's `runtime.SetBlockProfileRate`: one blocking event is sampled per `rate` nanoseconds
/// spent blocked on average; 1 records every wait, 0 or less turns the block profile off.
pub fn set_block_profile_rate(rate: i64) {
    BLOCK_RATE.store(rate.max(0), Ordering::Relaxed);
}

/// The current block profile rate in nanoseconds (see [`set_block_profile_rate`]).
pub fn block_profile_rate() -> i64 {
    BLOCK_RATE.load(Ordering::Relaxed)
}

/// Whether either profile is on, i.e. whether waits must be timed.
#[inline]
pub(crate) fn enabled() -> bool {
    MUTEX_FRACTION.load(Ordering::Relaxed) > 0 || BLOCK_RATE.load(Ordering::Relaxed) > 0
}

/// Events dropped so far (table full or unwinder busy) in the profile `kind`.
pub fn dropped(kind: Kind) -> u64 {
    kind.table().dropped()
}

/// Monotonic nanoseconds (`CLOCK_MONOTONIC`, a vDSO call).
#[inline]
pub(crate) fn now_nanos() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0) };
}

/// A per-thread xorshift64 draw (Go's `fastrand`), seeded from the clock and the thread.
fn fastrand() -> u64 {
    RNG.try_with(|c| {
        let mut x = c.get();
        if x == 0 {
            x = now_nanos() ^ (c as *const Cell<u64> as u64).rotate_left(32) | 1;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c.set(x);
        x
    })
    .unwrap_or_else(|_| now_nanos())
}

/// Records that waiters waited `delay_nanos` on a lock the caller has just released (Go's
/// `mutexevent`), sampled 1 in [`mutex_profile_fraction`].
#[inline(never)]
pub(crate) fn record_mutex(delay_nanos: u64) {
    let rate = MUTEX_FRACTION.load(Ordering::Relaxed);
    if rate <= 0 || delay_nanos == 0 || fastrand() % rate as u64 != 0 {
        return;
    }
    let mut walk = [0; MAX_WALK];
    match stack::capture(&mut walk) {
        [] => table::MUTEX.drop_event(),
        frames => table::MUTEX.add(frames, 1.0, delay_nanos),
    }
}

/// Records that the caller waited `wait_nanos` (Go's `blockevent`): waits of at least
/// [`block_profile_rate`] always, shorter ones with probability `wait/rate`, weighted so the
/// expected totals are unbiased.
#[inline(never)]
pub(crate) fn record_block(wait_nanos: u64) {
    let rate = BLOCK_RATE.load(Ordering::Relaxed);
    if rate <= 0 {
        return;
    }
    let rate = rate as u64;
    let wait = wait_nanos.max(1);
    if rate > wait && fastrand() % rate > wait {
        return;
    }
    let (count, delay) = if wait < rate {
        (rate as f64 / wait as f64, rate)
    } else {
        (1.0, wait)
    };
    let mut walk = [0; MAX_WALK];
    match stack::capture(&mut walk) {
        [] => table::BLOCK.drop_event(),
        frames => table::BLOCK.add(frames, count, delay),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block profile rate of the test: 100 µs.
    const RATE: u64 = 100_000;

    // Distinct constants keep the three sites distinct functions (no merging); the
    // `black_box` after each call keeps the call from becoming a tail jump.
    #[inline(never)]
    fn short_wait_site() {
        record_block(RATE / 10);
        std::hint::black_box(());
    }

    #[inline(never)]
    fn long_wait_site() {
        record_block(RATE * 10);
        std::hint::black_box(());
    }

    #[inline(never)]
    fn sampled_release_site() {
        record_mutex(1000);
        std::hint::black_box(());
    }

    /// The recorded (count, delay) of the records whose innermost frame is in `site`: the
    /// site starting closest below that frame.
    fn totals_at(table: &table::Table, site: fn()) -> (f64, u64) {
        let sites = [
            short_wait_site as fn(),
            long_wait_site,
            sampled_release_site,
        ];
        let owner = |addr: u64| {
            sites
                .iter()
                .map(|f| *f as usize as u64)
                .filter(|&start| start <= addr)
                .max()
        };
        table
            .records()
            .iter()
            .filter(|r| r.stack.first().and_then(|&a| owner(a)) == Some(site as usize as u64))
            .fold((0.0, 0), |(c, d), r| (c + r.count, d + r.delay_nanos))
    }

    /// RELIABILITY.md A13, Go's `TestBlockProfileBias`: 100k short waits (a tenth of the
    /// rate, so sampled) and 10k long ones (ten times the rate, always kept) come out with
    /// their true totals within 20%: the sampled short waits are weighted up, not lost.
    /// Also 100k contended releases at fraction 10: about 10k are recorded.
    #[test]
    fn a13_synthetic_waits_are_unbiased() {
        set_block_profile_rate(RATE as i64);
        let previous = set_mutex_profile_fraction(10);
        for _ in 0..100_000 {
            short_wait_site();
        }
        for _ in 0..10_000 {
            long_wait_site();
        }
        for _ in 0..100_000 {
            sampled_release_site();
        }
        set_block_profile_rate(0);
        set_mutex_profile_fraction(previous);
        let (short_count, short_delay) = totals_at(&table::BLOCK, short_wait_site);
        let (long_count, long_delay) = totals_at(&table::BLOCK, long_wait_site);
        let (released, _) = totals_at(&table::MUTEX, sampled_release_site);
        let near = |got: f64, want: f64| (got / want - 1.0).abs() < 0.2;
        assert!(
            near(short_delay as f64, 100_000.0 * 10_000.0),
            "{short_delay}"
        );
        assert!(near(short_count, 100_000.0), "{short_count}");
        assert_eq!((long_count, long_delay), (10_000.0, 10_000 * 1_000_000));
        assert!(near(released * 10.0, 100_000.0), "{released}");
    }
}
