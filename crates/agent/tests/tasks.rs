//! `/debug/pprof/tasks`: tokio task dumps served as a Go count profile. Needs tokio's unstable
//! task dump API, so it only builds with `RUSTFLAGS="--cfg tokio_unstable"` and the `taskdump`
//! feature: `scripts/test-taskdump` runs it (in a target directory of its own).
#![allow(unexpected_cfgs)] // `tokio_unstable` is tokio's cfg, set by RUSTFLAGS
#![cfg(all(feature = "taskdump", tokio_unstable))]

mod support;

use std::time::Duration;

use ferroprof_profile::{Limits, Profile};

/// A task that never finishes: the leak the dump must find.
#[inline(never)]
async fn leaky_task() {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

/// A task waiting elsewhere, to tell stacks apart.
#[inline(never)]
async fn other_task(notify: std::sync::Arc<tokio::sync::Notify>) {
    notify.notified().await;
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    ferroprof::tasks::register(rt.handle().clone());
    let notify = std::sync::Arc::new(tokio::sync::Notify::new());
    for _ in 0..25 {
        rt.spawn(leaky_task());
    }
    for _ in 0..3 {
        rt.spawn(other_task(notify.clone()));
    }
    let server = ferroprof::serve("127.0.0.1:0").expect("start server");
    let addr = server.local_addr();
    let fetch = |target: &str| {
        let reply = support::get(addr, target);
        assert_eq!(reply.status, 200, "{target}: {}", reply.text());
        reply
    };
    // Tasks are polled (and so traceable) once the workers ran them.
    std::thread::sleep(Duration::from_millis(200));
    let body = fetch("/debug/pprof/tasks").body;
    let p = ferroprof_profile::parse(&body, &Limits::default()).expect("parse");
    assert_eq!(p.sample_type[0].r#type, "tasks");
    assert_eq!(tasks_at(&p, "leaky_task"), 25);
    assert_eq!(tasks_at(&p, "other_task"), 3);
    let text = fetch("/debug/pprof/tasks?debug=1").text();
    assert!(text.starts_with("tasks profile: total 28\n25 @ "), "{text}");
    assert!(text.contains("leaky_task"), "{text}");
    let full = fetch("/debug/pprof/tasks?debug=2").text();
    assert_eq!(full.matches("leaky_task").count(), 25, "{full}");
    for _ in 0..10 {
        rt.spawn(leaky_task());
    }
    std::thread::sleep(Duration::from_millis(200));
    let body = fetch("/debug/pprof/tasks").body;
    let p = ferroprof_profile::parse(&body, &Limits::default()).expect("parse");
    assert_eq!(tasks_at(&p, "leaky_task"), 35);
    let index = fetch("/debug/pprof/").text();
    assert!(
        index.contains("<tr><td>38</td><td><a href='tasks?debug=1'>tasks</a>"),
        "{index}"
    );
    server.shutdown();
    notify.notify_waiters();
}
