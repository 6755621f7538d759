//! Async task dumps: every task of the registered tokio runtimes with the stack of its last
//! poll, served as `/debug/pprof/tasks` in the shape of Go's goroutine profile (feature
//! `taskdump`), so a task leak shows as a count growing at one stack.
//!
//! ```no_run
//! # #[cfg(feature = "taskdump")]
//! # fn main() {
//! let runtime = tokio::runtime::Runtime::new().unwrap();
//! ferroprof::tasks::register(runtime.handle().clone());
//! let _server = ferroprof::serve("127.0.0.1:6060").unwrap();
//! // go tool pprof -top http://127.0.0.1:6060/debug/pprof/tasks
//! # }
//! # #[cfg(not(feature = "taskdump"))]
//! # fn main() {}
//! ```
//!
//! # Design constraints
//! - tokio takes the dump (`tokio::runtime::Handle::dump`): it exists only when the program is
//!   built with `RUSTFLAGS="--cfg tokio_unstable"` and tokio's `taskdump` feature (which this
//!   crate's `taskdump` feature enables), on Linux x86, x86_64, aarch64 and s390x. Without the
//!   cfg the endpoint answers 501 naming the missing flag; nothing else changes.
//! - The name is Go's convention for a custom profile (`pprof.NewProfile("tasks")`): sample
//!   type `tasks/count`, `debug=1` grouped by stack like goroutines, `debug=2` one entry per
//!   task in the panic-trace format. The index count is tokio's alive-task count (no dump).
//! - A dump stops every worker at its next poll boundary, and tokio resolves the stacks
//!   (parsing debug info the first time, often over 100 ms). One dump runs at a time, in a
//!   thread of its own; a request waits at most the configured timeout.

// `tokio_unstable` is tokio's cfg, set by the program's RUSTFLAGS, not one of ours.
#![allow(unexpected_cfgs)]

pub(crate) mod endpoint;

use std::sync::Mutex;
use std::time::Duration;

use crate::error::{Error, Result};

static RUNTIMES: Mutex<Vec<tokio::runtime::Handle>> = Mutex::new(Vec::new());

/// Adds a runtime whose tasks the `tasks` profile dumps.
pub fn register(handle: tokio::runtime::Handle) {
    RUNTIMES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(handle);
}

fn runtimes() -> Vec<tokio::runtime::Handle> {
    RUNTIMES.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// One task: tokio's id and the stack of its last poll as lookup addresses, innermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskStack {
    /// tokio's task id.
    pub id: String,
    /// Lookup addresses (return address − 1) of the first leaf future's backtrace.
    pub frames: Vec<u64>,
}

/// Tasks alive now in the registered runtimes (tokio's count, no dump).
pub fn count() -> usize {
    runtimes()
        .iter()
        .map(|h| h.metrics().num_alive_tasks())
        .sum()
}

/// Dumps every task of the registered runtimes, waiting at most `timeout`.
pub fn dump(timeout: Duration) -> Result<Vec<TaskStack>> {
    let handles = runtimes();
    if handles.is_empty() {
        return Err(Error::TaskDump(
            "no tokio runtime registered (ferroprof::tasks::register)",
        ));
    }
    take(handles, timeout)
}

#[cfg(tokio_unstable)]
fn take(handles: Vec<tokio::runtime::Handle>, timeout: Duration) -> Result<Vec<TaskStack>> {
    use std::sync::atomic::{AtomicBool, Ordering};
    static BUSY: AtomicBool = AtomicBool::new(false);
    if BUSY.swap(true, Ordering::Acquire) {
        return Err(Error::TaskDump("another task dump is in progress"));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("ferroprof-taskdump".into())
        .spawn(move || {
            let tasks: Vec<TaskStack> = handles.iter().flat_map(dump_runtime).collect();
            BUSY.store(false, Ordering::Release);
            let _ = tx.send(tasks);
        });
    if spawned.is_err() {
        BUSY.store(false, Ordering::Release);
        return Err(Error::TaskDump("cannot start the dump thread"));
    }
    rx.recv_timeout(timeout)
        .map_err(|_| Error::TaskDump("the runtime did not answer in time"))
}

/// The tasks of one runtime. Runs on a thread outside every runtime.
#[cfg(tokio_unstable)]
fn dump_runtime(handle: &tokio::runtime::Handle) -> Vec<TaskStack> {
    let dump = handle.block_on(handle.dump());
    dump.tasks()
        .iter()
        .map(|task| {
            let frames = task
                .trace()
                .resolve_backtraces()
                .first()
                .map(|bt| {
                    bt.frames()
                        .map(|f| (f.ip() as u64).saturating_sub(1))
                        .collect()
                })
                .unwrap_or_default();
            TaskStack {
                id: task.id().to_string(),
                frames,
            }
        })
        .collect()
}

#[cfg(not(tokio_unstable))]
fn take(_: Vec<tokio::runtime::Handle>, _: Duration) -> Result<Vec<TaskStack>> {
    Err(Error::TaskDumpUnsupported)
}
