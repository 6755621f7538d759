//! Thread dumps: every thread's stack, captured by signalling each thread, served as Go's
//! `goroutine` profile (one "goroutine" per OS thread) and `threadcreate`.
//!
//! ```no_run
//! let dump = ferroprof::threads::dump(std::time::Duration::from_secs(1))?;
//! for t in &dump.threads {
//!     println!("{} {} {} frames", t.tid, t.name, t.frames.len());
//! }
//! # Ok::<(), ferroprof::Error>(())
//! ```
//!
//! # Design constraints
//! - Each thread gets the dump signal ([`dump_signal`], a real-time signal) through
//!   `rt_tgsigqueueinfo` with its slot's index; at most [`WINDOW`] threads are asked at once,
//!   so the unwinder's scratch buffers suffice. A thread that has not answered within
//!   [`PER_THREAD_WAIT`] or by the overall deadline is listed as unresponsive, with its name,
//!   and never waited for again.
//! - One dump at a time: a second waits for the first (up to its deadline) or is refused.
//! - `threadcreate`: Linux does not record where threads were created, so it lists one empty
//!   stack per live thread, as Go does for threads whose creation stack it lacks.

mod handler;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use handler::{Request, Slot, ABANDONED, DONE, PENDING};

/// Threads asked at once; equal to the unwinder's scratch buffers.
pub const WINDOW: usize = 8;
/// How long one thread may take to answer before it is listed as unresponsive.
pub const PER_THREAD_WAIT: Duration = Duration::from_millis(500);

/// One thread of a dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadStack {
    /// The kernel thread id.
    pub tid: i32,
    /// The thread's name (`/proc/self/task/<tid>/comm`).
    pub name: String,
    /// Its scheduler state in Go's words where they exist (`running`, `sleep`, …).
    pub state: String,
    /// Lookup addresses, leaf first; empty when the thread did not answer.
    pub frames: Vec<u64>,
    /// The thread's label word.
    pub(crate) labels: usize,
    /// Whether the thread answered the dump signal in time.
    pub responded: bool,
}

/// A dump of every thread.
#[derive(Clone, Debug, Default)]
pub struct ThreadDump {
    /// The threads, by tid.
    pub threads: Vec<ThreadStack>,
}

/// The real-time signal used for dumps (`SIGRTMIN + 4`, past glibc's and common runtimes'
/// reserved ones).
pub fn dump_signal() -> libc::c_int {
    libc::SIGRTMIN() + 4
}

/// The ids of this process's threads, sorted.
pub(crate) fn list_tids() -> Result<Vec<libc::pid_t>> {
    let dir = std::fs::read_dir("/proc/self/task").map_err(|e| Error::Sys {
        call: "read /proc/self/task",
        source: e,
    })?;
    let mut tids: Vec<libc::pid_t> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    tids.sort_unstable();
    Ok(tids)
}

/// The number of threads (the index page's count for `goroutine` and `threadcreate`).
pub fn count() -> usize {
    list_tids().map_or(0, |t| t.len())
}

static DUMPING: AtomicBool = AtomicBool::new(false);
static UNWINDER: crate::unwind::UnwinderCache = crate::unwind::UnwinderCache::new();
static INSTALLED: std::sync::OnceLock<std::result::Result<(), String>> = std::sync::OnceLock::new();

/// Dumps every thread's stack, waiting at most `timeout` in total for threads to answer.
pub fn dump(timeout: Duration) -> Result<ThreadDump> {
    install()?;
    let deadline = Instant::now() + timeout;
    while DUMPING
        .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        if Instant::now() >= deadline {
            return Err(Error::DumpInProgress);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let result = dump_locked(deadline);
    DUMPING.store(false, Ordering::SeqCst);
    result
}

/// The dump handler stays installed once used: it ignores signals that carry no request.
fn install() -> Result<()> {
    let r = INSTALLED.get_or_init(|| {
        crate::signals::install(dump_signal(), handler::on_dump_signal)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    r.clone().map_err(|msg| Error::Sys {
        call: "installing the dump handler",
        source: std::io::Error::other(msg),
    })
}

fn dump_locked(deadline: Instant) -> Result<ThreadDump> {
    let tids = list_tids()?;
    let slots = tids
        .iter()
        .map(|&tid| Slot {
            tid,
            state: PENDING.into(),
            frames: std::cell::UnsafeCell::new([0; handler::DUMP_DEPTH]),
            depth: 0.into(),
            labels: 0.into(),
        })
        .collect();
    let request = handler::publish(Box::new(Request {
        slots,
        unwinder: UNWINDER.get(WINDOW),
    }));
    // SAFETY: the request stays published (and alive) until `retract` below.
    collect(unsafe { &*request }, deadline);
    let request = handler::retract().expect("the dump request was published");
    Ok(ThreadDump {
        threads: request.slots.iter().map(thread_stack).collect(),
    })
}

/// Signals the threads, at most `WINDOW` outstanding, and abandons the slow ones.
fn collect(request: &Request, deadline: Instant) {
    let slots = &request.slots;
    let mut asked: Vec<(usize, Instant)> = Vec::with_capacity(WINDOW);
    let mut next = 0;
    while next < slots.len() || !asked.is_empty() {
        let now = Instant::now();
        asked.retain(|&(i, at)| {
            let state = slots[i].state.load(Ordering::Acquire);
            if state == DONE {
                return false;
            }
            let late = now >= deadline || now.duration_since(at) >= PER_THREAD_WAIT;
            // A thread that already started writing finishes promptly: keep waiting for it.
            !(late
                && slots[i]
                    .state
                    .compare_exchange(PENDING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok())
        });
        while asked.len() < WINDOW && next < slots.len() {
            if now >= deadline {
                slots[next].state.store(ABANDONED, Ordering::Release);
            } else if send(slots[next].tid, next) {
                asked.push((next, now));
            } else {
                slots[next].state.store(ABANDONED, Ordering::Release);
            }
            next += 1;
        }
        if !asked.is_empty() {
            std::thread::yield_now();
        }
    }
}

/// Queues the dump signal to thread `tid` with `index` in `si_value`.
fn send(tid: libc::pid_t, index: usize) -> bool {
    // SAFETY: a zeroed siginfo is valid; the fields set are those rt_tgsigqueueinfo reads for
    // SI_QUEUE: signo, code, pid, uid and the value, at their Linux offsets.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        info.si_signo = dump_signal();
        info.si_code = libc::SI_QUEUE;
        let fields = (&mut info as *mut libc::siginfo_t).cast::<u8>();
        *(fields.add(16) as *mut libc::pid_t) = libc::getpid();
        *(fields.add(20) as *mut libc::uid_t) = libc::getuid();
        *(fields.add(24) as *mut usize) = index;
        libc::syscall(
            libc::SYS_rt_tgsigqueueinfo,
            libc::getpid(),
            tid,
            dump_signal(),
            &info,
        ) == 0
    }
}

fn thread_stack(slot: &Slot) -> ThreadStack {
    let responded = slot.state.load(Ordering::Acquire) == DONE;
    let (frames, labels) = if responded {
        // SAFETY: DONE slots are no longer written, and the request is retracted.
        unsafe {
            (
                (&*slot.frames.get())[..*slot.depth.get()].to_vec(),
                *slot.labels.get(),
            )
        }
    } else {
        (Vec::new(), 0)
    };
    let task = format!("/proc/self/task/{}", slot.tid);
    let name = std::fs::read_to_string(format!("{task}/comm"))
        .map_or_else(|_| "?".into(), |s| s.trim_end().to_string());
    let state = std::fs::read_to_string(format!("{task}/stat"))
        .map_or_else(|_| "exited".into(), |s| go_state(&s).into());
    ThreadStack {
        tid: slot.tid,
        name,
        state,
        frames,
        labels,
        responded,
    }
}

/// The state letter of `/proc/…/stat` (after the parenthesised name) in Go's status words.
fn go_state(stat: &str) -> &'static str {
    let letter = stat
        .rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next());
    match letter {
        Some('R') => "running",
        Some('S') => "sleep",
        Some('D') => "syscall",
        Some('T') | Some('t') => "stopped",
        Some('Z') | Some('X') => "dead",
        _ => "unknown",
    }
}

/// In a forked child: the parent's dump is not ours to finish.
pub(crate) fn reset_after_fork() {
    handler::forget();
    DUMPING.store(false, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_states() {
        assert_eq!(go_state("12 (a) b) S 1 2"), "sleep");
        assert_eq!(go_state("12 (x) R 1"), "running");
        assert_eq!(go_state("garbage"), "unknown");
    }
}
