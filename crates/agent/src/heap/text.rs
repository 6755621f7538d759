//! The `debug=1` text of heap and allocs, in Go's form (`writeHeapInternal` in
//! `go/runtime/pprof/pprof.go`): a `heap profile:` header, one record per stack with its `#`
//! frame lines, then the statistics block, aligned as Go's `text/tabwriter` does.

use std::fmt::Write as _;

use ferroprof_symbolize::ProcessSymbolizer;

use super::report::Sampled;
use super::stats::HeapStats;

/// The whole text. `shown[i]` is the stack of `samples[i]` as lookup addresses with the leading
/// allocator frames hidden (Go hides leading `runtime.*` frames the same way); the `@` list
/// keeps every captured return address, as Go's does.
pub fn render(
    process: &ProcessSymbolizer,
    samples: &[Sampled],
    shown: &[Vec<u64>],
    rate: u64,
    stats: &HeapStats,
) -> String {
    let mut out = String::new();
    let sum = |f: fn(&Sampled) -> i64| samples.iter().map(f).sum::<i64>();
    let _ = writeln!(
        out,
        "heap profile: {}: {} [{}: {}] @ heap/{}",
        sum(|s| s.inuse_objects),
        sum(|s| s.inuse_bytes),
        sum(|s| s.alloc_objects),
        sum(|s| s.alloc_bytes),
        rate.saturating_mul(2)
    );
    for (s, shown) in samples.iter().zip(shown) {
        let _ = write!(
            out,
            "{}: {} [{}: {}] @",
            s.inuse_objects, s.inuse_bytes, s.alloc_objects, s.alloc_bytes
        );
        for pc in &s.stack {
            let _ = write!(out, " {pc:#x}");
        }
        out.push('\n');
        crate::text::stack_record(process, shown, &mut out);
        out.push('\n');
    }
    stats.write_text(&mut out);
    crate::text::tabwrite(&out)
}
