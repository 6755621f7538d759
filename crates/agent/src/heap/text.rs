//! The `debug=1` text of heap and allocs, in Go's form (`writeHeapInternal` in
//! `go/runtime/pprof/pprof.go`): a `heap profile:` header, one record per stack with its `#`
//! frame lines (`printStackRecord`), then the statistics block, aligned as Go's
//! `text/tabwriter` does.

use std::fmt::Write as _;

use ferroprof_profile::{Profile, ProfileIndex};

use super::report::Sampled;
use super::stats::HeapStats;

/// The whole text. `symbolized` holds one sample per entry of `samples`, in order, with the
/// allocator's frames already cut (Go hides leading `runtime.*` frames the same way); the `@`
/// list keeps every captured return address, as Go's does.
pub fn render(symbolized: &Profile, samples: &[&Sampled], rate: u64, stats: &HeapStats) -> String {
    let mut out = String::new();
    let sum = |f: fn(&Sampled) -> i64| samples.iter().map(|s| f(s)).sum::<i64>();
    let _ = writeln!(
        out,
        "heap profile: {}: {} [{}: {}] @ heap/{}",
        sum(|s| s.inuse_objects),
        sum(|s| s.inuse_bytes),
        sum(|s| s.alloc_objects),
        sum(|s| s.alloc_bytes),
        rate.saturating_mul(2)
    );
    let index = ProfileIndex::new(symbolized);
    for (s, shown) in samples.iter().zip(&symbolized.sample) {
        let _ = write!(
            out,
            "{}: {} [{}: {}] @",
            s.inuse_objects, s.inuse_bytes, s.alloc_objects, s.alloc_bytes
        );
        for pc in &s.stack {
            let _ = write!(out, " {pc:#x}");
        }
        out.push('\n');
        for loc in shown
            .location
            .iter()
            .filter_map(|&id| index.location(symbolized, id))
        {
            let offset = super::export::entry_offset(loc.address);
            let names: Vec<_> = loc
                .line
                .iter()
                .map(|l| l.function_id.and_then(|id| index.function(symbolized, id)))
                .collect();
            if names.is_empty() {
                let _ = writeln!(out, "#\t{:#x}", loc.address);
            }
            for (line, f) in loc.line.iter().zip(names) {
                match f.filter(|f| !f.name.is_empty()) {
                    Some(f) => {
                        let _ = writeln!(
                            out,
                            "#\t{:#x}\t{}+{offset:#x}\t{}:{}",
                            loc.address, f.name, f.filename, line.line
                        );
                    }
                    None => {
                        let _ = writeln!(out, "#\t{:#x}", loc.address);
                    }
                }
            }
        }
        out.push('\n');
    }
    stats.write_text(&mut out);
    crate::text::tabwrite(&out)
}
