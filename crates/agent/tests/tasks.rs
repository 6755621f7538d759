//! `/debug/pprof/tasks`: tokio task dumps served as a Go count profile. Needs tokio's unstable
//! task dump API, so it only builds with `RUSTFLAGS="--cfg tokio_unstable"` and the `taskdump`
//! feature: `scripts/test-taskdump` runs it (in a target directory of its own).
#![allow(unexpected_cfgs)] // `tokio_unstable` is tokio's cfg, set by RUSTFLAGS
#![cfg(all(feature = "taskdump", tokio_unstable))]

mod support;

use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

use ferroprof_profile::{Limits, Profile};

/// A task that never finishes: the leak the dump must find. Says when it first ran.
#[inline(never)]
async fn leaky_task(started: Sender<()>) {
    let _ = started.send(());
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

/// A task waiting elsewhere, to tell stacks apart. Says when it first ran.
#[inline(never)]
async fn other_task(started: Sender<()>, notify: std::sync::Arc<tokio::sync::Notify>) {
    let _ = started.send(());
    notify.notified().await;
}

/// Waits until `n` more tasks have been polled (and so have a stack to dump).
fn wait_started(started: &Receiver<()>, n: usize) {
    for i in 0..n {
        started
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("only {i} of {n} tasks ran within 60 s"));
    }
}

/// The tasks profile once `name` shows `want` tasks. A task counts as started when it first
/// runs, but a dump leaves out the tasks a worker is still polling or has queued at that moment
/// (tokio skips them), and a worker can be descheduled in the middle of a poll on a loaded
/// machine: so the profile is fetched again, up to 60 s, until they are all idle and counted.
fn tasks_once(fetch: &dyn Fn(&str) -> Vec<u8>, name: &str, want: i64) -> Profile {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let p = ferroprof_profile::parse(&fetch("/debug/pprof/tasks"), &Limits::default())
            .expect("parse");
        let got = tasks_at(&p, name);
        if got == want {
            return p;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{got} of {want} tasks at {name} after 60 s"
        );
    }
}

/// The runtime, shut down without waiting on drop: a failed assertion must not hang the test
/// on a task dump still in progress.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Tasks (summed over samples) whose stack holds a function named like `name`.
fn tasks_at(p: &Profile, name: &str) -> i64 {
    p.sample
        .iter()
        .filter(|s| {
            s.location.iter().any(|id| {
                let loc = p.location.iter().find(|l| l.id == *id).unwrap();
                loc.line.iter().any(|line| {
                    p.function
                        .iter()
                        .any(|f| Some(f.id) == line.function_id && f.name.contains(name))
                })
            })
        })
        .map(|s| s.value[0])
        .sum()
}

/// Deliberately leaked tasks appear at their stack with their count, in the proto, the
/// `debug=1` text and the `debug=2` dump, and the count grows as more leak.
#[test]
fn leaked_tasks_show_at_their_stack_with_their_count() {
    let runtime = Runtime(Some(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    ));
    let rt = runtime.0.as_ref().unwrap();
    ferroprof::tasks::register(rt.handle().clone());
    let notify = std::sync::Arc::new(tokio::sync::Notify::new());
    let (started, started_rx) = std::sync::mpsc::channel();
    for _ in 0..25 {
        rt.spawn(leaky_task(started.clone()));
    }
    for _ in 0..3 {
        rt.spawn(other_task(started.clone(), notify.clone()));
    }
    let server = ferroprof::serve("127.0.0.1:0").expect("start server");
    let addr = server.local_addr();
    let fetch = |target: &str| {
        let reply = support::get(addr, target);
        assert_eq!(reply.status, 200, "{target}: {}", reply.text());
        reply
    };
    let body = |target: &str| fetch(target).body;
    wait_started(&started_rx, 28);
    let p = tasks_once(&body, "leaky_task", 25);
    assert_eq!(p.sample_type[0].r#type, "tasks");
    let p = tasks_once(&body, "other_task", 3);
    assert_eq!(tasks_at(&p, "leaky_task"), 25);
    let text = fetch("/debug/pprof/tasks?debug=1").text();
    assert!(text.starts_with("tasks profile: total 28\n25 @ "), "{text}");
    assert!(text.contains("leaky_task"), "{text}");
    let full = fetch("/debug/pprof/tasks?debug=2").text();
    assert_eq!(full.matches("leaky_task").count(), 25, "{full}");
    for _ in 0..10 {
        rt.spawn(leaky_task(started.clone()));
    }
    wait_started(&started_rx, 10);
    tasks_once(&body, "leaky_task", 35);
    let index = fetch("/debug/pprof/").text();
    assert!(
        index.contains("<tr><td>38</td><td><a href='tasks?debug=1'>tasks</a>"),
        "{index}"
    );
    server.shutdown();
    notify.notify_waiters();
}
