//! gperftools thread profiles (`--- threadz N ---`, then `--- Thread HEX (name: NAME/ID) stack:
//! ---` blocks), one sample per thread (`parseThread`).

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::builder::LegacyProfile;
use super::memory_map;
use super::text::{self, regex, Lines};
use super::Reject;
use crate::ValueType;

static THREADZ_START: LazyLock<Regex> = LazyLock::new(|| regex(r"(?-u)--- threadz [0-9]+ ---"));
static THREAD_START: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?-u)--- Thread ([[:xdigit:]]+) \(name: (.*)/([0-9]+)\) stack: ---"));

/// `parseThread`.
pub(crate) fn parse(data: &[u8]) -> Result<LegacyProfile, Reject> {
    let mut lines = Lines::new(data);
    while lines.scan()? && text::is_space_or_comment(lines.text()) {}
    let mut line = lines.text().to_vec();
    if THREADZ_START.is_match(&line) {
        // Skip the comments up to the first thread.
        while lines.scan()? {
            line = lines.text().to_vec();
            if memory_map::is_sentinel(&line) || line.starts_with(b"-") {
                break;
            }
        }
    } else if !THREAD_START.is_match(&line) {
        return Err(Reject::Unrecognized);
    }
    let count_type = ValueType::new("thread", "count");
    let mut p = LegacyProfile::new(vec![count_type.clone()], count_type, 1);
    while !memory_map::is_sentinel(&line) {
        if line.starts_with(b"---- no stack trace for") {
            break;
        }
        if !THREAD_START.is_match(&line) {
            return Err(Reject::Unrecognized);
        }
        let (next, addrs) = parse_thread_stack(&mut lines)?;
        line = next;
        match addrs {
            Some(addrs) if !addrs.is_empty() => {
                // The leaf is where the thread is, not a return address.
                let locations = p.stack(&addrs, 1);
                p.push_sample(locations, vec![1]);
            }
            // "same as previous thread", or no stack: one more thread for the last sample.
            _ => {
                if let Some(last) = p.samples.last_mut() {
                    last.value[0] = last.value[0].wrapping_add(1);
                }
            }
        }
    }
    memory_map::parse_additional_sections(&mut lines, &mut p)?;
    p.drop_duplicate_leaves();
    Ok(p)
}

/// `parseThreadSample`: the addresses of one thread's stack, `None` for "same as previous
/// thread"; returns the (trimmed) line that ended the stack.
fn parse_thread_stack(lines: &mut Lines<'_>) -> Result<(Vec<u8>, Option<Vec<u64>>), Reject> {
    let mut line: &[u8] = b"";
    let mut same_as_previous = false;
    let mut addrs = Vec::new();
    while lines.scan()? {
        line = text::trim_space(lines.text());
        if line.is_empty() {
            continue;
        }
        if line.starts_with(b"---") {
            break;
        }
        if text::contains(line, b"same as previous thread") {
            same_as_previous = true;
            continue;
        }
        let more = text::parse_hex_addresses(line).map_err(|e| {
            Reject::malformed(format!("malformed sample: {}: {e}", text::string(line)))
        })?;
        addrs.extend(more);
    }
    Ok((line.to_vec(), (!same_as_previous).then_some(addrs)))
}
