//! CPU profiling overhead: a fixed compute loop without the profiler, and with it at 100 Hz
//! and 1 kHz (the difference divided by the samples taken is the cost of one capture), and a
//! thread dump of this process.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

/// About a millisecond of integer work.
fn work() -> u64 {
    let mut x = 1u64;
    for _ in 0..1_000_000 {
        x = std::hint::black_box(
            x.wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407),
        );
    }
    x
}

fn overhead(c: &mut Criterion) {
    let mut group = c.benchmark_group("cpu_overhead");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("unprofiled", |b| b.iter(work));
    for hz in [100, 1000] {
        let config = ferroprof::CpuConfig {
            frequency_hz: hz,
            ..Default::default()
        };
        let guard = ferroprof::cpu::start(&config).expect("start the profiler");
        group.bench_function(format!("profiled_{hz}hz"), |b| b.iter(work));
        let cpu = guard.stop().expect("stop the profiler");
        eprintln!("{hz} Hz: {} samples, {} lost", cpu.sample_count(), cpu.lost);
    }
    group.finish();
}

fn dump(c: &mut Criterion) {
    c.bench_function("thread_dump", |b| {
        b.iter(|| ferroprof::threads::dump(Duration::from_secs(1)).expect("dump"))
    });
}

criterion_group!(benches, overhead, dump);
criterion_main!(benches);
