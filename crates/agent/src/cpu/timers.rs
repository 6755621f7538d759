//! Per-thread CPU-time timers: one POSIX timer per thread on that thread's CPU clock,
//! delivering `SIGPROF` to that thread (`SIGEV_THREAD_ID`), as Go does since 1.18. New threads
//! are found by scanning `/proc/self/task`; timers of exited threads are deleted.

use std::collections::HashMap;

use crate::error::{Error, Result};

/// The CPU-time clock of thread `tid` (glibc's `pthread_getcpuclockid` encoding:
/// `CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_SCHED` over the inverted tid).
fn thread_cpu_clock(tid: libc::pid_t) -> libc::clockid_t {
    ((!(tid as libc::clockid_t)) << 3) | 6
}

/// The set of armed timers.
pub(crate) struct ThreadTimers {
    timers: HashMap<libc::pid_t, libc::timer_t>,
    period_nanos: u64,
    cookie: usize,
    rng: u64,
}

// SAFETY: timer ids are plain handles usable from any thread of the process.
unsafe impl Send for ThreadTimers {}

impl ThreadTimers {
    /// No timers yet; each will fire every `period_nanos` of its thread's CPU time and carry
    /// `cookie` in `si_value`.
    pub(crate) fn new(period_nanos: u64, cookie: usize) -> ThreadTimers {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 | 1);
        ThreadTimers {
            timers: HashMap::new(),
            period_nanos,
            cookie,
            rng: seed,
        }
    }

    /// Arms timers for threads that appeared and deletes those of threads that exited.
    /// The profiler's own thread is sampled too, as Go's profile writer is: its cost shows.
    pub(crate) fn sync(&mut self) -> Result<()> {
        let live = crate::threads::list_tids()?;
        self.timers.retain(|tid, timer| {
            let keep = live.binary_search(tid).is_ok();
            if !keep {
                // SAFETY: `timer` was created by `arm` and is deleted exactly once.
                unsafe { libc::timer_delete(*timer) };
            }
            keep
        });
        for &tid in &live {
            if !self.timers.contains_key(&tid) {
                // A thread can exit between the scan and here; it is simply not sampled.
                if let Ok(t) = self.arm(tid) {
                    self.timers.insert(tid, t);
                }
            }
        }
        Ok(())
    }

    fn arm(&mut self, tid: libc::pid_t) -> Result<libc::timer_t> {
        // SAFETY: a zeroed sigevent is valid; the fields used are set below.
        let mut sev: libc::sigevent = unsafe { std::mem::zeroed() };
        sev.sigev_notify = libc::SIGEV_THREAD_ID;
        sev.sigev_signo = libc::SIGPROF;
        sev.sigev_notify_thread_id = tid;
        sev.sigev_value = libc::sigval {
            sival_ptr: self.cookie as *mut libc::c_void,
        };
        let mut timer: libc::timer_t = std::ptr::null_mut();
        // SAFETY: `sev` and `timer` are valid for the call.
        if unsafe { libc::timer_create(thread_cpu_clock(tid), &mut sev, &mut timer) } != 0 {
            return Err(Error::last_os("timer_create"));
        }
        // A random first expiry in (0, period] removes the bias against short-lived threads.
        let first = 1 + self.next_random() % self.period_nanos;
        let spec = libc::itimerspec {
            it_interval: timespec(self.period_nanos),
            it_value: timespec(first),
        };
        // SAFETY: `timer` was just created; `spec` is valid.
        if unsafe { libc::timer_settime(timer, 0, &spec, std::ptr::null_mut()) } != 0 {
            let err = Error::last_os("timer_settime");
            // SAFETY: deletes the timer created above, once.
            unsafe { libc::timer_delete(timer) };
            return Err(err);
        }
        Ok(timer)
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64: uniform enough to spread first expiries.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// Deletes every timer. Signals already queued may still arrive.
    pub(crate) fn delete_all(&mut self) {
        for (_, timer) in self.timers.drain() {
            // SAFETY: each timer was created by `arm` and is deleted once.
            unsafe { libc::timer_delete(timer) };
        }
    }
}

impl Drop for ThreadTimers {
    fn drop(&mut self) {
        self.delete_all();
    }
}

fn timespec(nanos: u64) -> libc::timespec {
    libc::timespec {
        tv_sec: (nanos / 1_000_000_000) as libc::time_t,
        tv_nsec: (nanos % 1_000_000_000) as libc::c_long,
    }
}
