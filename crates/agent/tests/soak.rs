//! A2: re-entrancy soak. CPU sampling at 1 kHz while threads churn the allocator, load and
//! unload a library, panic and catch, capture backtraces, change labels, and pull thread dumps.
//! Expect no deadlock (a watchdog names the stage), no crash. Short in `cargo test`; the 60 s
//! run is `#[ignore]` (`cargo test -p ferroprof --test soak -- --ignored`).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferroprof::{Config, CpuConfig, Request, Router};

const STAGES: [&str; 4] = ["starting", "soaking", "stopping", "done"];

/// Aborts the process, naming the stage, if the soak outlives `limit`.
fn watchdog(stage: Arc<AtomicUsize>, limit: Duration) {
    std::thread::spawn(move || {
        let start = Instant::now();
        while stage.load(Ordering::SeqCst) < STAGES.len() - 1 {
            if start.elapsed() > limit {
                eprintln!(
                    "soak watchdog: stuck in stage {:?}",
                    STAGES[stage.load(Ordering::SeqCst)]
                );
                std::process::abort();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
}

type Worker = fn(&AtomicBool, &AtomicU64);

fn churn(stop: &AtomicBool, ops: &AtomicU64) {
    let mut keep: Vec<Vec<u8>> = Vec::new();
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        i = i.wrapping_add(1);
        keep.push(vec![i as u8; 16 + (i * 37) % 4096]);
        if keep.len() > 64 {
            keep.swap_remove(i % 64);
        }
        ops.fetch_add(1, Ordering::Relaxed);
    }
}

fn dl_loop(stop: &AtomicBool, ops: &AtomicU64) {
    while !stop.load(Ordering::Relaxed) {
        // SAFETY: loads and unloads a glibc library that runs no code we depend on.
        unsafe {
            let h = libc::dlopen(
                c"libresolv.so.2".as_ptr(),
                libc::RTLD_NOW | libc::RTLD_LOCAL,
            );
            if !h.is_null() {
                libc::dlclose(h);
                ops.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn panics(stop: &AtomicBool, ops: &AtomicU64) {
    while !stop.load(Ordering::Relaxed) {
        let r = std::panic::catch_unwind(|| panic!("soak panic"));
        assert!(r.is_err());
        ops.fetch_add(1, Ordering::Relaxed);
    }
}

fn backtraces(stop: &AtomicBool, ops: &AtomicU64) {
    while !stop.load(Ordering::Relaxed) {
        let bt = std::backtrace::Backtrace::force_capture();
        assert!(!bt.to_string().is_empty());
        ops.fetch_add(1, Ordering::Relaxed);
    }
}

fn relabel(stop: &AtomicBool, ops: &AtomicU64) {
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let v = (i % 16).to_string();
        ferroprof::labels::with([("round", v.as_str())], || std::hint::black_box(i));
        ops.fetch_add(1, Ordering::Relaxed);
    }
}

fn dumps(stop: &AtomicBool, ops: &AtomicU64) {
    let router = Router::standard(&Config::default());
    while !stop.load(Ordering::Relaxed) {
        for path in [
            "/debug/pprof/goroutine?debug=2",
            "/debug/pprof/goroutine",
            "/debug/pprof/heap",
        ] {
            let r = router.handle(&Request::get(path));
            // 429: the other dumping worker held the dump past this one's deadline.
            assert!(matches!(r.status, 200 | 404 | 429), "{path}: {}", r.status);
        }
        ops.fetch_add(1, Ordering::Relaxed);
    }
}

fn soak(duration: Duration) {
    let stage = Arc::new(AtomicUsize::new(0));
    watchdog(stage.clone(), duration * 3 + Duration::from_secs(60));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<(&str, Worker)> = vec![
        ("churn", churn),
        ("churn", churn),
        ("churn", churn),
        ("churn", churn),
        ("dlopen", dl_loop),
        ("dlopen", dl_loop),
        ("panic", panics),
        ("backtrace", backtraces),
        ("labels", relabel),
        ("dump", dumps),
        ("dump", dumps),
    ];
    // The panicking worker's messages are expected; any other panic is reported as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"soak panic") {
            default_hook(info);
        }
    }));
    let guard = ferroprof::cpu::start(&CpuConfig {
        frequency_hz: 1000,
        ..Default::default()
    })
    .unwrap();
    stage.store(1, Ordering::SeqCst);
    let handles: Vec<_> = workers
        .into_iter()
        .map(|(name, f)| {
            let (stop, ops) = (stop.clone(), Arc::new(AtomicU64::new(0)));
            let ops2 = ops.clone();
            (name, ops, std::thread::spawn(move || f(&stop, &ops2)))
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::SeqCst);
    stage.store(2, Ordering::SeqCst);
    for (name, ops, h) in handles {
        h.join().unwrap_or_else(|_| panic!("worker {name} failed"));
        assert!(
            ops.load(Ordering::Relaxed) > 0,
            "worker {name} made no progress"
        );
    }
    let cpu = guard.stop().unwrap();
    let _ = std::panic::take_hook();
    stage.store(3, Ordering::SeqCst);
    assert!(cpu.sample_count() > 0);
    eprintln!("soak: {} samples, {} lost", cpu.sample_count(), cpu.lost);
}

#[test]
fn soak_short() {
    soak(Duration::from_secs(3));
}

#[test]
#[ignore = "60 s soak; run by the scheduled job"]
fn soak_long() {
    soak(Duration::from_secs(60));
}
