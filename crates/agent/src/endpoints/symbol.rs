//! `/debug/pprof/symbol`: addresses → function names, for clients symbolizing remotely.

use std::fmt::Write as _;

use crate::export::symbols;
use crate::http::{Method, Request, Response};

/// Go has none (the endpoint is not a profile); this one says what it does.
pub(crate) const DESCRIPTION: &str =
    "Maps program counters to function names (GET ?0xPC+0xPC or POST the same list)";

/// Most addresses answered per request; the rest are ignored (E5).
pub const MAX_ADDRESSES: usize = 10_000;

/// Answers `num_symbols: 1` and one `0xPC name` line per address that lies in this process's
/// executable mappings. Words are split on `+` and parsed like Go's `ParseUint(w, 0, 64)`;
/// zero, unparsable and unknown addresses are skipped.
pub(crate) fn handle(request: &Request) -> Response {
    let input = if request.method == Method::Post {
        String::from_utf8_lossy(&request.body).into_owned()
    } else {
        request.query.clone()
    };
    let process = symbols::process();
    let mut out = String::from("num_symbols: 1\n");
    for word in input.split('+').take(MAX_ADDRESSES) {
        let Some(pc) = parse_uint(word.trim()).filter(|&pc| pc != 0) else {
            continue;
        };
        let frames = symbols::frames(&process, pc);
        // The outermost frame is the physical function, as Go's FuncForPC answers.
        if let Some(f) = frames.last().filter(|f| !f.function.is_empty()) {
            let _ = writeln!(out, "{pc:#x} {}", f.function);
        }
    }
    Response::text(out)
}

/// Go's `strconv.ParseUint(s, 0, 64)`: `0x`/`0X` hex, `0o`/`0` octal, `0b` binary, else decimal.
fn parse_uint(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let s = lower.replace('_', "");
    if let Some(h) = s.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(b) = s.strip_prefix("0b") {
        u64::from_str_radix(b, 2).ok()
    } else if let Some(o) = s.strip_prefix("0o") {
        u64::from_str_radix(o, 8).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(never)]
    fn marker_function_for_symbol_test() -> u64 {
        std::hint::black_box(42)
    }

    #[test]
    fn parses_like_go() {
        assert_eq!(parse_uint("0x10"), Some(16));
        assert_eq!(parse_uint("010"), Some(8));
        assert_eq!(parse_uint("10"), Some(10));
        assert_eq!(parse_uint("zz"), None);
    }

    #[test]
    fn get_and_post_answer_known_addresses_only() {
        let pc = marker_function_for_symbol_test as *const () as usize as u64 + 1;
        let get = handle(&Request::get(&format!(
            "/debug/pprof/symbol?{pc:#x}+0x1+junk"
        )));
        let body = String::from_utf8(get.body).unwrap();
        assert!(body.starts_with("num_symbols: 1\n"), "{body}");
        assert!(body.contains(&format!("{pc:#x} ")), "{body}");
        assert!(body.contains("marker_function_for_symbol_test"), "{body}");
        assert_eq!(body.lines().count(), 2, "{body}");
        let post = handle(&Request::new(
            Method::Post,
            "/debug/pprof/symbol",
            format!("{pc:#x}").into_bytes(),
        ));
        assert_eq!(String::from_utf8(post.body).unwrap(), body);
    }
}
