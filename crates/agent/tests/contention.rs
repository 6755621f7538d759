//! The `mutex` and `block` profiles: accuracy against waits the test measures itself
//! (RELIABILITY.md A13), attribution (release stack for mutex, waiting stack for block), fork
//! while contended, the endpoints, and `go tool pprof` reading them. One binary: the profile
//! rates are process-wide, so tests that set them take [`lock`].

mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferroprof::contention::{self, Kind, Snapshot};
use ferroprof::sync::{mpsc, Barrier, Condvar, Mutex};
use ferroprof_profile::Profile;

static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Counts the allocations of the threads that armed it (a counting `#[global_allocator]`, as
/// in `no_alloc.rs`, but per thread so other tests' threads do not count).
struct Counting;

std::thread_local! {
    static ARMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
static ALLOCATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if ARMED.try_with(|a| a.get()).unwrap_or(false) {
            ALLOCATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        // SAFETY: forwarded under the caller's contract.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: forwarded under the caller's contract.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Allocations made by this thread while running `f`.
fn allocations_in(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed);
    ARMED.with(|a| a.set(true));
    f();
    ARMED.with(|a| a.set(false));
    ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed) - before
}

/// Serializes the tests that set the process-wide rates; resets them when dropped.
struct Rates(#[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

impl Drop for Rates {
    fn drop(&mut self) {
        ferroprof::set_mutex_profile_fraction(0);
        ferroprof::set_block_profile_rate(0);
    }
}

fn lock(fraction: i64, block_rate: i64) -> Rates {
    let g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    ferroprof::set_mutex_profile_fraction(fraction);
    ferroprof::set_block_profile_rate(block_rate);
    Rates(g)
}

/// Busy-waits `d` (holding a lock for a known time without sleeping).
fn spin_for(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        black_box(0);
    }
}

/// Acquires `m`, returning the guard and how long the acquisition took.
#[inline(never)]
fn acquire_site(m: &Mutex<u64>) -> (ferroprof::sync::MutexGuard<'_, u64>, Duration) {
    let t = Instant::now();
    let g = m.lock().unwrap();
    (g, t.elapsed())
}

/// Releases a guard: the stack the mutex profile charges.
#[inline(never)]
fn release_site(g: ferroprof::sync::MutexGuard<'_, u64>) {
    drop(black_box(g));
}

/// `threads` threads each take `m` `iters` times, holding it `hold` (asleep, so a holder is
/// not preempted mid-hold on a loaded host, which would make a few waits enormous); returns
/// the total time they measured waiting for it.
fn contend(m: &Arc<Mutex<u64>>, threads: usize, iters: usize, hold: Duration) -> Duration {
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let m = m.clone();
            std::thread::spawn(move || {
                let mut waited = Duration::ZERO;
                for _ in 0..iters {
                    let (mut g, w) = acquire_site(&m);
                    waited += w;
                    *g += 1;
                    std::thread::sleep(hold);
                    release_site(g);
                }
                waited
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).sum()
}

fn function_names(p: &Profile, s: &ferroprof_profile::Sample) -> Vec<String> {
    s.location
        .iter()
        .flat_map(|id| {
            let loc = p.location.iter().find(|l| l.id == *id).unwrap();
            loc.line.iter().map(|line| {
                let f = p
                    .function
                    .iter()
                    .find(|f| Some(f.id) == line.function_id)
                    .unwrap();
                f.name.clone()
            })
        })
        .collect()
}

/// Total (contentions, delay) of the samples whose stack holds a function named like `site`.
fn totals_at(p: &Profile, site: &str) -> (i64, i64) {
    p.sample
        .iter()
        .filter(|s| function_names(p, s).iter().any(|n| n.contains(site)))
        .fold((0, 0), |(c, d), s| (c + s.value[0], d + s.value[1]))
}

fn total_delay(p: &Profile) -> i64 {
    p.sample.iter().map(|s| s.value[1]).sum()
}

/// One A13 run: the mutex (and at fraction 1, block) delay recorded over a contended run, as
/// a ratio of the waiting the threads measured.
fn a13_ratios(fraction: i64, iters: usize) -> (f64, f64, Profile, Profile) {
    let _r = lock(fraction, 1);
    let m = Arc::new(Mutex::new(0));
    let mutex0 = Snapshot::take(Kind::Mutex);
    let block0 = Snapshot::take(Kind::Block);
    let measured = contend(&m, 4, iters, Duration::from_micros(50));
    let (mutex, block) = (mutex0.delta(), block0.delta());
    let measured = measured.as_nanos() as f64;
    let (_, at_release) = totals_at(&mutex, "release_site");
    let (_, at_acquire) = totals_at(&block, "acquire_site");
    (
        at_release as f64 / measured,
        at_acquire as f64 / measured,
        mutex,
        block,
    )
}

fn within_20_percent(r: f64) -> bool {
    (0.8..=1.2).contains(&r)
}

/// RELIABILITY.md A13 at fraction 1: contended waits measured by the threads themselves match
/// the mutex profile's delay charged to the releasing stack and the block profile's delay
/// charged to the waiting stack, within 20% (1 of 3 runs, as Go's `TestBlockProfileBias`
/// family). Why: Go `TestMutexProfile`, `TestBlockProfileBias`.
#[test]
fn a13_delay_matches_measured_waits_at_fraction_1() {
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (mutex, block, mp, bp) = a13_ratios(1, 1500);
        seen.push((mutex, block));
        eprintln!("A13 fraction 1: mutex delay {mutex:.3}, block delay {block:.3} of measured");
        if within_20_percent(mutex) && within_20_percent(block) {
            // Charged to the release, never to the acquisition, and the reverse for block.
            assert_eq!(totals_at(&mp, "acquire_site").1, 0);
            assert_eq!(totals_at(&bp, "release_site").1, 0);
            assert!(totals_at(&mp, "release_site").0 > 0);
            return;
        }
    }
    panic!("mutex/block delay ÷ measured waits, 3 runs: {seen:?}");
}

/// A13 at fraction 10: 1 in 10 contended releases is recorded and the profile scales the
/// delay back by 10, within 20% of the measured waits (1 of 3 runs).
#[test]
fn a13_delay_matches_measured_waits_at_fraction_10() {
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (mutex, _, mp, _) = a13_ratios(10, 3000);
        seen.push(mutex);
        eprintln!("A13 fraction 10: mutex delay {mutex:.3} of measured");
        if within_20_percent(mutex) {
            let (count, _) = totals_at(&mp, "release_site");
            assert_eq!(count % 10, 0, "contentions are scaled by the fraction");
            return;
        }
    }
    panic!("mutex delay ÷ measured waits at fraction 10, 3 runs: {seen:?}");
}

/// With both profiles off (Go's default) nothing is timed or recorded.
#[test]
fn nothing_recorded_while_off() {
    let _r = lock(0, 0);
    let (mutex0, block0) = (Snapshot::take(Kind::Mutex), Snapshot::take(Kind::Block));
    contend(&Arc::new(Mutex::new(0)), 4, 200, Duration::from_micros(20));
    assert!(mutex0.delta().sample.is_empty());
    assert!(block0.delta().sample.is_empty());
}

#[inline(never)]
fn condvar_wait_site(pair: &(Mutex<bool>, Condvar)) {
    let g = pair.1.wait_while(pair.0.lock().unwrap(), |ready| !*ready);
    drop(g.unwrap());
}

#[inline(never)]
fn channel_recv_site(rx: &mpsc::Receiver<u32>) -> u32 {
    rx.recv().unwrap()
}

#[inline(never)]
fn barrier_wait_site(b: &Barrier) {
    // Used after the call, so the call is not a tail jump that leaves this frame out.
    black_box(b.wait().is_leader());
}

/// Condition variable waits, channel receives and barrier waits that block are charged to the
/// waiting stack in the block profile, with about the time they waited.
#[test]
fn block_profile_records_condvar_channel_and_barrier_waits() {
    let _r = lock(0, 1);
    let block0 = Snapshot::take(Kind::Block);
    let wait = Duration::from_millis(30);
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let (tx, rx) = mpsc::sync_channel(0);
    let barrier = Arc::new(Barrier::new(2));
    let (p2, b2) = (pair.clone(), barrier.clone());
    let helper = std::thread::spawn(move || {
        std::thread::sleep(wait);
        *p2.0.lock().unwrap() = true;
        p2.1.notify_all();
        std::thread::sleep(wait);
        tx.send(7).unwrap();
        std::thread::sleep(wait);
        b2.wait();
    });
    condvar_wait_site(&pair);
    assert_eq!(channel_recv_site(&rx), 7);
    barrier_wait_site(&barrier);
    helper.join().unwrap();
    let p = block0.delta();
    for site in [
        "condvar_wait_site",
        "channel_recv_site",
        "barrier_wait_site",
    ] {
        let (count, delay) = totals_at(&p, site);
        assert!(count >= 1, "{site} not in the block profile");
        // Each waited about `wait` (never less than a third, whatever the load).
        assert!(delay >= wait.as_nanos() as i64 / 3, "{site}: {delay} ns");
    }
}

/// A13 fork: a child forked while threads contend on an instrumented lock with both profiles
/// on can still contend, record and export: the recording path holds no lock a fork could
/// leave taken (the unwinder's busy slots and half-filled buckets are passed over). Why:
/// DataDog/dd-trace-py#1693.
#[test]
fn a13_fork_while_contended_does_not_deadlock_the_child() {
    let _r = lock(1, 1);
    let m = Arc::new(Mutex::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let background: Vec<_> = (0..3)
        .map(|_| {
            let (m, stop) = (m.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let (g, _) = acquire_site(&m);
                    spin_for(Duration::from_micros(20));
                    release_site(g);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    let mut children = Vec::new();
    for _ in 0..5 {
        // SAFETY: the child only runs `child_contends` and exits with `_exit`.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let ok = child_contends();
            // SAFETY: ends the child without running the parent's atexit handlers or tests.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        children.push(pid);
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    background.into_iter().for_each(|h| h.join().unwrap());
    for pid in children {
        assert_eq!(
            wait_child(pid, Duration::from_secs(30)),
            Some(0),
            "child {pid}"
        );
    }
}

/// Rounds of [`contend`] (at most 20) until both profiles recorded the contention: on a loaded
/// host one thread may finish a round before another starts. Whether they did.
fn contend_until_recorded() -> bool {
    let (mutex0, block0) = (Snapshot::take(Kind::Mutex), Snapshot::take(Kind::Block));
    let m = Arc::new(Mutex::new(0));
    for _ in 0..20 {
        contend(&m, 3, 200, Duration::from_micros(50));
        if totals_at(&mutex0.delta(), "release_site").0 > 0
            && totals_at(&block0.delta(), "acquire_site").0 > 0
        {
            return true;
        }
    }
    false
}

/// In a forked child: new threads contend on a new lock; both profiles record it and export.
fn child_contends() -> bool {
    contend_until_recorded() && contention::text(Kind::Block).contains("acquire_site")
}

/// The child's exit status, or `None` (the child killed) when it did not finish in `limit`.
fn wait_child(pid: libc::pid_t, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        let mut status = 0;
        // SAFETY: polls our own child; `status` is a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            return libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
        }
        if Instant::now() > deadline {
            // SAFETY: kills our own hung child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            eprintln!("child {pid} deadlocked after fork (killed)");
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `go tool pprof` reads `mutex` and `block` from the agent, as protobuf and as `debug=1`
/// text, with Go's sample types, and names the Rust function that released (mutex) or waited
/// (block).
#[test]
fn go_tool_pprof_reads_mutex_and_block_endpoints() {
    if !ferroprof_testsupport::have_go("go_tool_pprof_reads_mutex_and_block_endpoints") {
        return;
    }
    let _r = lock(1, 1);
    assert!(contend_until_recorded(), "no contention in 20 rounds");
    // `/symbol` on: pprof symbolizes legacy text through it, as it does with Go's.
    let config = ferroprof::Config {
        enable_symbol: true,
        ..ferroprof::Config::default()
    };
    let server = ferroprof::Server::new("127.0.0.1:0")
        .config(config)
        .start()
        .expect("start server");
    let addr = server.local_addr();
    let base = format!("http://{addr}/debug/pprof");
    let mutex_raw = ferroprof_testsupport::go_tool_pprof(&["-raw", &format!("{base}/mutex")]);
    let mutex_top = ferroprof_testsupport::go_tool_pprof(&["-top", &format!("{base}/mutex")]);
    let block_top = ferroprof_testsupport::go_tool_pprof(&["-top", &format!("{base}/block")]);
    let text_tops: Vec<String> = ["mutex", "block"]
        .iter()
        .map(|name| {
            ferroprof_testsupport::go_tool_pprof(&["-top", &format!("{base}/{name}?debug=1")])
        })
        .collect();
    let mutex_text = support::get(addr, "/debug/pprof/mutex?debug=1").text();
    let index = support::get(addr, "/debug/pprof/").text();
    server.shutdown();
    assert!(
        mutex_text.starts_with("--- mutex:\ncycles/second=1000000000\nsampling period=1\n"),
        "{mutex_text}"
    );
    assert!(mutex_text.contains("release_site+0x"), "{mutex_text}");
    assert!(
        mutex_raw.contains("PeriodType: contentions count\nPeriod: 1\n"),
        "{mutex_raw}"
    );
    assert!(mutex_raw.contains("contentions/count delay/nanoseconds"));
    assert!(mutex_top.contains("release_site"), "{mutex_top}");
    assert!(block_top.contains("acquire_site"), "{block_top}");
    assert!(text_tops[0].contains("release_site"), "{}", text_tops[0]);
    assert!(text_tops[1].contains("acquire_site"), "{}", text_tops[1]);
    assert!(index.contains("<a href='mutex?debug=1'>mutex</a>"));
    assert!(index.contains("block: </div> Stack traces that led to blocking"));
}

/// `?seconds=N` serves what was recorded during the window only, as `mutex-delta`, with
/// Go's duration.
#[test]
fn delta_profile_holds_only_the_window() {
    let _r = lock(1, 1);
    contend(&Arc::new(Mutex::new(0)), 3, 200, Duration::from_micros(20));
    let server = ferroprof::serve("127.0.0.1:0").expect("start server");
    let addr = server.local_addr();
    let (m, stop) = (
        Arc::new(Mutex::new(0)),
        Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    let (m2, stop2) = (m.clone(), stop.clone());
    let during = std::thread::spawn(move || {
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            contend(&m2, 2, 50, Duration::from_micros(50));
        }
    });
    let reply = support::get(addr, "/debug/pprof/mutex?seconds=1");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    during.join().unwrap();
    server.shutdown();
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("Content-Disposition"),
        Some("attachment; filename=\"mutex-delta\"")
    );
    let p = ferroprof_profile::parse(&reply.body, &ferroprof_profile::Limits::default())
        .expect("parse");
    assert!(p.duration_nanos >= 1_000_000_000, "{}", p.duration_nanos);
    assert!(total_delay(&p) > 0);
    let whole = contention::profile(Kind::Mutex);
    assert!(total_delay(&p) < total_delay(&whole));
}

#[cfg(feature = "parking_lot")]
#[inline(never)]
fn parking_lot_release_site(g: ferroprof::sync::parking_lot::MutexGuard<'_, u64>) {
    drop(black_box(g));
}

/// `parking_lot`'s mutex records like std's: the delay charged to the releasing stack adds up
/// to the waits the threads measured (within 20%, 1 of 3 runs).
#[cfg(feature = "parking_lot")]
#[test]
fn parking_lot_mutex_delay_matches_measured_waits() {
    let _r = lock(1, 0);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let m = Arc::new(ferroprof::sync::parking_lot::Mutex::new(0u64));
        let before = Snapshot::take(Kind::Mutex);
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                std::thread::spawn(move || {
                    let mut waited = Duration::ZERO;
                    for _ in 0..1500 {
                        let t = Instant::now();
                        let mut g = m.lock();
                        waited += t.elapsed();
                        *g += 1;
                        spin_for(Duration::from_micros(50));
                        parking_lot_release_site(g);
                    }
                    waited
                })
            })
            .collect();
        let measured: Duration = handles.into_iter().map(|h| h.join().unwrap()).sum();
        let (_, delay) = totals_at(&before.delta(), "parking_lot_release_site");
        let ratio = delay as f64 / measured.as_nanos() as f64;
        seen.push(ratio);
        if within_20_percent(ratio) {
            return;
        }
    }
    panic!("delay ÷ measured waits, 3 runs: {seen:?}");
}

#[cfg(feature = "tokio")]
mod tokio_wrappers {
    use super::*;
    use ferroprof::sync::tokio as ft;

    #[inline(never)]
    async fn tokio_lock_site(m: &ft::Mutex<u64>, hold: Duration) {
        let mut g = m.lock().await;
        *g += 1;
        tokio::time::sleep(hold).await;
    }

    #[inline(never)]
    async fn semaphore_site(s: &ft::Semaphore) {
        let _permit = s.acquire().await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    #[inline(never)]
    async fn notify_site(n: &ft::Notify) {
        n.notified().await;
    }

    /// tokio's mutex charges waiters' delay to the releasing task (mutex profile) and each
    /// task's wait to its own stack (block); semaphore and notify waits reach the block
    /// profile.
    #[test]
    fn tokio_primitives_record_waits() {
        let _r = lock(1, 1);
        let (mutex0, block0) = (Snapshot::take(Kind::Mutex), Snapshot::take(Kind::Block));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        let hold = Duration::from_millis(5);
        rt.block_on(async {
            let m = Arc::new(ft::Mutex::new(0u64));
            let s = Arc::new(ft::Semaphore::new(1));
            let n = Arc::new(ft::Notify::new());
            let mut tasks = Vec::new();
            for _ in 0..4 {
                let (m, s) = (m.clone(), s.clone());
                tasks.push(tokio::spawn(async move {
                    for _ in 0..5 {
                        tokio_lock_site(&m, hold).await;
                    }
                    semaphore_site(&s).await;
                }));
            }
            let waiter = {
                let n = n.clone();
                tokio::spawn(async move { notify_site(&n).await })
            };
            for t in tasks {
                t.await.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            n.notify_one();
            waiter.await.unwrap();
            assert_eq!(*m.lock().await, 20);
        });
        let (mutex, block) = (mutex0.delta(), block0.delta());
        // 4 tasks × 5 holds of 5 ms: the waiting adds up to far more than one hold.
        let (count, delay) = totals_at(&mutex, "tokio_lock_site");
        assert!(
            count > 0 && delay > hold.as_nanos() as i64,
            "{count} {delay}"
        );
        for site in ["tokio_lock_site", "semaphore_site", "notify_site"] {
            assert!(
                totals_at(&block, site).0 > 0,
                "{site} not in the block profile"
            );
        }
    }
}

/// Neither the uncontended path nor recording allocates: with both profiles on, 1000
/// uncontended lock/unlock cycles and contended acquisitions and releases (which time the wait,
/// capture stacks and fill the tables) make no allocation on the thread doing them.
#[test]
fn locking_and_recording_do_not_allocate() {
    let _r = lock(1, 1);
    // Build the unwinder (it allocates once, at the first event of the process).
    assert!(contend_until_recorded(), "no contention in 20 rounds");
    let m = Arc::new(Mutex::new(0u64));
    let rw = ferroprof::sync::RwLock::new(0u64);
    let uncontended = allocations_in(|| {
        for _ in 0..1000 {
            *m.lock().unwrap() += 1;
            *rw.write().unwrap() += 1;
            black_box(*rw.read().unwrap());
        }
    });
    assert_eq!(uncontended, 0);
    let (mutex0, block0) = (Snapshot::take(Kind::Mutex), Snapshot::take(Kind::Block));
    for _ in 0..20 {
        let (to_main, from_helper) = std::sync::mpsc::channel();
        let m2 = m.clone();
        // The helper holds the lock while this thread waits for it, then waits for it while
        // this thread holds it, so both of this thread's events are contended.
        let helper = std::thread::spawn(move || {
            let g = m2.lock().unwrap();
            to_main.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(5));
            drop(g);
            std::thread::sleep(Duration::from_millis(1));
            drop(black_box(m2.lock().unwrap()));
        });
        from_helper.recv().unwrap();
        let contended = allocations_in(|| {
            let (g, _) = acquire_site(&m);
            std::thread::sleep(Duration::from_millis(5));
            release_site(g);
        });
        helper.join().unwrap();
        assert_eq!(contended, 0);
        let recorded = |s: &Snapshot, site: &str| totals_at(&s.delta(), site).0 > 0;
        if recorded(&mutex0, "release_site") && recorded(&block0, "acquire_site") {
            return;
        }
    }
    panic!("the contended events were never recorded in 20 rounds");
}
