//! Measures symbolization of a whole binary: every function symbol's address (plus one byte,
//! as a sampled address inside the function) is looked up, and the time and peak memory are
//! printed.
//!
//! ```text
//! cargo run --release -p ferroprof-symbolize --example symbolize_binary -- <ELF file> [limit]
//! ```

use std::time::Instant;

use ferroprof_symbolize::{Demangle, ObjectSymbolizer, Svma};
use object::{Object, ObjectSymbol, SymbolKind};

/// A `kB` field of `/proc/self/status` (`VmHWM` is the peak resident set size; `RssAnon` and
/// `RssFile` split the current one into heap and mapped-file pages).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn peak_rss_kib() -> u64 {
    status_kib("VmHWM")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: symbolize_binary <ELF file> [limit]");
    let limit: usize = args
        .next()
        .map_or(usize::MAX, |l| l.parse().expect("a number"));
    let data = std::fs::read(&path).expect("read the binary");
    let file = object::File::parse(&*data).expect("an object file");
    let mut addrs: Vec<u64> = file
        .symbols()
        .filter(|s| s.kind() == SymbolKind::Text && s.address() != 0 && s.size() > 1)
        .map(|s| s.address() + 1)
        .collect();
    addrs.sort_unstable();
    addrs.dedup();
    addrs.truncate(limit);
    drop(data);
    // Reset the peak so that it measures symbolization alone (Linux's clear_refs value 5).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = peak_rss_kib();

    let start = Instant::now();
    let object = ObjectSymbolizer::open(path.as_ref()).expect("open");
    let opened = start.elapsed();
    let first = Instant::now();
    object
        .lookup(Svma(addrs[0]), Demangle::Default)
        .expect("lookup");
    let first = first.elapsed();
    let all = Instant::now();
    let (mut frames, mut inlined, mut with_lines) = (0, 0, 0);
    for &addr in &addrs {
        let chain = object
            .lookup(Svma(addr), Demangle::Default)
            .expect("lookup");
        frames += chain.len();
        inlined += usize::from(chain.len() > 1);
        with_lines += usize::from(chain.first().is_some_and(|f| f.line != 0));
    }
    let all = all.elapsed();
    let warm = Instant::now();
    for &addr in &addrs {
        object
            .lookup(Svma(addr), Demangle::Default)
            .expect("lookup");
    }
    let warm = warm.elapsed();
    println!(
        "binary: {path} ({} MiB)",
        std::fs::metadata(&path).map_or(0, |m| m.len() >> 20)
    );
    println!(
        "addresses: {} ({with_lines} with lines, {inlined} with inline frames, {frames} frames)",
        addrs.len()
    );
    println!("open: {opened:.2?}; first lookup (DWARF context): {first:.2?}");
    println!(
        "all lookups, cold: {all:.2?} ({:.2?} each); warm: {warm:.2?} ({:.2?} each)",
        all / addrs.len() as u32,
        warm / addrs.len() as u32
    );
    println!(
        "now: {} MiB heap, {} MiB mapped file pages",
        status_kib("RssAnon") >> 10,
        status_kib("RssFile") >> 10
    );
    println!(
        "peak RSS: {} MiB (before opening: {} MiB)",
        peak_rss_kib() >> 10,
        rss_before >> 10
    );
}
