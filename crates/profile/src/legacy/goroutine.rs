//! Go's `debug=1` count profiles: `goroutine profile: total N`, `threadcreate profile: total N`
//! and any other `NAME profile: total N` (`parseGoCount`).

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::builder::LegacyProfile;
use super::memory_map;
use super::text::{self, regex, Lines};
use super::Reject;
use crate::ValueType;

static COUNT_START: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?-u)\A([^\t\n\f\r ]+) profile: total [0-9]+\z"));
static COUNT_SAMPLE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?-u)\A([0-9]+) @(( 0x[0-9a-f]+)+)\z"));

/// Go's wording for a sample line it cannot read.
const MALFORMED: &str = "malformed profile format";

/// `parseGoCount`.
pub(crate) fn parse(data: &[u8]) -> Result<LegacyProfile, Reject> {
    let mut lines = Lines::new(data);
    while lines.scan()? && text::is_space_or_comment(lines.text()) {}
    let Some(c) = COUNT_START.captures(lines.text()) else {
        return Err(Reject::Unrecognized);
    };
    let name = text::string(text::group(&c, 1));
    let count_type = ValueType::new(name, "count");
    let mut p = LegacyProfile::new(vec![count_type.clone()], count_type, 1);
    while lines.scan()? {
        let line = lines.text();
        if text::is_space_or_comment(line) {
            continue;
        }
        if line.starts_with(b"---") {
            break;
        }
        let c = COUNT_SAMPLE
            .captures(line)
            .ok_or_else(|| Reject::malformed(MALFORMED))?;
        let group = |i: usize| text::group(&c, i);
        let n = text::parse_int(group(1), 0).map_err(|_| Reject::malformed(MALFORMED))?;
        let addrs = group(2)
            .split(|&b| b == b' ')
            .filter(|f| !f.is_empty())
            .map(|f| text::parse_uint(f, 0))
            .collect::<Result<Vec<u64>, _>>()
            .map_err(|_| Reject::malformed(MALFORMED))?;
        let locations = p.stack(&addrs, 0);
        p.push_sample(locations, vec![n]);
    }
    memory_map::parse_additional_sections(&mut lines, &mut p)?;
    Ok(p)
}
