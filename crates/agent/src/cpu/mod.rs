//! CPU profiling: per-thread CPU-time timers deliver `SIGPROF`; the handler captures the
//! stack into a preallocated lock-free buffer; a profiler thread arms timers for new threads
//! and aggregates the records; [`CpuProfile::to_profile`] builds Go's CPU profile.
//!
//! ```no_run
//! let guard = ferroprof::cpu::start(&ferroprof::CpuConfig::default())?;
//! // ... work ...
//! let profile = guard.stop()?.to_profile();
//! assert_eq!(profile.period, 10_000_000);
//! # Ok::<(), ferroprof::Error>(())
//! ```
//!
//! # Design constraints
//! - One profile at a time per process: a second [`start`] fails with
//!   [`Error::CpuProfilingInUse`], whose text is Go's.
//! - Threads created during the profile get their timer when the profiler thread notices them:
//!   it rescans `/proc/self/task` every [`TICK`]. Until then a new thread's CPU time is not
//!   sampled: up to one tick on an idle machine, longer when the profiler thread waits for a
//!   CPU. The tick is 50 ms, as a trade: each wake-up of the profiler thread costs ~70 µs of CPU
//!   on a VM (timer, context switch, scan, drain), so a 10 ms tick alone cost ~0.7% of a core,
//!   more than the samples of a busy thread do (Go's profile writer wakes every 100 ms, and Go
//!   threads arm their own timers). (A process-wide `ITIMER_PROF` fallback does not help on Linux: its signals go to the
//!   main thread, not to the thread that used the time.)
//! - Accuracy: each sample stands for one timer period plus the periods the kernel merged into
//!   it (`si_overrun`). Linux checks thread CPU timers on scheduler ticks while the thread runs,
//!   so the CPU time a thread used since its last check is lost when it exits or the profile
//!   stops; longer profiles lose proportionally less (Go's per-thread timers share this).
//!   Measured on a 2-vCPU VM with two other processes spinning (load average 6): two threads
//!   competing for the CPUs 96–99% of `getrusage` in release builds. (Before the overrun
//!   periods were counted, the same run gave 68%.)
//! - Stops in order: timers deleted, a grace period for queued signals, the sampler
//!   retracted (waiting for handlers in flight), then the previous handler restored.
//! - Interrupted system calls restart (`SA_RESTART`); calls that Linux never restarts
//!   (`nanosleep`-style sleeps resume themselves in std; `epoll_wait`, `poll`, `select` with
//!   a timeout and `sigtimedwait`) may return `EINTR`, as under Go's profiler.

mod buffer;
mod signal;
mod timers;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use ferroprof_profile::Profile;

pub use buffer::MAX_DEPTH;

use crate::error::{Error, Result};
use signal::Sampler;

/// How often the profiler thread drains the buffer and arms timers for new threads.
pub const TICK: Duration = Duration::from_millis(50);

/// Records buffered between drains. At 100 Hz a drain every 50 ms sees 5 records per busy
/// thread, so 2048 slots absorb ~400 busy threads (Go's profBuf is 1 MiB, about the same).
const BUFFER_RECORDS: usize = 2048;

/// CPU profiling settings.
#[derive(Clone, Debug)]
pub struct CpuConfig {
    /// Samples per second of CPU time per thread (Go: 100).
    pub frequency_hz: u32,
    /// The longest `?seconds=` accepted by `profile` and by delta profiles; longer requests
    /// get 400 with Go's WriteTimeout message.
    pub max_seconds: u64,
    /// Frames kept per sample, at most [`MAX_DEPTH`] (Go keeps 64).
    pub max_depth: usize,
}

impl Default for CpuConfig {
    fn default() -> Self {
        CpuConfig {
            frequency_hz: 100,
            max_seconds: 60,
            max_depth: 64,
        }
    }
}

static RUNNING: AtomicBool = AtomicBool::new(false);
static UNWINDER: crate::unwind::UnwinderCache = crate::unwind::UnwinderCache::new();

/// A stack with its label word: the aggregation key.
pub(crate) type StackKey = (Vec<u64>, usize);

/// A finished CPU profile: aggregated stacks and what the profiler counted.
#[derive(Clone, Debug)]
pub struct CpuProfile {
    /// Samples per stack (lookup addresses, leaf first) and label word.
    pub(crate) stacks: HashMap<StackKey, u64>,
    /// The sampling rate used.
    pub frequency_hz: u32,
    /// When profiling started.
    pub start: SystemTime,
    /// How long it ran.
    pub duration: Duration,
    /// Samples dropped because the buffer was full or all capture buffers were busy.
    pub lost: u64,
    /// SIGPROF signals from other sources (e.g. `kill -PROF`), ignored.
    pub foreign_signals: u64,
    /// Another library replaced our signal handler during the profile.
    pub handler_replaced: bool,
}

impl CpuProfile {
    /// The number of samples taken.
    pub fn sample_count(&self) -> u64 {
        self.stacks.values().sum()
    }

    /// Go's CPU profile: `samples/count` and `cpu/nanoseconds`, period `1e9/hz` ns of
    /// `cpu/nanoseconds`, time and duration, labels, symbolized locations with mappings.
    pub fn to_profile(&self) -> Profile {
        crate::export::cpu_profile(self)
    }
}

/// A running CPU profile; stops on [`CpuProfilerGuard::stop`] or on drop.
#[derive(Debug)]
pub struct CpuProfilerGuard {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<CpuProfile>>>,
}

/// Whether a CPU profile is running in this process.
pub fn is_running() -> bool {
    RUNNING.load(Ordering::SeqCst)
}

/// Starts profiling every thread of the process.
pub fn start(config: &CpuConfig) -> Result<CpuProfilerGuard> {
    if RUNNING
        .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return Err(Error::CpuProfilingInUse);
    }
    start_running(config).inspect_err(|_| RUNNING.store(false, Ordering::SeqCst))
}

fn start_running(config: &CpuConfig) -> Result<CpuProfilerGuard> {
    let hz = config.frequency_hz.clamp(1, 1_000_000);
    let period_nanos = 1_000_000_000 / u64::from(hz);
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    let sampler = Box::new(Sampler {
        buffer: buffer::RecordBuffer::new(BUFFER_RECORDS),
        unwinder: UNWINDER.get((2 * cpus).max(4)),
        depth: config.max_depth.clamp(1, MAX_DEPTH),
        cookie: &RUNNING as *const AtomicBool as usize,
        busy: Default::default(),
    });
    let cookie = sampler.cookie;
    // The baseline is taken before our handler can count anything: the caller may send
    // signals as soon as `start` returns, before the profiler thread runs.
    let foreign_before = signal::FOREIGN.load(Ordering::SeqCst);
    let installed = crate::signals::install(libc::SIGPROF, signal::on_sigprof)?;
    signal::publish(sampler);
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("ferroprof-cpu".into())
        .spawn(move || {
            let mut timers = timers::ThreadTimers::new(period_nanos, cookie);
            let first = timers.sync();
            let _ = started_tx.send(first.map_err(|e| e.to_string()));
            run(hz, period_nanos, timers, &stop2, installed, foreign_before)
        });
    let thread = match spawned {
        Ok(t) => t,
        Err(e) => {
            signal::retract();
            return Err(Error::Sys {
                call: "thread spawn",
                source: e,
            });
        }
    };
    // Wait until every existing thread has a timer, so a profile covers its whole duration.
    if let Ok(Err(msg)) = started_rx.recv() {
        stop.store(true, Ordering::SeqCst);
        let _ = thread.join();
        return Err(Error::Sys {
            call: "arming timers",
            source: std::io::Error::other(msg),
        });
    }
    Ok(CpuProfilerGuard {
        stop,
        thread: Some(thread),
    })
}

/// The profiler thread: arm timers for new threads, drain, and on stop tear down in order.
fn run(
    hz: u32,
    period_nanos: u64,
    mut timers: timers::ThreadTimers,
    stop: &AtomicBool,
    installed: crate::signals::Installed,
    foreign_before: usize,
) -> Result<CpuProfile> {
    let start = SystemTime::now();
    let started = Instant::now();
    let mut stacks = HashMap::new();
    while !stop.load(Ordering::SeqCst) {
        // Woken early by `stop`; a spurious wake-up only drains early.
        std::thread::park_timeout(TICK);
        let _ = timers.sync();
        signal::with_published(|s| drain(s, &mut stacks));
    }
    let duration = started.elapsed();
    timers.delete_all();
    // Signals already queued for deleted timers arrive within a period; wait two.
    std::thread::sleep(Duration::from_nanos(2 * period_nanos).max(Duration::from_millis(20)));
    let sampler = signal::retract();
    let mut lost = 0;
    if let Some(s) = &sampler {
        drain(s, &mut stacks);
        lost = (s.buffer.dropped.load(Ordering::Relaxed) + s.busy.load(Ordering::Relaxed)) as u64;
    }
    let handler_replaced = !crate::signals::is_installed(libc::SIGPROF, signal::on_sigprof);
    if !handler_replaced {
        installed.restore();
    }
    RUNNING.store(false, Ordering::SeqCst);
    Ok(CpuProfile {
        stacks,
        frequency_hz: hz,
        start,
        duration,
        lost,
        foreign_signals: (signal::FOREIGN.load(Ordering::SeqCst) - foreign_before) as u64,
        handler_replaced,
    })
}

fn drain(sampler: &Sampler, stacks: &mut HashMap<StackKey, u64>) {
    sampler.buffer.drain(|r| {
        *stacks
            .entry((r.frames[..r.depth].to_vec(), r.labels))
            .or_insert(0) += r.weight;
    });
}

impl CpuProfilerGuard {
    /// Stops profiling and returns the profile.
    pub fn stop(mut self) -> Result<CpuProfile> {
        self.finish()
    }

    fn finish(&mut self) -> Result<CpuProfile> {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take() {
            Some(t) => {
                t.thread().unpark();
                t.join().unwrap_or_else(|_| {
                    Err(Error::Sys {
                        call: "profiler thread",
                        source: std::io::Error::other("panicked"),
                    })
                })
            }
            None => Err(Error::Sys {
                call: "stop",
                source: std::io::Error::other("already stopped"),
            }),
        }
    }
}

impl Drop for CpuProfilerGuard {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.finish();
        }
    }
}

/// In a forked child: no timers or profiler thread exist; allow a new profile to start.
pub(crate) fn reset_after_fork() {
    signal::forget();
    RUNNING.store(false, Ordering::SeqCst);
}
