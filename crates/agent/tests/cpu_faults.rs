//! The CPU sampler against hostile code: garbage frame pointers (A3), the vDSO (A4), and a
//! thread created by C code (A7d). One binary for the CPU profiler; tests take `LOCK`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ferroprof::CpuConfig;

static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn fast() -> CpuConfig {
    CpuConfig {
        frequency_hz: 1000,
        ..CpuConfig::default()
    }
}

/// Spins `iterations` times with the frame pointer register set to `bad`.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn spin_with_frame_pointer(bad: u64, iterations: u64) {
    // SAFETY: rbp is saved and restored around the loop, which touches no memory; the stack
    // pointer is unchanged at the end.
    unsafe {
        std::arch::asm!(
            "push rbp",
            "mov rbp, {bad}",
            "2:",
            "dec {n}",
            "jnz 2b",
            "pop rbp",
            bad = in(reg) bad,
            n = inout(reg) iterations => _,
        );
    }
}

/// A3: frame pointers of 0, unaligned, unmapped and pointing at themselves truncate samples
/// but never crash the process.
#[cfg(target_arch = "x86_64")]
#[test]
fn hostile_frame_pointers_do_not_crash() {
    let _l = lock();
    let guard = ferroprof::cpu::start(&fast()).unwrap();
    let mut slot = 0u64;
    let self_loop = &mut slot as *mut u64 as u64;
    slot = self_loop;
    let values = [0, 0x1234_5677, 0xdead_0000_0000, u64::MAX - 7, self_loop];
    let until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < until {
        for &bad in &values {
            spin_with_frame_pointer(bad, 2_000_000);
        }
    }
    let cpu = guard.stop().unwrap();
    assert!(std::hint::black_box(slot) == self_loop);
    assert!(cpu.sample_count() > 0);
    let p = cpu.to_profile();
    assert!(!p.sample.is_empty());
}

/// A4: a tight `clock_gettime` loop runs in the vDSO; samples unwind through it to the caller.
#[test]
fn vdso_loop_unwinds_to_its_caller() {
    let _l = lock();
    let guard = ferroprof::cpu::start(&fast()).unwrap();
    vdso_caller(Duration::from_millis(800));
    let p = guard.stop().unwrap().to_profile();
    let functions: std::collections::HashMap<_, _> =
        p.function.iter().map(|f| (f.id, f.name.clone())).collect();
    let names = |s: &ferroprof_profile::Sample| -> Vec<String> {
        s.location
            .iter()
            .flat_map(|id| p.location.iter().find(|l| l.id == *id).unwrap().line.iter())
            .map(|l| functions[&l.function_id.unwrap()].clone())
            .collect()
    };
    let with_caller: i64 = p
        .sample
        .iter()
        .filter(|s| names(s).iter().any(|n| n.contains("vdso_caller")))
        .map(|s| s.value[0])
        .sum();
    let total: i64 = p.sample.iter().map(|s| s.value[0]).sum();
    assert!(
        with_caller >= 10,
        "{with_caller} of {total} samples reach vdso_caller"
    );
}

#[inline(never)]
fn vdso_caller(wall: Duration) {
    let end = Instant::now() + wall;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    while Instant::now() < end {
        for _ in 0..1000 {
            // SAFETY: `ts` is a valid out-pointer.
            unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
        }
    }
    std::hint::black_box(ts.tv_nsec);
}

extern "C" fn c_thread(arg: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: `arg` is the Arc<AtomicBool> pointer the test passed, alive until joined.
    let stop = unsafe { &*(arg as *const AtomicBool) };
    let mut x = 0u64;
    while !stop.load(Ordering::Relaxed) {
        x = std::hint::black_box(x.wrapping_add(1));
    }
    std::ptr::null_mut()
}

/// A7d: a thread created with `pthread_create` (no Rust runtime set-up, no signal stack) is
/// sampled without trouble.
#[test]
fn thread_created_by_c_code_is_sampled() {
    let _l = lock();
    let stop = Arc::new(AtomicBool::new(false));
    let mut tid: libc::pthread_t = 0;
    // SAFETY: the thread function only reads the flag, which outlives the join below.
    let rc = unsafe {
        libc::pthread_create(
            &mut tid,
            std::ptr::null(),
            c_thread,
            Arc::as_ptr(&stop) as *mut libc::c_void,
        )
    };
    assert_eq!(rc, 0);
    let guard = ferroprof::cpu::start(&fast()).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let cpu = guard.stop().unwrap();
    stop.store(true, Ordering::SeqCst);
    // SAFETY: joins the thread created above, once.
    unsafe { libc::pthread_join(tid, std::ptr::null_mut()) };
    let p = cpu.to_profile();
    let c_samples: i64 = p
        .sample
        .iter()
        .filter(|s| {
            s.location.iter().any(|id| {
                p.location
                    .iter()
                    .find(|l| l.id == *id)
                    .unwrap()
                    .line
                    .iter()
                    .any(|l| {
                        p.function
                            .iter()
                            .any(|f| Some(f.id) == l.function_id && f.name.contains("c_thread"))
                    })
            })
        })
        .map(|s| s.value[0])
        .sum();
    assert!(c_samples >= 10, "{c_samples} samples in the C thread");
}

/// The handler's footprint on a thread's signal stack (SA_ONSTACK): measured by painting a
/// signal stack and sampling a thread that runs on it. It must fit the 8 KiB `SIGSTKSZ`
/// that Rust's runtime gives its threads, since the unwinder itself runs on its own stack.
#[test]
fn handler_fits_a_small_signal_stack() {
    let _l = lock();
    const SIZE: usize = 64 << 10;
    let worker = std::thread::spawn(|| {
        let mut stack = vec![0xAAu8; SIZE];
        let ss = libc::stack_t {
            ss_sp: stack.as_mut_ptr().cast(),
            ss_flags: 0,
            ss_size: SIZE,
        };
        let mut old = libc::stack_t {
            ss_sp: std::ptr::null_mut(),
            ss_flags: 0,
            ss_size: 0,
        };
        // SAFETY: `stack` outlives its use as this thread's signal stack (restored below).
        unsafe { libc::sigaltstack(&ss, &mut old) };
        // 300 ms of this thread's CPU time: ~300 samples at 1 kHz however loaded the host.
        let cpu = ferroprof_testsupport::cpu_time::thread_cpu;
        let end = cpu() + Duration::from_millis(300);
        let mut x = 0u64;
        while cpu() < end {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        // SAFETY: puts back the thread's previous signal stack.
        unsafe { libc::sigaltstack(&old, std::ptr::null_mut()) };
        let untouched = stack.iter().take_while(|&&b| b == 0xAA).count();
        SIZE - untouched
    });
    let guard = ferroprof::cpu::start(&fast()).unwrap();
    let used = worker.join().unwrap();
    let cpu = guard.stop().unwrap();
    eprintln!(
        "signal stack used: {used} bytes over {} samples",
        cpu.sample_count()
    );
    assert!(cpu.sample_count() >= 10);
    assert!(
        used > 0 && used < 8192,
        "the handler used {used} bytes of the signal stack"
    );
}
