//! The heap profiler through a real `#[global_allocator]`: accuracy (RELIABILITY.md A9), thread
//! teardown and re-entrancy (A10), export-time work and every other allocation of the agent kept
//! out of the profile (A11), realloc and statistics, and `go tool pprof` reading what the agent
//! writes.
//!
//! One binary per process-wide profiler: this file owns the global allocator, and every test
//! takes `LOCK`, since the sampling rate is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Mutex;

use ferroprof::heap::{self, ProfileKind};
use ferroprof_profile::Profile;

mod support;

/// `System`, counting the calls that reach it from each thread, so a test can see whether the
/// profiler allocates while it samples.
struct Counting;

thread_local! {
    static INNER_ALLOCS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

// SAFETY: forwards every call to `System` unchanged; the count is a const thread-local cell.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = INNER_ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded under the caller's contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded under the caller's contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static A: ferroprof::Allocator<Counting> = ferroprof::Allocator::new(Counting);

static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The four values summed over samples whose stack has a frame named like `func`.
fn values_for(p: &Profile, func: &str) -> [i64; 4] {
    let mut out = [0i64; 4];
    for s in &p.sample {
        let hit = s.location.iter().any(|id| {
            let loc = &p.location[id.get() as usize - 1];
            loc.line.iter().any(|l| {
                l.function_id
                    .is_some_and(|f| p.function[f.get() as usize - 1].name.contains(func))
            })
        });
        if hit {
            for (o, v) in out.iter_mut().zip(&s.value) {
                *o += v;
            }
        }
    }
    out
}

fn diff(a: [i64; 4], b: [i64; 4]) -> [i64; 4] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]]
}

/// Sizes from 256 B to 18 KiB, interleaved (Go's `test/heapsampling.go` mixes sizes the same way).
const SIZES: [usize; 10] = [256, 512, 1024, 2048, 4096, 6144, 9216, 12288, 15360, 18432];

#[inline(never)]
fn a9_alloc(size: usize) -> Vec<u8> {
    black_box(vec![7u8; size])
}

/// Allocates `iters` blocks, keeping every fourth; returns what it kept and the true
/// (alloc_objects, alloc_space, inuse_objects, inuse_space).
fn a9_workload(iters: usize) -> (Vec<Vec<u8>>, [i64; 4]) {
    let mut kept = Vec::with_capacity(iters / 4 + 1);
    let mut truth = [0i64; 4];
    for i in 0..iters {
        let size = SIZES[(i * 7) % SIZES.len()];
        let block = a9_alloc(size);
        truth[0] += 1;
        truth[1] += size as i64;
        if i % 4 == 0 {
            truth[2] += 1;
            truth[3] += size as i64;
            kept.push(block);
        }
    }
    (kept, truth)
}

/// A9: at a 16 KiB rate every one of the four estimates is within 10% of the truth in at least
/// one of three runs (Go's `test/heapsampling.go` criterion).
#[test]
fn a9_estimates_within_ten_percent_at_16k() {
    let _g = lock();
    heap::set_sample_rate(16 * 1024);
    let mut report = Vec::new();
    let ok = (0..3).any(|_| {
        let before = values_for(&heap::profile(ProfileKind::Heap), "a9_alloc");
        let (kept, truth) = a9_workload(50_000);
        let got = diff(
            values_for(&heap::profile(ProfileKind::Heap), "a9_alloc"),
            before,
        );
        drop(kept);
        let within = got
            .iter()
            .zip(&truth)
            .all(|(&g, &t)| (g as f64 - t as f64).abs() <= 0.1 * t as f64);
        report.push(format!("got {got:?} truth {truth:?}"));
        eprintln!("a9 at 16 KiB: {}", report.last().unwrap());
        within
    });
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    assert!(ok, "no run within 10%:\n{}", report.join("\n"));
}

/// A9: at rate 1 every allocation is recorded, so the four values are exact.
#[test]
fn a9_exact_at_rate_one() {
    let _g = lock();
    heap::set_sample_rate(1);
    let before = values_for(&heap::profile(ProfileKind::Heap), "a9_alloc");
    let (kept, truth) = a9_workload(5_000);
    let got = diff(
        values_for(&heap::profile(ProfileKind::Heap), "a9_alloc"),
        before,
    );
    drop(kept);
    let after_free = diff(
        values_for(&heap::profile(ProfileKind::Heap), "a9_alloc"),
        before,
    );
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    assert_eq!(got, truth);
    assert_eq!(
        after_free,
        [truth[0], truth[1], 0, 0],
        "frees reach their buckets"
    );
}

#[inline(never)]
fn realloc_twice(first: usize, second: usize, third: usize) -> (*mut u8, Layout) {
    let layout = Layout::from_size_align(first, 8).unwrap();
    // SAFETY: a non-zero layout; each realloc gets the block and layout the previous call gave.
    unsafe {
        let p = std::alloc::alloc(layout);
        let p = std::alloc::realloc(p, layout, second);
        let l2 = Layout::from_size_align(second, 8).unwrap();
        let p = std::alloc::realloc(p, l2, third);
        (black_box(p), Layout::from_size_align(third, 8).unwrap())
    }
}

/// A realloc is the free of the old block and an allocation of the new one.
#[test]
fn realloc_is_a_free_and_an_allocation() {
    let _g = lock();
    heap::set_sample_rate(1);
    let before = values_for(&heap::profile(ProfileKind::Allocs), "realloc_twice");
    let (p, layout) = realloc_twice(100, 5000, 300);
    let got = diff(
        values_for(&heap::profile(ProfileKind::Allocs), "realloc_twice"),
        before,
    );
    // SAFETY: `p` was allocated with `layout` by the global allocator.
    unsafe { std::alloc::dealloc(p, layout) };
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    assert_eq!(got, [3, 5400, 1, 300]);
}

/// The hook's counters see every allocation and free, sampled or not.
#[test]
fn stats_count_every_allocation() {
    let _g = lock();
    heap::set_sample_rate(0);
    let before = heap::stats();
    let blocks: Vec<Vec<u8>> = (0..1000).map(|_| vec![1u8; 1000]).collect();
    let during = heap::stats();
    drop(blocks);
    let after = heap::stats();
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    // Other threads of the test harness allocate too: compare cumulative counters, which only
    // grow, and live bytes only around our own large drop.
    assert!(during.mallocs - before.mallocs >= 1001);
    assert!(
        during.total_alloc_bytes - before.total_alloc_bytes >= 1_000_000,
        "{before:?}\n{during:?}"
    );
    assert!(after.frees - during.frees >= 1001);
    assert!(after.total_freed_bytes - during.total_freed_bytes >= 1_000_000);
    assert!(after.live_bytes < during.live_bytes - 900_000);
    assert!(during.rss_bytes.unwrap() > 1_000_000);
    assert!(during.max_rss_bytes.unwrap() >= during.peak_rss_bytes.unwrap() / 2);
    let json = during.to_json();
    assert!(
        json.starts_with("{\"live_bytes\":") && json.contains("\"mallocs\":"),
        "{json}"
    );
}

#[inline(never)]
fn boxes(n: usize) {
    for i in 0..n {
        black_box(Box::new([i as u8; 48]));
    }
}

/// Sampling allocates nothing (STYLE.md principle 4): at rate 1, where every allocation is
/// sampled, the wrapped allocator sees exactly the application's allocations.
#[test]
fn sampling_allocates_nothing() {
    let _g = lock();
    heap::set_sample_rate(1);
    boxes(10); // the first sample of the process builds the unwinder (which allocates, unsampled)
    let before = INNER_ALLOCS.with(|c| c.get());
    boxes(1000);
    let after = INNER_ALLOCS.with(|c| c.get());
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    assert_eq!(after - before, 1000);
}

/// An allocation seen by the hook with a System allocator that fails: nothing is recorded and the
/// failure is returned as is.
#[test]
fn failed_allocations_pass_through() {
    let _g = lock();
    let layout = Layout::from_size_align(1 << 62, 8).unwrap();
    // SAFETY: a non-zero layout; a null result is expected and not used.
    let p = unsafe { A.alloc(layout) };
    assert!(p.is_null());
}

/// The profile has Go's shape: four sample types, space/bytes period, default sample type per
/// profile, numeric label `bytes`, and no frame of the profiler itself (A11).
#[test]
fn profile_has_gos_shape_and_no_profiler_frames() {
    let _g = lock();
    heap::set_sample_rate(1);
    let kept = a9_alloc(4321);
    let heap_p = heap::profile(ProfileKind::Heap);
    let allocs_p = heap::profile(ProfileKind::Allocs);
    let text = heap::text();
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    let types: Vec<String> = heap_p
        .sample_type
        .iter()
        .map(|t| format!("{}/{}", t.r#type, t.unit))
        .collect();
    assert_eq!(
        types,
        [
            "alloc_objects/count",
            "alloc_space/bytes",
            "inuse_objects/count",
            "inuse_space/bytes"
        ]
    );
    let period = heap_p.period_type.as_ref().unwrap();
    assert_eq!(
        (period.r#type.as_str(), period.unit.as_str(), heap_p.period),
        ("space", "bytes", 1)
    );
    assert_eq!(heap_p.default_sample_type, "");
    assert_eq!(allocs_p.default_sample_type, "alloc_space");
    let leaf = heap_p
        .sample
        .iter()
        .find(|s| s.num_label.get("bytes") == Some(&vec![4321]))
        .expect("a sample labelled bytes=4321");
    let first = &heap_p.location[leaf.location[0].get() as usize - 1];
    // The innermost frame (where pprof charges flat values) is the function that allocated,
    // as Go's heap stacks start at the caller of `new`/`make`.
    let name = &heap_p.function[first.line[0].function_id.unwrap().get() as usize - 1].name;
    assert!(name.ends_with("a9_alloc"), "leaf frame {name}");
    for f in &heap_p.function {
        assert!(
            !f.name.contains("ferroprof::heap") && !f.name.contains("ferroprof_symbolize"),
            "profiler frame in the profile: {}",
            f.name
        );
    }
    assert!(text.starts_with("heap profile: "), "{text}");
    assert!(text.contains("\n# ferroprof.HeapStats\n# Alloc = "));
    assert!(
        text.contains("a9_alloc"),
        "the allocating function is in the text"
    );
    assert!(
        !text.contains("ferroprof::heap::"),
        "the hook's frames are hidden in the text"
    );
    drop(kept);
}

struct Teardown;

impl Drop for Teardown {
    fn drop(&mut self) {
        drop(tls_dtor_alloc());
    }
}

thread_local! {
    static TEARDOWN: std::cell::RefCell<Option<Teardown>> = const { std::cell::RefCell::new(None) };
}

#[inline(never)]
fn tls_dtor_alloc() -> Vec<u8> {
    black_box(vec![3u8; 3000])
}

/// A10: 10k short-lived threads whose thread-local destructors allocate and free, one in ten
/// panicking, with sampling on: no abort, nothing dropped, the exiting threads' counts flushed,
/// the destructors' allocations profiled and the profiler's own absent.
#[test]
fn a10_thread_teardown_panics_and_reentrancy() {
    let _g = lock();
    heap::set_sample_rate(512);
    let before = heap::stats();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut panicked = 0;
    for _batch in 0..100 {
        let handles: Vec<_> = (0..100)
            .map(|i| {
                std::thread::spawn(move || {
                    TEARDOWN.with(|t| *t.borrow_mut() = Some(Teardown));
                    black_box(vec![i as u8; 100 + i * 10]);
                    assert!(i % 10 != 0, "thread {i} panics on purpose");
                })
            })
            .collect();
        panicked += handles
            .into_iter()
            .map(|h| h.join())
            .filter(Result::is_err)
            .count();
    }
    std::panic::set_hook(hook);
    let after = heap::stats();
    let allocs = heap::profile(ProfileKind::Allocs);
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    assert_eq!(panicked, 1000);
    assert_eq!((after.samples_dropped, after.frees_untracked), (0, 0));
    assert_eq!(
        after.profiler_reserved_bytes,
        before.profiler_reserved_bytes
    );
    assert!(after.mallocs - before.mallocs >= 20_000);
    let leaked = after.live_objects as i64 - before.live_objects as i64;
    assert!(
        leaked.abs() < 2_000,
        "exited threads' counts not flushed: {leaked} objects"
    );
    let dtor = values_for(&allocs, "tls_dtor_alloc");
    assert!(
        dtor[0] > 0 && dtor[2] == 0,
        "destructor allocations {dtor:?}"
    );
    for f in &allocs.function {
        for own in [
            "ferroprof::heap",
            "ferroprof::export",
            "ferroprof_symbolize",
            "framehop",
        ] {
            assert!(
                !f.name.contains(own),
                "profiler frame in the profile: {}",
                f.name
            );
        }
    }
}

#[inline(never)]
fn go_visible_leak() -> Vec<Vec<u8>> {
    (0..64).map(|i| black_box(vec![i as u8; 8192])).collect()
}

/// `go tool pprof` reads heap and allocs from the agent's endpoints, as protobuf and as
/// `debug=1` text, with Go's sample types and the Rust functions that allocated.
#[test]
fn go_tool_pprof_reads_heap_and_allocs_endpoints() {
    if !ferroprof_testsupport::have_go("go_tool_pprof_reads_heap_and_allocs_endpoints") {
        return;
    }
    let _g = lock();
    heap::set_sample_rate(4096);
    let kept = go_visible_leak();
    let server = ferroprof::serve("127.0.0.1:0").expect("start server");
    let base = format!("http://{}/debug/pprof", server.local_addr());
    let heap_raw = ferroprof_testsupport::go_tool_pprof(&["-raw", &format!("{base}/heap")]);
    let allocs_raw = ferroprof_testsupport::go_tool_pprof(&["-raw", &format!("{base}/allocs")]);
    let top = ferroprof_testsupport::go_tool_pprof(&[
        "-top",
        "-sample_index=inuse_space",
        &format!("{base}/heap"),
    ]);
    let dir = std::env::temp_dir().join(format!("ferroprof-heap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text_path = dir.join("heap.txt");
    std::fs::write(&text_path, heap::text()).unwrap();
    let text_raw = ferroprof_testsupport::go_tool_pprof(&["-raw", text_path.to_str().unwrap()]);
    server.shutdown();
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    drop(kept);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        heap_raw.contains("PeriodType: space bytes\nPeriod: 4096\n"),
        "{heap_raw}"
    );
    assert!(heap_raw
        .contains("alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes\n"));
    assert!(heap_raw.contains("bytes:[8192]"));
    assert!(allocs_raw.contains(
        "alloc_objects/count alloc_space/bytes[dflt] inuse_objects/count inuse_space/bytes"
    ));
    assert!(top.contains("go_visible_leak"), "{top}");
    assert!(text_raw.contains("inuse_space/bytes"), "{text_raw}");
}

/// Go's `?seconds=N` delta: only what happened after the first snapshot, frees of older blocks
/// as negative in-use values, and the window as the duration.
#[test]
fn delta_holds_only_the_window() {
    let _g = lock();
    heap::set_sample_rate(1);
    let older = a9_alloc(1111);
    let start = heap::Snapshot::take();
    let newer = a9_alloc(2222);
    drop(older);
    let delta = start.delta(ProfileKind::Heap);
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    drop(newer);
    assert_eq!(values_for(&delta, "a9_alloc"), [1, 2222, 0, 1111]);
    assert!(delta.duration_nanos > 0);
}

/// A2's heap side, short: 8 threads churn allocations at a high sampling rate while two threads
/// keep exporting heap profiles and text; no deadlock (a watchdog names the stage), no lost
/// sample, and every live block the churn left is accounted for.
#[test]
fn churn_while_exporting() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let _g = lock();
    heap::set_sample_rate(256);
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            let start = std::time::Instant::now();
            while !done.load(Ordering::Relaxed) {
                assert!(
                    start.elapsed().as_secs() < 120,
                    "churn_while_exporting hung"
                );
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        })
    };
    let exporters: Vec<_> = (0..2)
        .map(|i| {
            let done = done.clone();
            std::thread::spawn(move || {
                let mut n = 0;
                while !done.load(Ordering::Relaxed) {
                    if i == 0 {
                        black_box(heap::profile(ProfileKind::Heap));
                    } else {
                        black_box(heap::text());
                    }
                    n += 1;
                }
                n
            })
        })
        .collect();
    std::thread::scope(|s| {
        for t in 0..8 {
            s.spawn(move || {
                let mut kept = Vec::new();
                for i in 0..10_000usize {
                    let block = a9_alloc(64 + (i * 37 + t) % 4000);
                    if i % 100 == 0 {
                        kept.push(block);
                    }
                }
                black_box(kept);
            });
        }
    });
    done.store(true, Ordering::Relaxed);
    let exports: usize = exporters.into_iter().map(|h| h.join().unwrap()).sum();
    watchdog.join().unwrap();
    let stats = heap::stats();
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    assert!(exports >= 2, "the exporters ran ({exports})");
    assert_eq!((stats.samples_dropped, stats.frees_untracked), (0, 0));
    let after = values_for(&heap::profile(ProfileKind::Heap), "a9_alloc");
    assert_eq!(after[2], 0, "every churned block was freed: {after:?}");
}

/// Contends on an instrumented mutex until the mutex profile (read through the endpoint) holds
/// a record: the first recorded release builds the contention profiler's unwinder on this
/// thread, an application thread. Rounds repeat instead of sleeping until threads overlap.
fn contend_until_recorded(addr: std::net::SocketAddr) {
    static SHARED: ferroprof::sync::Mutex<u64> = ferroprof::sync::Mutex::new(0);
    for _round in 0..1000 {
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for i in 0..2000u64 {
                        let mut g = SHARED.lock().unwrap_or_else(|e| e.into_inner());
                        *g = black_box(g.wrapping_add(i));
                    }
                });
            }
        });
        if support::get(addr, "/debug/pprof/mutex?debug=1")
            .text()
            .contains(" @ 0x")
        {
            return;
        }
    }
    panic!("no contended release was recorded in 1000 rounds");
}

/// The profiler's own memory stays out of the profile (ISSUE 7, A11 for the whole agent): at
/// rate 1, a server started, contention recorded on application threads (which builds the
/// contention profiler's unwinder), and every endpoint the index lists used, in each form
/// (protobuf, text, delta; a CPU profile runs the profiler's thread), the allocs delta over
/// all of it holds what the test allocated and no frame of the agent or its dependencies.
#[test]
fn agent_allocations_stay_out_of_the_profile() {
    let _g = lock();
    heap::set_sample_rate(1);
    let start = heap::Snapshot::take();
    let config = ferroprof::Config {
        enable_cmdline: true,
        enable_symbol: true,
        ..Default::default()
    };
    let server = ferroprof::Server::new("127.0.0.1:0")
        .config(config)
        .start()
        .expect("start server");
    let addr = server.local_addr();
    ferroprof::set_mutex_profile_fraction(1);
    ferroprof::set_block_profile_rate(1);
    contend_until_recorded(addr);
    let index = support::get(addr, "/debug/pprof/").text();
    let names: Vec<&str> = index
        .split("href='")
        .skip(1)
        .filter_map(|h| h.split_once("?debug=1'").map(|(name, _)| name))
        .collect();
    for want in [
        "profile",
        "heap",
        "allocs",
        "allocstats",
        "mutex",
        "block",
        "goroutine",
    ] {
        assert!(names.contains(&want), "{want} not in the index: {index}");
    }
    let mut targets = vec![
        "/debug/pprof/".to_string(),
        "/debug/pprof/profile?seconds=1".to_string(),
        "/debug/pprof/goroutine?debug=2".to_string(),
        "/debug/pprof/symbol".to_string(),
    ];
    for name in names.iter().filter(|&&n| n != "profile") {
        targets.push(format!("/debug/pprof/{name}"));
        targets.push(format!("/debug/pprof/{name}?debug=1"));
    }
    for name in ["heap", "allocs", "mutex"] {
        targets.push(format!("/debug/pprof/{name}?seconds=1"));
    }
    for target in &targets {
        let reply = support::get(addr, target);
        assert_eq!(reply.status, 200, "{target}: {}", reply.text());
    }
    let pc = format!("{:#x}", a9_alloc as *const () as usize);
    let raw = format!(
        "POST /debug/pprof/symbol HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n{pc}",
        pc.len()
    );
    let symbol = support::send_raw(addr, raw.as_bytes());
    assert!(symbol.text().contains("a9_alloc"), "{}", symbol.text());
    let kept = a9_alloc(5555);
    let delta = start.delta(ProfileKind::Allocs);
    ferroprof::set_mutex_profile_fraction(0);
    ferroprof::set_block_profile_rate(0);
    heap::set_sample_rate(heap::DEFAULT_SAMPLE_RATE);
    server.shutdown();
    drop(kept);
    assert_eq!(values_for(&delta, "a9_alloc"), [1, 5555, 1, 5555]);
    let agent: Vec<String> = delta
        .sample
        .iter()
        .map(|s| stack_names(&delta, s))
        .filter(|names| {
            names
                .iter()
                .any(|n| n.contains("ferroprof") || n.contains("framehop"))
        })
        .map(|names| names.join("\n  "))
        .collect();
    assert!(
        agent.is_empty(),
        "the agent's own allocations were sampled:\n{}",
        agent.join("\n--\n")
    );
}

/// The function names of a sample's stack, innermost first.
fn stack_names(p: &Profile, s: &ferroprof_profile::Sample) -> Vec<String> {
    s.location
        .iter()
        .flat_map(|id| &p.location[id.get() as usize - 1].line)
        .filter_map(|l| l.function_id)
        .map(|f| p.function[f.get() as usize - 1].name.clone())
        .collect()
}
