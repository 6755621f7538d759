//! The debug dump `go tool pprof -raw` prints: Go's `Profile.String()` (pprof as vendored in Go
//! 1.19), byte for byte.
//!
//! Go 1.19 prints neither `Doc:` nor line columns, so neither does this dump. Times are printed in
//! UTC, as Go prints them with `TZ=UTC` (the conformance suite's setting).

use std::io::{self, BufWriter, Write};

use crate::index::ProfileIndex;
use crate::model::{Location, Mapping, Profile, Sample};
use crate::utc::UtcTime;

/// Writes `p` as `go tool pprof -raw` prints it (Go's `Profile.String()`).
///
/// ```
/// use ferroprof_profile::{write_raw, Profile};
/// let mut out = Vec::new();
/// write_raw(&Profile::default(), &mut out).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(), "Period: 0\nSamples:\n\nLocations\nMappings\n");
/// ```
pub fn write_raw(p: &Profile, w: &mut dyn Write) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(64 * 1024, w);
    write_header(p, &mut w)?;
    let mut lines = SampleLines::default();
    for s in &p.sample {
        lines.write(s, &mut w)?;
    }
    writeln!(w, "Locations")?;
    let index = ProfileIndex::new(p);
    for l in &p.location {
        write_location(p, &index, l, &mut w)?;
    }
    writeln!(w, "Mappings")?;
    for m in &p.mapping {
        write_mapping(m, &mut w)?;
    }
    w.flush()
}

fn write_header(p: &Profile, w: &mut impl Write) -> io::Result<()> {
    for c in &p.comments {
        writeln!(w, "Comment: {c}")?;
    }
    if let Some(pt) = &p.period_type {
        writeln!(w, "PeriodType: {} {}", pt.r#type, pt.unit)?;
    }
    writeln!(w, "Period: {}", p.period)?;
    if p.time_nanos != 0 {
        writeln!(w, "Time: {}", go_time_utc(p.time_nanos))?;
    }
    if p.duration_nanos != 0 {
        // Go's `%.4v` keeps the first four characters of `Duration.String()`.
        let d = go_duration(p.duration_nanos);
        let end = d.char_indices().nth(4).map_or(d.len(), |(i, _)| i);
        writeln!(w, "Duration: {}", &d[..end])?;
    }
    writeln!(w, "Samples:")?;
    let mut types = String::new();
    for st in &p.sample_type {
        let dflt = if st.r#type == p.default_sample_type {
            "[dflt]"
        } else {
            ""
        };
        types.push_str(&format!("{}/{}{} ", st.r#type, st.unit, dflt));
    }
    writeln!(w, "{}", types.trim())
}

/// Sixteen spaces: the indent of label lines under a sample.
const LABEL_INDENT: &[u8] = b"                ";

/// Buffers reused from sample to sample, so that dumping a sample allocates nothing.
#[derive(Default)]
struct SampleLines {
    line: Vec<u8>,
    /// Each label's `key:[values]`, formatted before sorting.
    entries: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl SampleLines {
    fn write(&mut self, s: &Sample, w: &mut impl Write) -> io::Result<()> {
        let line = &mut self.line;
        line.clear();
        for &v in &s.value {
            line.push(b' ');
            push_int(line, i128::from(v), 10);
        }
        line.extend_from_slice(b": ");
        for id in &s.location {
            push_int(line, i128::from(id.get()), 0);
            line.push(b' ');
        }
        line.push(b'\n');
        if !s.label.is_empty() {
            self.entries.clear();
            self.spans.clear();
            for (k, vs) in &s.label {
                let start = self.entries.len();
                push_entry(&mut self.entries, k, vs, |out, v| {
                    out.extend_from_slice(v.as_bytes())
                });
                self.spans.push((start, self.entries.len()));
            }
            push_sorted(&mut self.line, &self.entries, &mut self.spans);
        }
        if !s.num_label.is_empty() {
            self.entries.clear();
            self.spans.clear();
            for (k, vs) in &s.num_label {
                let start = self.entries.len();
                let units = s.num_unit.get(k).map_or(&[][..], Vec::as_slice);
                if units.len() == vs.len() {
                    let items: Vec<(i64, &String)> = vs.iter().copied().zip(units).collect();
                    push_entry(&mut self.entries, k, &items, |out, (v, u)| {
                        push_int(out, i128::from(*v), 0);
                        out.push(b' ');
                        out.extend_from_slice(u.as_bytes());
                    });
                } else {
                    push_entry(&mut self.entries, k, vs, |out, v| {
                        push_int(out, i128::from(*v), 0)
                    });
                }
                self.spans.push((start, self.entries.len()));
            }
            push_sorted(&mut self.line, &self.entries, &mut self.spans);
        }
        w.write_all(&self.line)
    }
}

/// Appends `key:[v1 v2 …]`, Go's `%s:%v` of a key and its values.
fn push_entry<T>(out: &mut Vec<u8>, key: &str, values: &[T], item: impl Fn(&mut Vec<u8>, &T)) {
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b":[");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        item(out, v);
    }
    out.push(b']');
}

/// Appends a label line: the formatted entries sorted as strings (Go sorts `key:[values]`, not the
/// keys, and the two orders differ when a key continues another with a byte below `:`), joined by
/// spaces. Entries come in key order, so they are usually sorted already.
fn push_sorted(line: &mut Vec<u8>, entries: &[u8], spans: &mut [(usize, usize)]) {
    let text = |&(a, b): &(usize, usize)| &entries[a..b];
    if !spans.windows(2).all(|w| text(&w[0]) <= text(&w[1])) {
        spans.sort_unstable_by(|x, y| text(x).cmp(text(y)));
    }
    line.extend_from_slice(LABEL_INDENT);
    for (i, span) in spans.iter().enumerate() {
        if i > 0 {
            line.push(b' ');
        }
        line.extend_from_slice(text(span));
    }
    line.push(b'\n');
}

/// Appends `v` in decimal, right-aligned in `width` columns (Go's `%*d`).
fn push_int(out: &mut Vec<u8>, v: i128, width: usize) {
    let mut digits = [0u8; 40];
    let mut at = digits.len();
    let mut u = v.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if v < 0 {
        at -= 1;
        digits[at] = b'-';
    }
    let len = digits.len() - at;
    out.extend(std::iter::repeat_n(b' ', width.saturating_sub(len)));
    out.extend_from_slice(&digits[at..]);
}

fn write_location(
    p: &Profile,
    index: &ProfileIndex,
    l: &Location,
    w: &mut impl Write,
) -> io::Result<()> {
    let mut head = format!("{:6}: {:#x} ", l.id.get(), l.address);
    if let Some(m) = l.mapping_id {
        head.push_str(&format!("M={} ", m.get()));
    }
    if l.is_folded {
        head.push_str("[F] ");
    }
    if l.line.is_empty() {
        writeln!(w, "{head}")?;
    }
    for (i, line) in l.line.iter().enumerate() {
        let prefix = if i == 0 {
            head.as_str()
        } else {
            "             "
        };
        match line.function_id.and_then(|id| index.function(p, id)) {
            Some(f) => {
                write!(
                    w,
                    "{prefix}{} {}:{} s={}",
                    f.name, f.filename, line.line, f.start_line
                )?;
                if f.name != f.system_name {
                    write!(w, "({})", f.system_name)?;
                }
                w.write_all(b"\n")?;
            }
            None => writeln!(w, "{prefix}??")?,
        }
    }
    Ok(())
}

fn write_mapping(m: &Mapping, w: &mut impl Write) -> io::Result<()> {
    let flags = [
        (m.has_functions, "[FN]"),
        (m.has_filenames, "[FL]"),
        (m.has_line_numbers, "[LN]"),
        (m.has_inline_frames, "[IN]"),
    ];
    let bits: String = flags
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, s)| *s)
        .collect();
    writeln!(
        w,
        "{}: {:#x}/{:#x}/{:#x} {} {} {}",
        m.id.get(),
        m.memory_start,
        m.memory_limit,
        m.file_offset,
        m.filename,
        m.build_id,
        bits
    )
}

/// Go's `time.Time.String()` for `time.Unix(0, nanos)` in UTC:
/// `2006-01-02 15:04:05.999999999 +0000 UTC`, trailing zeros of the fraction dropped.
fn go_time_utc(nanos: i64) -> String {
    let t = UtcTime::from_unix_nanos(nanos);
    let mut out = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    );
    if t.nanosecond != 0 {
        let digits = format!(".{:09}", t.nanosecond);
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
    out
}

/// Go's `time.Duration.String()`: `1h2m3.5s`, `1.5ms`, `2µs`, `7ns`, `0s`.
fn go_duration(nanos: i64) -> String {
    let neg = nanos < 0;
    let u = nanos.unsigned_abs();
    let body = if u == 0 {
        return "0s".to_string();
    } else if u < 1_000 {
        format!("{u}ns")
    } else if u < 1_000_000 {
        format!("{}µs", decimal(u, 3))
    } else if u < 1_000_000_000 {
        format!("{}ms", decimal(u, 6))
    } else {
        let secs = u / 1_000_000_000;
        let s = decimal(u % 60_000_000_000, 9);
        let (mins, hours) = (secs / 60 % 60, secs / 3600);
        if hours > 0 {
            format!("{hours}h{mins}m{s}s")
        } else if mins > 0 {
            format!("{mins}m{s}s")
        } else {
            format!("{s}s")
        }
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

/// `v / 10^prec` with its fraction, trailing zeros and a bare point dropped (Go's `fmtFrac`).
fn decimal(v: u64, prec: u32) -> String {
    let scale = 10u64.pow(prec);
    let (int, frac) = (v / scale, v % scale);
    if frac == 0 {
        return int.to_string();
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    format!("{int}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_match_go() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(7), "7ns");
        assert_eq!(go_duration(1_500), "1.5µs");
        assert_eq!(go_duration(1_500_000), "1.5ms");
        assert_eq!(go_duration(3_110_000_000), "3.11s");
        assert_eq!(go_duration(16_500_000_000_000), "4h35m0s");
        assert_eq!(go_duration(61_000_000_000), "1m1s");
        assert_eq!(go_duration(-2_000_000_000), "-2s");
        assert_eq!(go_duration(i64::MIN), "-2562047h47m16.854775808s");
    }

    #[test]
    fn integers_match_go_padding() {
        let mut out = Vec::new();
        push_int(&mut out, 42, 10);
        push_int(&mut out, -7, 3);
        push_int(&mut out, i128::from(i64::MIN), 10);
        push_int(&mut out, i128::from(u64::MAX), 0);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{:>10}{:>3}{}{}", 42, -7, i64::MIN, u64::MAX)
        );
    }

    #[test]
    fn label_entries_sort_as_go_sorts_the_formatted_strings() {
        let mut s = Sample::default();
        for k in ["a", "a-b", "b"] {
            s.label
                .insert(k.to_string(), vec!["x".to_string(), "y".to_string()]);
        }
        s.num_label.insert("n".to_string(), vec![1, 2]);
        s.num_unit
            .insert("n".to_string(), vec!["B".to_string(), String::new()]);
        s.num_label.insert("m".to_string(), vec![3]);
        let mut out = Vec::new();
        SampleLines::default().write(&s, &mut out).unwrap();
        // ':' sorts after '-', so "a-b:[…]" comes before "a:[…]", as in Go.
        let indent = " ".repeat(16);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(": \n{indent}a-b:[x y] a:[x y] b:[x y]\n{indent}m:[3] n:[1 B 2 ]\n")
        );
    }

    #[test]
    fn times_match_go() {
        assert_eq!(go_time_utc(1), "1970-01-01 00:00:00.000000001 +0000 UTC");
        assert_eq!(
            go_time_utc(1_795_750_674_533_597_982),
            "2026-11-27 03:37:54.533597982 +0000 UTC"
        );
        assert_eq!(go_time_utc(-1_000_000_000), "1969-12-31 23:59:59 +0000 UTC");
        assert_eq!(
            go_time_utc(951_782_400_500_000_000),
            "2000-02-29 00:00:00.5 +0000 UTC"
        );
    }
}
