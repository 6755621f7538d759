//! `FERROPROF_ALLOCTRACE=N`: one line on standard error every N seconds (1 for every second)
//! with the allocation rate, the live heap and the resident set, in the spirit of Go's
//! `GODEBUG=gctrace=1`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::HeapStats;

/// The variable read by [`start_alloctrace_from_env`].
pub const ALLOCTRACE_VAR: &str = "FERROPROF_ALLOCTRACE";

static STARTED: AtomicBool = AtomicBool::new(false);

/// Starts the trace thread when `FERROPROF_ALLOCTRACE` holds a positive number of seconds;
/// returns whether it runs (once per process). [`crate::Server::start`] calls it; programs that
/// serve the endpoints another way call it themselves.
pub fn start_alloctrace_from_env() -> bool {
    let every = std::env::var(ALLOCTRACE_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    let Some(every) = every.filter(|&s| s > 0) else {
        return false;
    };
    if STARTED.swap(true, Ordering::AcqRel) {
        return true;
    }
    let spawned = std::thread::Builder::new()
        .name("ferroprof-alloctrace".into())
        .spawn(move || super::untracked(|| trace_loop(Duration::from_secs(every))));
    spawned.is_ok()
}

/// Runs for the life of the process, unsampled (the profiler's own thread).
fn trace_loop(every: Duration) {
    let start = Instant::now();
    let mut prev = super::stats();
    loop {
        std::thread::sleep(every);
        let now = super::stats();
        eprintln!("{}", line(start.elapsed(), every, &prev, &now));
        prev = now;
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// One trace line for the interval `every` ending `at` after the start.
fn line(at: Duration, every: Duration, prev: &HeapStats, now: &HeapStats) -> String {
    let secs = every.as_secs_f64().max(1e-9);
    let bytes = now.total_alloc_bytes.saturating_sub(prev.total_alloc_bytes);
    let count = now.mallocs.saturating_sub(prev.mallocs);
    let os = |v: Option<u64>| v.map_or_else(|| "?".to_string(), |b| format!("{:.1} MiB", mib(b)));
    format!(
        "alloctrace {:.0}s: {:.1} MiB/s allocated ({:.0} allocs/s), live {:.1} MiB in {} objects, rss {} (peak {})",
        at.as_secs_f64(),
        mib(bytes) / secs,
        count as f64 / secs,
        mib(now.live_bytes),
        now.live_objects,
        os(now.rss_bytes),
        os(now.peak_rss_bytes),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_reports_rate_live_and_rss() {
        let prev = HeapStats {
            total_alloc_bytes: 0,
            mallocs: 0,
            ..Default::default()
        };
        let now = HeapStats {
            total_alloc_bytes: 4 << 20,
            mallocs: 1000,
            live_bytes: 3 << 20,
            live_objects: 12,
            rss_bytes: Some(10 << 20),
            ..Default::default()
        };
        assert_eq!(
            line(Duration::from_secs(4), Duration::from_secs(2), &prev, &now),
            "alloctrace 4s: 2.0 MiB/s allocated (500 allocs/s), live 3.0 MiB in 12 objects, rss 10.0 MiB (peak ?)"
        );
    }
}
