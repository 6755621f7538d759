//! Each instrumented lock beside the type it wraps: uncontended lock/unlock, and lock/unlock
//! contended by two threads (with nothing, or about a microsecond of work, done while holding
//! it, so the other thread really waits), with the profiles off (Go's default) and on at their
//! most expensive (mutex fraction 1, block rate 1: every contended event captures a stack).
//!
//! `cargo bench -p ferroprof --bench sync --features parking_lot,tokio`.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

/// A lock to bench: one lock/unlock with a write to the data and `work` done while holding.
trait Lock: Send + Sync + 'static {
    fn cycle_with(&self, work: fn());

    fn cycle(&self) {
        self.cycle_with(|| {});
    }
}

/// About a microsecond of work, done while holding the lock so the other thread really waits.
fn hold_work() {
    (0..300).for_each(|i| {
        black_box(i);
    });
}

/// `Lock` for each `$lock` whose `$acquire` (then `$unwrap`, for std's poisoning) gives a
/// guard of the data.
macro_rules! impl_lock {
    ($($lock:ty: $acquire:ident $(.$unwrap:ident)?;)+) => {$(
        impl Lock for $lock {
            fn cycle_with(&self, work: fn()) {
                let mut g = self.$acquire()$(.$unwrap())?;
                *g += 1;
                work();
            }
        }
    )+};
}

impl_lock! {
    std::sync::Mutex<u64>: lock.unwrap;
    ferroprof::sync::Mutex<u64>: lock.unwrap;
    std::sync::RwLock<u64>: write.unwrap;
    ferroprof::sync::RwLock<u64>: write.unwrap;
    parking_lot::Mutex<u64>: lock;
    ferroprof::sync::parking_lot::Mutex<u64>: lock;
    parking_lot::RwLock<u64>: write;
    ferroprof::sync::parking_lot::RwLock<u64>: write;
}

/// Polls an uncontended tokio lock future once: it completes without a runtime.
fn ready<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(f).poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("uncontended lock did not complete"),
    }
}

fn uncontended<L: Lock>(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    lock: L,
) {
    group.bench_function(name, |b| b.iter(|| black_box(&lock).cycle()));
}

/// Two threads cycling the lock `iters` times each, doing `work` while holding it; the time
/// per cycle.
fn contended<L: Lock>(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    lock: L,
    work: fn(),
) {
    let lock = Arc::new(lock);
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            let other = {
                let lock = lock.clone();
                std::thread::spawn(move || (0..iters).for_each(|_| lock.cycle_with(work)))
            };
            (0..iters).for_each(|_| lock.cycle_with(work));
            other.join().unwrap();
            start.elapsed() / 2
        })
    });
}

fn set_profiles(on: bool) {
    ferroprof::set_mutex_profile_fraction(i64::from(on));
    ferroprof::set_block_profile_rate(i64::from(on));
}

fn uncontended_all(c: &mut Criterion) {
    let mut g = c.benchmark_group("uncontended");
    g.measurement_time(Duration::from_secs(2));
    uncontended(&mut g, "std::sync::Mutex", std::sync::Mutex::new(0));
    uncontended(
        &mut g,
        "ferroprof::sync::Mutex",
        ferroprof::sync::Mutex::new(0),
    );
    uncontended(&mut g, "std::sync::RwLock", std::sync::RwLock::new(0));
    uncontended(
        &mut g,
        "ferroprof::sync::RwLock",
        ferroprof::sync::RwLock::new(0),
    );
    uncontended(&mut g, "parking_lot::Mutex", parking_lot::Mutex::new(0));
    uncontended(
        &mut g,
        "ferroprof::sync::parking_lot::Mutex",
        ferroprof::sync::parking_lot::Mutex::new(0),
    );
    uncontended(&mut g, "parking_lot::RwLock", parking_lot::RwLock::new(0));
    uncontended(
        &mut g,
        "ferroprof::sync::parking_lot::RwLock",
        ferroprof::sync::parking_lot::RwLock::new(0),
    );
    let (t, f) = (
        tokio::sync::Mutex::new(0u64),
        ferroprof::sync::tokio::Mutex::new(0u64),
    );
    g.bench_function("tokio::sync::Mutex", |b| {
        b.iter(|| *ready(black_box(&t).lock()) += 1)
    });
    g.bench_function("ferroprof::sync::tokio::Mutex", |b| {
        b.iter(|| *ready(black_box(&f).lock()) += 1)
    });
    g.finish();
}

fn contended_all(c: &mut Criterion) {
    for (held, work) in [("", (|| {}) as fn()), (", held 1 µs", hold_work)] {
        for on in [false, true] {
            set_profiles(on);
            let profiles = if on { "profiles on" } else { "profiles off" };
            let mut g = c.benchmark_group(format!("contended{held}, {profiles}"));
            g.measurement_time(Duration::from_secs(3)).sample_size(20);
            if !on {
                contended(&mut g, "std::sync::Mutex", std::sync::Mutex::new(0), work);
                contended(
                    &mut g,
                    "parking_lot::Mutex",
                    parking_lot::Mutex::new(0),
                    work,
                );
            }
            let (std_like, pl) = (
                ferroprof::sync::Mutex::new(0),
                ferroprof::sync::parking_lot::Mutex::new(0),
            );
            contended(&mut g, "ferroprof::sync::Mutex", std_like, work);
            contended(&mut g, "ferroprof::sync::parking_lot::Mutex", pl, work);
            g.finish();
        }
    }
    set_profiles(false);
}

criterion_group!(benches, uncontended_all, contended_all);
criterion_main!(benches);
