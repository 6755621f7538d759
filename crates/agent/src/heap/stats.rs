//! Allocator statistics: what [`stats`] returns, the `debug=1` statistics block and its JSON.
//!
//! Only figures true of a Rust process: the hook's own counters (exact but for up to
//! [`super::FLUSH_BYTES`] of allocations, and as much of frees, pending on each other running
//! thread), the kernel's view of the process's memory, and glibc malloc's own figures where the
//! process uses it. No garbage-collector figures: a Rust heap has no collector.

use std::fmt::Write as _;

use super::{buckets, hook, live, sampler, stack};

/// Allocator statistics, the Rust counterpart of the figures Go prints after a heap profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeapStats {
    /// Bytes allocated through [`super::Allocator`] and not yet freed (Go's `Alloc`).
    pub live_bytes: u64,
    /// Blocks allocated and not yet freed (Go's `HeapObjects`).
    pub live_objects: u64,
    /// Bytes allocated since the process started (Go's `TotalAlloc`); a realloc counts its new size.
    pub total_alloc_bytes: u64,
    /// Bytes freed since the process started; a realloc frees its old size.
    pub total_freed_bytes: u64,
    /// Allocations, reallocations included (Go's `Mallocs`).
    pub mallocs: u64,
    /// Frees, reallocations included (Go's `Frees`).
    pub frees: u64,
    /// The sampling rate in bytes (Go's `MemProfileRate`).
    pub sample_rate: u64,
    /// Samples lost because the bucket table was full.
    pub samples_dropped: u64,
    /// Sampled blocks whose address could not be tracked, so their frees are not in the profile.
    pub frees_untracked: u64,
    /// Samples recorded without a stack: the unwinder was busy or not built yet.
    pub stacks_missed: u64,
    /// Address space reserved by the profiler's static tables (resident only as used).
    pub profiler_reserved_bytes: u64,
    /// Resident set size (`VmRSS` of `/proc/self/status`), if readable.
    pub rss_bytes: Option<u64>,
    /// Peak resident set size (`VmHWM`), if readable.
    pub peak_rss_bytes: Option<u64>,
    /// `getrusage(RUSAGE_SELF).ru_maxrss` in bytes (Go's `MaxRSS`), if available.
    pub max_rss_bytes: Option<u64>,
    /// glibc malloc's own figures (`mallinfo2`), when the process runs on glibc.
    pub libc_malloc: Option<LibcMalloc>,
}

/// glibc malloc's figures (`mallinfo2`): they describe the wrapped allocator when it is
/// [`std::alloc::System`] on glibc, and libc's own allocations otherwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LibcMalloc {
    /// Bytes obtained from the OS: the main arena (`arena`) plus mmapped blocks (`hblkhd`).
    pub sys_bytes: u64,
    /// Bytes in blocks in use (`uordblks` + `hblkhd`).
    pub in_use_bytes: u64,
    /// Bytes held free inside malloc (`fordblks`).
    pub free_bytes: u64,
}

/// Collects the statistics now. Reads `/proc/self/status` (allocating, unsampled).
pub fn stats() -> HeapStats {
    hook::untracked(|| {
        let [mallocs, total_alloc_bytes, frees, total_freed_bytes] = hook::totals();
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        HeapStats {
            live_bytes: total_alloc_bytes.saturating_sub(total_freed_bytes),
            live_objects: mallocs.saturating_sub(frees),
            total_alloc_bytes,
            total_freed_bytes,
            mallocs,
            frees,
            sample_rate: sampler::sample_rate(),
            samples_dropped: buckets::dropped(),
            frees_untracked: live::dropped(),
            stacks_missed: stack::missed(),
            profiler_reserved_bytes: (buckets::reserved_bytes() + live::reserved_bytes()) as u64,
            rss_bytes: status_kib(&status, "VmRSS:"),
            peak_rss_bytes: status_kib(&status, "VmHWM:"),
            max_rss_bytes: max_rss(),
            libc_malloc: libc_malloc(),
        }
    })
}

/// A `Name:   1234 kB` line of `/proc/self/status`, in bytes.
fn status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

fn max_rss() -> Option<u64> {
    // SAFETY: `usage` is a plain struct the call fills in; it is read only on success.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_SELF, &mut usage) == 0).then_some(usage)
    }?;
    // Linux reports kilobytes (Go's `addMaxRSS` multiplies by 1024 too).
    u64::try_from(usage.ru_maxrss).ok().map(|kib| kib * 1024)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn libc_malloc() -> Option<LibcMalloc> {
    // SAFETY: mallinfo2 takes no arguments and returns a struct by value (glibc ≥ 2.33, which
    // the libc crate's binding requires at link time).
    let m = unsafe { libc::mallinfo2() };
    Some(LibcMalloc {
        sys_bytes: (m.arena + m.hblkhd) as u64,
        in_use_bytes: (m.uordblks + m.hblkhd) as u64,
        free_bytes: m.fordblks as u64,
    })
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn libc_malloc() -> Option<LibcMalloc> {
    None
}

impl HeapStats {
    /// `(name, value)` pairs in the order the text block and JSON give them; absent figures are
    /// left out. Names follow Go's `runtime.MemStats` where the meaning is the same.
    fn fields(&self) -> Vec<(&'static str, &'static str, u64)> {
        let mut f = vec![
            ("Alloc", "live_bytes", self.live_bytes),
            ("TotalAlloc", "total_alloc_bytes", self.total_alloc_bytes),
            ("TotalFree", "total_freed_bytes", self.total_freed_bytes),
            ("Mallocs", "mallocs", self.mallocs),
            ("Frees", "frees", self.frees),
            ("HeapObjects", "live_objects", self.live_objects),
            ("MemProfileRate", "sample_rate", self.sample_rate),
            ("SamplesDropped", "samples_dropped", self.samples_dropped),
            ("FreesUntracked", "frees_untracked", self.frees_untracked),
            ("StacksMissed", "stacks_missed", self.stacks_missed),
            (
                "ProfilerReserved",
                "profiler_reserved_bytes",
                self.profiler_reserved_bytes,
            ),
        ];
        if let Some(m) = self.libc_malloc {
            f.push(("LibcSys", "libc_sys_bytes", m.sys_bytes));
            f.push(("LibcInuse", "libc_in_use_bytes", m.in_use_bytes));
            f.push(("LibcFree", "libc_free_bytes", m.free_bytes));
        }
        let os = [
            ("RSS", "rss_bytes", self.rss_bytes),
            ("PeakRSS", "peak_rss_bytes", self.peak_rss_bytes),
            ("MaxRSS", "max_rss_bytes", self.max_rss_bytes),
        ];
        f.extend(os.into_iter().filter_map(|(t, j, v)| Some((t, j, v?))));
        f
    }

    /// The block that follows the records of a `debug=1` heap profile, in Go's `# Name = value`
    /// style, with a blank line before it as Go writes.
    pub fn write_text(&self, out: &mut String) {
        out.push_str("\n# ferroprof.HeapStats\n");
        for (name, _, value) in self.fields() {
            let _ = writeln!(out, "# {name} = {value}");
        }
    }

    /// The statistics as one JSON object with snake_case keys (absent figures left out).
    pub fn to_json(&self) -> String {
        let body: Vec<String> = self
            .fields()
            .into_iter()
            .map(|(_, key, value)| format!("\"{key}\":{value}"))
            .collect();
        format!("{{{}}}\n", body.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_parse_in_bytes() {
        let status = "Name:\tx\nVmHWM:\t   2048 kB\nVmRSS:\t    1024 kB\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(1024 * 1024));
        assert_eq!(status_kib(status, "VmHWM:"), Some(2048 * 1024));
        assert_eq!(status_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn text_and_json_agree() {
        let s = HeapStats {
            live_bytes: 10,
            mallocs: 3,
            rss_bytes: Some(4096),
            ..Default::default()
        };
        let mut text = String::new();
        s.write_text(&mut text);
        assert!(text.starts_with("\n# ferroprof.HeapStats\n# Alloc = 10\n"));
        assert!(text.ends_with("# RSS = 4096\n"));
        let json = s.to_json();
        assert!(json.starts_with("{\"live_bytes\":10,"));
        assert!(json.contains("\"rss_bytes\":4096}"));
        assert!(!json.contains("peak_rss"));
    }
}
