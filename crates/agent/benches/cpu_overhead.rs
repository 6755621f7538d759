//! The CPU profiler's cost beside pprof-rs (the `pprof` crate, its default backtrace-rs
//! unwinder), in one run; results in `cpu_overhead.RESULTS.md`.
//!
//! `cargo bench -p ferroprof --bench cpu_overhead` measures, for ferroprof and pprof-rs one after
//! the other (both use `SIGPROF`, so never at once):
//! 1. **Overhead at 100 Hz** on a CPU-bound workload of 4 threads, each computing at the bottom
//!    of a 40-frame stack: the process's CPU time (`getrusage`, every thread, the profilers'
//!    own threads included) for a fixed amount of work, unprofiled and profiled, in alternating
//!    rounds (`FERROPROF_BENCH_ROUNDS`, default 9); the least of each mode is compared, since
//!    waiting for a core on a shared machine does not add CPU time but cache contention does.
//! 2. **Cost of one 40-frame capture**: while one thread computes at the bottom of a 40-frame
//!    stack, the profiler's `SIGPROF` handler is wrapped by one that reads the thread's CPU
//!    clock before and after calling it; the distribution of those times (the capture and
//!    whatever else the handler does; the kernel's signal delivery, the same for both, is not
//!    in it). Other load on the machine does not inflate CPU time.
//! 3. **Symbolization** of the profile of (2): ferroprof's export (`to_profile`, Go's
//!    symbolized profile) and pprof-rs's `report().build()`, first (cold: object files and
//!    DWARF loaded) and second (warm) call, each with the growth of peak RSS (`VmHWM` after,
//!    reset through `/proc/self/clear_refs`, less `VmRSS` before).
//! 4. **The demo**: when `ferroprof-demo` was built beside this bench (`cargo build --release
//!    -p ferroprof-demo`), its `profile?seconds=2` is fetched twice (cold, warm): the time the
//!    response took beyond the 2 s (stopping, symbolizing, encoding) and the demo's peak RSS
//!    growth, beside its growth over the same time without a profile (its leaking cache grows).

use std::hint::black_box;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ferroprof_testsupport::cpu_time::{process_cpu, thread_cpu};

/// Frames of the workload's recursion; with the thread's own frames the captured stacks are
/// about 40 deep (printed by the bench).
const RECURSION: usize = 32;
/// Threads of the overhead workload.
const THREADS: usize = 4;
/// CPU time each thread of the overhead workload uses per round.
const THREAD_WORK: Duration = Duration::from_millis(400);
/// The CPU time the capture-cost workload runs under each profiler.
const CAPTURE_RUN: Duration = Duration::from_secs(3);

/// Calls `leaf` at the bottom of `n` frames of this function.
#[inline(never)]
fn deep(n: usize, leaf: &mut dyn FnMut() -> u64) -> u64 {
    if n == 0 {
        return leaf();
    }
    // Using the result after the call keeps the call from becoming a jump.
    black_box(deep(n - 1, leaf)).wrapping_add(1)
}

/// `iterations` steps of a linear congruential generator.
#[inline(never)]
fn work(iterations: u64) -> u64 {
    let mut x = 1u64;
    for _ in 0..iterations {
        x = black_box(
            x.wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407),
        );
    }
    x
}

/// Iterations of `work` that take about `cpu` of CPU time on this machine.
fn calibrate(cpu: Duration) -> u64 {
    let n = 20_000_000;
    let start = process_cpu();
    black_box(work(n));
    let took = (process_cpu() - start).max(Duration::from_millis(1));
    (n as f64 * cpu.as_secs_f64() / took.as_secs_f64()) as u64
}

/// The profiler under test.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    Unprofiled,
    Ferroprof,
    PprofRs,
}

/// A running profile of either kind.
enum Running {
    None,
    Ferroprof(ferroprof::cpu::CpuProfilerGuard),
    PprofRs(pprof::ProfilerGuard<'static>),
}

fn start(mode: Mode) -> Running {
    match mode {
        Mode::Unprofiled => Running::None,
        Mode::Ferroprof => Running::Ferroprof(
            ferroprof::cpu::start(&ferroprof::CpuConfig::default()).expect("start ferroprof"),
        ),
        Mode::PprofRs => Running::PprofRs(pprof::ProfilerGuard::new(100).expect("start pprof-rs")),
    }
}

/// A finished profile: samples, how deep the stacks through `deep` were (median), and what
/// symbolizing it cost (one line per pass).
struct Finished {
    samples: u64,
    depth: usize,
    symbolization: Vec<String>,
}

impl Running {
    /// Stops the profile; with `symbolize`, also times and sizes the symbolization (twice).
    fn stop(self, symbolize: bool) -> Finished {
        match self {
            Running::None => Finished {
                samples: 0,
                depth: 0,
                symbolization: Vec::new(),
            },
            Running::Ferroprof(guard) => {
                let cpu = guard.stop().expect("stop ferroprof");
                let mut depths = Vec::new();
                let mut symbolization = Vec::new();
                if symbolize {
                    for pass in ["cold", "warm"] {
                        let (p, took, peak) = measured(|| cpu.to_profile());
                        symbolization.push(format!(
                            "  ferroprof to_profile ({pass}): {took:.1?}, peak RSS +{:.1} MiB, {} samples, {} locations, {} functions",
                            mib(peak),
                            p.sample.len(),
                            p.location.len(),
                            p.function.len()
                        ));
                        depths = deep_stack_depths(
                            p.sample.iter().map(|s| {
                                s.location.iter().filter_map(|id| {
                                    let loc = p.location.iter().find(|l| l.id == *id)?;
                                    let line = loc.line.last()?;
                                    let f = p
                                        .function
                                        .iter()
                                        .find(|f| Some(f.id) == line.function_id)?;
                                    Some(f.name.clone())
                                })
                            }),
                            p.sample.iter().map(|s| s.location.len()),
                        );
                    }
                }
                Finished {
                    samples: cpu.sample_count(),
                    depth: median(&mut depths),
                    symbolization,
                }
            }
            Running::PprofRs(guard) => {
                let mut depths = Vec::new();
                let mut symbolization = Vec::new();
                let mut samples = 0;
                if symbolize {
                    for pass in ["cold", "warm"] {
                        let (report, took, peak) =
                            measured(|| guard.report().build().expect("pprof-rs report"));
                        symbolization.push(format!(
                            "  pprof-rs report().build() ({pass}): {took:.1?}, peak RSS +{:.1} MiB, {} stacks",
                            mib(peak),
                            report.data.len()
                        ));
                        samples = report.data.values().map(|&n| n.max(0) as u64).sum();
                        depths = deep_stack_depths(
                            report
                                .data
                                .keys()
                                .map(|f| f.frames.iter().flatten().map(|s| s.name())),
                            report.data.keys().map(|f| f.frames.len()),
                        );
                    }
                } else {
                    samples = guard
                        .report()
                        .build_unresolved()
                        .expect("pprof-rs report")
                        .data
                        .values()
                        .map(|&n| n.max(0) as u64)
                        .sum();
                }
                drop(guard);
                Finished {
                    samples,
                    depth: median(&mut depths),
                    symbolization,
                }
            }
        }
    }
}

/// The depths of the stacks that pass through `deep` (names per stack, depths per stack).
fn deep_stack_depths<N: AsRef<str>>(
    names: impl Iterator<Item = impl Iterator<Item = N>>,
    depths: impl Iterator<Item = usize>,
) -> Vec<usize> {
    names
        .zip(depths)
        .filter_map(|(mut n, d)| {
            n.any(|n| n.as_ref().ends_with("cpu_overhead::deep"))
                .then_some(d)
        })
        .collect()
}

fn median(v: &mut [usize]) -> usize {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// A `kB` line of `/proc/self/status`, in bytes.
fn status_bytes(pid: &str, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(key)?
                .trim()
                .strip_suffix(" kB")?
                .parse()
                .ok()
        })
        .map_or(0, |kib: u64| kib * 1024)
}

/// Resets `VmHWM` to the current RSS (Linux ≥ 4.0).
fn reset_peak(pid: &str) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// Runs `f`; its result, wall time, and how far peak RSS rose above the RSS before.
fn measured<R>(f: impl FnOnce() -> R) -> (R, Duration, u64) {
    reset_peak("self");
    let before = status_bytes("self", "VmRSS:");
    let t = Instant::now();
    let r = f();
    let took = t.elapsed();
    (
        r,
        took,
        status_bytes("self", "VmHWM:").saturating_sub(before),
    )
}

/// One round of the overhead workload under `mode`: the process's CPU time, the workers' own
/// (their CPU clocks as they finish, so the profiler's thread is not in it); samples taken.
fn overhead_round(mode: Mode, iterations: u64) -> ([Duration; 2], u64) {
    let running = start(mode);
    let before = process_cpu();
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            std::thread::spawn(move || {
                black_box(deep(RECURSION, &mut || work(iterations)));
                thread_cpu()
            })
        })
        .collect();
    let workers = threads.into_iter().map(|t| t.join().expect("worker")).sum();
    let cpu = process_cpu() - before;
    ([cpu, workers], running.stop(false).samples)
}

/// The profiler's `SIGPROF` handler, called by [`timed_handler`].
static CHAINED: AtomicUsize = AtomicUsize::new(0);
/// CPU nanoseconds of each handler call, up to `HANDLER_TIMES.len()` calls.
static HANDLER_TIMES: [AtomicU64; 4096] = [const { AtomicU64::new(0) }; 4096];
static HANDLER_CALLS: AtomicUsize = AtomicUsize::new(0);

/// Calls the profiler's handler and records the thread CPU time it took. Async-signal-safe:
/// `clock_gettime` and atomics only.
extern "C" fn timed_handler(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    ucontext: *mut libc::c_void,
) {
    let start = thread_cpu();
    let chained = CHAINED.load(Ordering::Acquire);
    if chained > 1 {
        // SAFETY: `CHAINED` holds the `SA_SIGINFO` handler that `time_handler` replaced, called
        // with the kernel's own arguments.
        unsafe {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(chained);
            f(signal, info, ucontext);
        }
    }
    let took = thread_cpu().saturating_sub(start);
    let i = HANDLER_CALLS.fetch_add(1, Ordering::Relaxed);
    if let Some(slot) = HANDLER_TIMES.get(i) {
        slot.store(took.as_nanos() as u64, Ordering::Relaxed);
    }
}

/// Runs `f` with the installed `SIGPROF` handler wrapped by [`timed_handler`] (same flags and
/// mask), then puts the handler back; the CPU time of each call, sorted.
fn time_handler(f: impl FnOnce()) -> Vec<u64> {
    // SAFETY: reads the current disposition, installs a wrapper with the same flags and mask
    // that calls it, and restores it afterwards; the profiler keeps running throughout.
    let old = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGPROF, std::ptr::null(), &mut old);
        assert!(
            old.sa_flags & libc::SA_SIGINFO != 0,
            "an SA_SIGINFO handler"
        );
        CHAINED.store(old.sa_sigaction, Ordering::Release);
        HANDLER_CALLS.store(0, Ordering::Relaxed);
        let mut ours = old;
        ours.sa_sigaction = timed_handler as *const () as usize;
        libc::sigaction(libc::SIGPROF, &ours, std::ptr::null_mut());
        old
    };
    f();
    // SAFETY: puts the profiler's own handler back before it is stopped.
    unsafe { libc::sigaction(libc::SIGPROF, &old, std::ptr::null_mut()) };
    let calls = HANDLER_CALLS
        .load(Ordering::Relaxed)
        .min(HANDLER_TIMES.len());
    let mut times: Vec<u64> = HANDLER_TIMES[..calls]
        .iter()
        .map(|t| t.load(Ordering::Relaxed))
        .collect();
    times.sort_unstable();
    times
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let rounds: usize = std::env::var("FERROPROF_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(9);
    let modes = [Mode::Unprofiled, Mode::Ferroprof, Mode::PprofRs];

    println!("== 1. overhead at 100 Hz: {THREADS} threads x {THREAD_WORK:?} of CPU each, 40-frame stacks, {rounds} alternating rounds");
    let iterations = calibrate(THREAD_WORK);
    // Per mode, per measure (process, workers): the rounds' CPU times.
    let mut cpu = vec![[Vec::new(), Vec::new()]; modes.len()];
    let mut samples = vec![0; modes.len()];
    for _ in 0..rounds {
        for (i, &mode) in modes.iter().enumerate() {
            let (times, taken) = overhead_round(mode, iterations);
            for (all, t) in cpu[i].iter_mut().zip(times) {
                all.push(t);
            }
            samples[i] += taken;
        }
    }
    for times in cpu.iter_mut().flatten() {
        times.sort();
    }
    for (i, mode) in modes.iter().enumerate() {
        println!(
            "  {mode:?}: {:.0} samples/round",
            samples[i] as f64 / rounds as f64
        );
        for (m, what) in ["process", "workers"].iter().enumerate() {
            let (min, med) = (cpu[i][m][0], cpu[i][m][rounds / 2]);
            let (base_min, base_med) = (cpu[0][m][0], cpu[0][m][rounds / 2]);
            println!(
                "    {what} CPU min {min:.3?} median {med:.3?} (max {:.3?}); vs unprofiled: min {:+.2}%, median {:+.2}%",
                cpu[i][m][rounds - 1],
                100.0 * (min.as_secs_f64() / base_min.as_secs_f64() - 1.0),
                100.0 * (med.as_secs_f64() / base_med.as_secs_f64() - 1.0),
            );
        }
    }

    println!("\n== 2. cost of one capture: the handler's CPU time, one thread computing at the bottom of the stack for {CAPTURE_RUN:?}");
    let capture_iterations = calibrate(CAPTURE_RUN);
    let mut symbolization = Vec::new();
    for mode in [Mode::Ferroprof, Mode::PprofRs] {
        let running = start(mode);
        let times = time_handler(|| {
            deep(RECURSION, &mut || work(capture_iterations));
        });
        let finished = running.stop(true);
        let at = |q: f64| {
            times
                .get((times.len() as f64 * q) as usize)
                .copied()
                .unwrap_or(0)
        };
        println!(
            "  {mode:?}: {} handler calls, stacks through `deep` {} frames deep (median); per call p10 {:.1} µs, median {:.1} µs, p90 {:.1} µs; at 100 Hz the median is {:.3}% of a busy thread",
            times.len(),
            finished.depth,
            at(0.1) as f64 / 1e3,
            at(0.5) as f64 / 1e3,
            at(0.9) as f64 / 1e3,
            at(0.5) as f64 / 1e3 * 100.0 / 1e4
        );
        symbolization.extend(finished.symbolization);
    }

    println!("\n== 3. symbolization of those profiles (cold, then warm)");
    for line in symbolization {
        println!("{line}");
    }

    println!("\n== 4. the demo");
    demo();
}

/// Section 4: the demo's profile endpoint, cold and warm, with its peak RSS growth.
fn demo() {
    let exe = std::env::current_exe().expect("bench path");
    let Some(demo) = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("ferroprof-demo"))
        .filter(|p| p.is_file())
    else {
        println!("  skipped: build ferroprof-demo first (cargo build --release -p ferroprof-demo)");
        return;
    };
    let mut child = std::process::Command::new(&demo)
        .args(["--addr", "127.0.0.1:0", "--no-report", "--seconds", "60"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the demo");
    let mut line = String::new();
    let mut out = child.stdout.take().expect("stdout");
    let mut byte = [0u8; 1];
    while out.read(&mut byte).is_ok_and(|n| n == 1) && byte[0] != b'\n' {
        line.push(byte[0] as char);
    }
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the demo's address")
        .to_string();
    let pid = child.id().to_string();
    std::thread::sleep(Duration::from_secs(1));
    for pass in ["cold", "warm"] {
        reset_peak(&pid);
        let rss = status_bytes(&pid, "VmRSS:");
        let t = Instant::now();
        let body = get(&addr, "/debug/pprof/profile?seconds=2");
        let took = t.elapsed();
        let peak = status_bytes(&pid, "VmHWM:").saturating_sub(rss);
        let p = ferroprof_profile::parse(&body, &ferroprof_profile::Limits::default())
            .expect("the demo's profile");
        println!(
            "  profile?seconds=2 ({pass}): answered {:.0?} after the 2 s, demo peak RSS +{:.1} MiB; {} bytes, {} samples, {} locations, {} functions",
            took.saturating_sub(Duration::from_secs(2)),
            mib(peak),
            body.len(),
            p.sample.len(),
            p.location.len(),
            p.function.len()
        );
    }
    reset_peak(&pid);
    let rss = status_bytes(&pid, "VmRSS:");
    std::thread::sleep(Duration::from_millis(2100));
    println!(
        "  no profile, 2.1 s: demo peak RSS +{:.1} MiB (its leaking cache)",
        mib(status_bytes(&pid, "VmHWM:").saturating_sub(rss))
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// A GET; the response body.
fn get(addr: &str, target: &str) -> Vec<u8> {
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the demo");
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read");
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    assert!(
        buf.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..end])
    );
    buf[end + 4..].to_vec()
}
