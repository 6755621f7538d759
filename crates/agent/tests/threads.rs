//! Thread dumps (`goroutine`, `threadcreate`): 1000 threads, unresponsive threads, Go's text
//! formats and the proto. One binary: the dump signal is process-wide; tests take `LOCK`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ferroprof::{Config, Request, Router};

static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Parks until `release` is set; every worker has the same stack.
#[inline(never)]
fn parked_worker(parked: Arc<Mutex<Vec<i32>>>, release: Arc<AtomicBool>) {
    // SAFETY: gettid has no preconditions.
    parked.lock().unwrap().push(unsafe { libc::gettid() });
    while !release.load(Ordering::SeqCst) {
        std::thread::park();
    }
}

struct Parked {
    release: Arc<AtomicBool>,
    handles: Vec<std::thread::JoinHandle<()>>,
}

fn sleeping(tid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).is_ok_and(|s| {
        s.rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('S'))
    })
}

/// `n` named threads with 64 KiB stacks, all asleep in `park` once this returns.
fn park(n: usize, name: &str) -> Parked {
    let parked = Arc::new(Mutex::new(Vec::new()));
    let release = Arc::new(AtomicBool::new(false));
    let handles = (0..n)
        .map(|i| {
            let (parked, release) = (parked.clone(), release.clone());
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .stack_size(64 << 10)
                .spawn(move || parked_worker(parked, release))
                .unwrap()
        })
        .collect();
    // Registered workers have nothing left to block on but `park`: once all sleep, all park.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let tids = parked.lock().unwrap().clone();
        if tids.len() == n && tids.iter().all(|&t| sleeping(t)) {
            break;
        }
        assert!(Instant::now() < deadline, "workers did not park");
        std::thread::yield_now();
    }
    Parked { release, handles }
}

impl Drop for Parked {
    fn drop(&mut self) {
        self.release.store(true, Ordering::SeqCst);
        for h in self.handles.drain(..) {
            h.thread().unpark();
            let _ = h.join();
        }
    }
}

/// A12: a dump of 1000 threads lists each with its stack, well within the deadline.
#[test]
fn dump_of_1000_threads() {
    let _l = lock();
    let parked = park(1000, "idle");
    let start = Instant::now();
    let dump = ferroprof::threads::dump(Duration::from_secs(20)).unwrap();
    let took = start.elapsed();
    let idle: Vec<_> = dump
        .threads
        .iter()
        .filter(|t| t.name.starts_with("idle-"))
        .collect();
    assert_eq!(idle.len(), 1000);
    let bad: Vec<_> = idle
        .iter()
        .filter(|t| !t.responded || t.frames.len() < 3)
        .map(|t| (t.name.clone(), t.responded, t.frames.len()))
        .collect();
    assert!(
        bad.is_empty(),
        "took {took:?}; not answered or shallow: {bad:?}"
    );
    eprintln!("dump of {} threads took {took:?}", dump.threads.len());
    drop(parked);
}

/// A thread that blocks the dump signal is named as unresponsive; the dump does not hang.
#[test]
fn unresponsive_thread_is_listed_by_name() {
    let _l = lock();
    let (tx, rx) = mpsc::channel::<()>();
    let ready = Arc::new(Barrier::new(2));
    let r2 = ready.clone();
    let blocker = std::thread::Builder::new()
        .name("sigblocker".into())
        .spawn(move || {
            // SAFETY: blocks the dump signal in this thread only.
            unsafe {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, ferroprof::threads::dump_signal());
                libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            }
            r2.wait();
            let _ = rx.recv();
        })
        .unwrap();
    ready.wait();
    let start = Instant::now();
    let dump = ferroprof::threads::dump(Duration::from_secs(2)).unwrap();
    assert!(start.elapsed() < Duration::from_secs(3));
    let t = dump
        .threads
        .iter()
        .find(|t| t.name == "sigblocker")
        .expect("blocker listed");
    assert!(!t.responded && t.frames.is_empty());
    let text = ferroprof::Router::standard(&Config::default())
        .handle(&Request::get("/debug/pprof/goroutine?debug=2"));
    assert!(String::from_utf8_lossy(&text.body)
        .contains("thread \"sigblocker\", no answer to the dump signal]"));
    drop(tx);
    blocker.join().unwrap();
}

#[test]
fn goroutine_text_formats_and_proto() {
    let _l = lock();
    let parked = park(3, "fmt");
    let router = Router::standard(&Config::default());
    let debug1 = router.handle(&Request::get("/debug/pprof/goroutine?debug=1"));
    assert_eq!(
        debug1.header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    let text = String::from_utf8(debug1.body).unwrap();
    assert!(text.starts_with("goroutine profile: total "), "{text}");
    // The three parked threads share one stack: one record of count ≥ 3 naming the worker.
    let record = text
        .split("\n\n")
        .find(|r| r.contains("threads::parked_worker"))
        .expect(&text);
    let mut lines = record.lines().skip_while(|l| !l.contains(" @ "));
    let header = lines.next().expect(record);
    let count: i64 = header.split(' ').next().unwrap().parse().unwrap();
    assert!(count >= 3, "{record}");
    assert!(lines.next().unwrap().starts_with("#\t0x"), "{record}");

    let debug2 = router.handle(&Request::get("/debug/pprof/goroutine?debug=2"));
    let text = String::from_utf8(debug2.body).unwrap();
    assert!(text.contains("[sleep, thread \"fmt-0\"]:\n"), "{text}");
    assert!(text.contains("threads::parked_worker(...)\n\t"), "{text}");

    let proto = router.handle(&Request::get("/debug/pprof/goroutine"));
    assert_eq!(
        proto.header("Content-Disposition"),
        Some("attachment; filename=\"goroutine\"")
    );
    assert_eq!(
        proto.header("Content-Type"),
        Some("application/octet-stream")
    );
    let p = ferroprof_profile::parse(&proto.body, &ferroprof_profile::Limits::default()).unwrap();
    assert_eq!(p.sample_type[0].r#type, "goroutine");
    assert_eq!(p.period, 1);
    let total: i64 = p.sample.iter().map(|s| s.value[0]).sum();
    assert!(total >= 4);
    drop(parked);
}

/// `func+0xoff` is the offset from the function's entry as the symbol table states it, also for
/// functions the loader does not export: the `parked_worker` line's address less its offset is
/// the function's address, in `debug=1`; `debug=2` prints the same offsets.
#[test]
fn text_offsets_are_from_the_function_entry() {
    let _l = lock();
    let parked = park(2, "offset");
    let router = Router::standard(&Config::default());
    let debug1 = router.handle(&Request::get("/debug/pprof/goroutine?debug=1"));
    let text = String::from_utf8(debug1.body).unwrap();
    let entry = parked_worker as *const () as u64;
    let line = text
        .lines()
        .find(|l| l.contains("\tthreads::parked_worker+0x"))
        .expect(&text);
    let mut cells = line.split('\t').filter(|c| !c.is_empty()).skip(1);
    let addr = u64::from_str_radix(cells.next().unwrap().trim_start_matches("0x"), 16).unwrap();
    let (_, off) = cells.next().unwrap().rsplit_once("+0x").unwrap();
    let off = u64::from_str_radix(off, 16).unwrap();
    assert!(off > 0, "{line}");
    assert_eq!(addr - off, entry, "{line}: entry {entry:#x}");

    let debug2 = router.handle(&Request::get("/debug/pprof/goroutine?debug=2"));
    let text = String::from_utf8(debug2.body).unwrap();
    let frame = text
        .split("threads::parked_worker(...)\n\t")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect(&text);
    // debug=2 prints return addresses (one past the lookup address of debug=1).
    assert!(frame.ends_with(&format!(" +{:#x}", off + 1)), "{frame}");
    drop(parked);
}

#[test]
fn labels_appear_in_goroutine_records() {
    let _l = lock();
    let (tx, rx) = mpsc::channel::<()>();
    let ready = Arc::new(Barrier::new(2));
    let r2 = ready.clone();
    let t = std::thread::spawn(move || {
        ferroprof::labels::with([("worker", "burner"), ("id", "7")], || {
            r2.wait();
            let _ = rx.recv();
        })
    });
    ready.wait();
    let resp = Router::standard(&Config::default())
        .handle(&Request::get("/debug/pprof/goroutine?debug=1"));
    let text = String::from_utf8(resp.body).unwrap();
    assert!(
        text.contains("\n# labels: {\"id\":\"7\", \"worker\":\"burner\"}\n"),
        "{text}"
    );
    drop(tx);
    t.join().unwrap();
}

#[test]
fn threadcreate_counts_threads_with_empty_stacks() {
    let _l = lock();
    let router = Router::standard(&Config::default());
    let text = String::from_utf8(
        router
            .handle(&Request::get("/debug/pprof/threadcreate?debug=1"))
            .body,
    )
    .unwrap();
    let total: usize = text
        .lines()
        .next()
        .unwrap()
        .strip_prefix("threadcreate profile: total ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(total >= 1);
    assert!(text.contains(&format!("\n{total} @\n#\t0x0\n")), "{text}");
    let r = router.handle(&Request::get("/debug/pprof/threadcreate?seconds=abc"));
    assert_eq!(r.status, 400);
}

/// E3: `goroutine?seconds=N` is Go's delta profile: threads started during the window.
#[test]
fn goroutine_delta_counts_new_threads() {
    let _l = lock();
    let router = Router::standard(&Config::default());
    let later = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(300));
        park(2, "late")
    });
    let r = router.handle(&Request::get("/debug/pprof/goroutine?seconds=1"));
    let parked = later.join().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("Content-Disposition"),
        Some("attachment; filename=\"goroutine-delta\"")
    );
    let p = ferroprof_profile::parse(&r.body, &ferroprof_profile::Limits::default()).unwrap();
    // The two late threads share a stack: one record of +2 (the spawner that exited is -1).
    let counts: Vec<i64> = p.sample.iter().map(|s| s.value[0]).collect();
    assert!(counts.iter().any(|&n| n >= 2), "delta counts {counts:?}");
    assert!(p.duration_nanos >= 1_000_000_000);
    drop(parked);
}
