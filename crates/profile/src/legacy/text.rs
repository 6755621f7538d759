//! Primitives shared by the legacy text formats, with the exact rules of the Go code that reads
//! them: `bufio.Scanner` lines, `strings.TrimSpace`, `strconv` integer syntax, hexadecimal stack
//! addresses and Go's float-to-integer conversion.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::Reject;

/// The longest line `bufio.Scanner` accepts with its default buffer (`MaxScanTokenSize` is 64 KiB
/// and includes the newline); a longer line makes Go's parsers fail with "token too long".
const MAX_LINE_BYTES: usize = 64 * 1024 - 1;

/// Compiles one of this module's or a format module's constant patterns.
///
/// Patterns use `(?-u)` ASCII classes and spell Go's `\s` out as `[\t\n\f\r ]`, since Go's
/// RE2 classes are ASCII-only and its `\s` excludes `\v`.
pub(crate) fn regex(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(re) => re,
        Err(e) => unreachable!("constant pattern {pattern:?} is invalid: {e}"),
    }
}

/// Capture group `i` of a match, empty when the group did not take part.
pub(crate) fn group<'h>(c: &regex::bytes::Captures<'h>, i: usize) -> &'h [u8] {
    c.get(i).map_or(&[], |m| m.as_bytes())
}

/// The lines of a text profile, read the way Go's `bufio.Scanner` with `ScanLines` reads them:
/// split at `\n`, one trailing `\r` dropped, lines of 64 KiB or more rejected.
#[derive(Debug)]
pub(crate) struct Lines<'a> {
    rest: &'a [u8],
    current: &'a [u8],
}

impl<'a> Lines<'a> {
    /// A scanner positioned before the first line of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Lines {
            rest: data,
            current: b"",
        }
    }

    /// Advances to the next line (`Scanner.Scan`): `Ok(false)` at the end of the input, after
    /// which [`Lines::text`] is empty.
    pub(crate) fn scan(&mut self) -> Result<bool, Reject> {
        if self.rest.is_empty() {
            self.current = b"";
            return Ok(false);
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        if line.len() > MAX_LINE_BYTES {
            return Err(Reject::malformed("bufio.Scanner: token too long"));
        }
        self.rest = rest;
        self.current = line.strip_suffix(b"\r").unwrap_or(line);
        Ok(true)
    }

    /// The current line (`Scanner.Text`).
    pub(crate) fn text(&self) -> &'a [u8] {
        self.current
    }
}

/// Decodes the UTF-8 character starting at `s[0]`, if it is a valid one.
fn first_char(s: &[u8]) -> Option<(char, usize)> {
    let len = match *s.first()? {
        b if b < 0x80 => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(s.get(..len)?).ok()?.chars().next()?;
    Some((c, len))
}

/// Decodes the UTF-8 character ending at the end of `s`, if it is a valid one.
fn last_char(s: &[u8]) -> Option<(char, usize)> {
    let earliest = s.len().saturating_sub(4);
    let start = (earliest..s.len()).rev().find(|&i| s[i] & 0xC0 != 0x80)?;
    let (c, len) = first_char(&s[start..])?;
    (start + len == s.len()).then_some((c, len))
}

/// `strings.TrimSpace`: drops leading and trailing Unicode white space (Go's `unicode.IsSpace`
/// is the White_Space property, as Rust's `char::is_whitespace`); invalid UTF-8 stays.
pub(crate) fn trim_space(mut s: &[u8]) -> &[u8] {
    while let Some((_, len)) = first_char(s).filter(|&(c, _)| c.is_whitespace()) {
        s = &s[len..];
    }
    while let Some((_, len)) = last_char(s).filter(|&(c, _)| c.is_whitespace()) {
        s = &s[..s.len() - len];
    }
    s
}

/// `isSpaceOrComment`: a blank line, or one whose first non-space character is `#`.
pub(crate) fn is_space_or_comment(line: &[u8]) -> bool {
    matches!(trim_space(line).first(), None | Some(b'#'))
}

/// Whether `haystack` contains `needle` (`strings.Contains`).
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// Text from the input as a `String`; invalid UTF-8 becomes U+FFFD.
pub(crate) fn string(s: &[u8]) -> String {
    String::from_utf8_lossy(s).into_owned()
}

/// Why `strconv` rejected a number, worded as Go's `*strconv.NumError`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumError {
    func: &'static str,
    input: String,
    out_of_range: bool,
}

impl std::fmt::Display for NumError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = if self.out_of_range {
            "value out of range"
        } else {
            "invalid syntax"
        };
        // The inputs reaching this are ASCII, which Go's strconv.Quote leaves as Rust's `{:?}`.
        write!(f, "strconv.{}: parsing {:?}: {why}", self.func, self.input)
    }
}

/// `strconv.ParseUint(s, base, 64)` for a base of 2 to 36, or 0 for Go's literal syntax (sign
/// excluded): `0x`, `0o`, `0b` or a leading `0` pick the base, and `_` may separate digits.
pub(crate) fn parse_uint(s: &[u8], base: u32) -> Result<u64, NumError> {
    let error = |out_of_range| NumError {
        func: "ParseUint",
        input: string(s),
        out_of_range,
    };
    if s.is_empty() {
        return Err(error(false));
    }
    let literal = base == 0;
    let (digits, base) = if literal {
        split_base_prefix(s)
    } else {
        (s, base)
    };
    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in digits {
        let d = match c {
            b'_' if literal => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'z' | b'A'..=b'Z' => u32::from(c.to_ascii_lowercase() - b'a') + 10,
            _ => return Err(error(false)),
        };
        if d >= base {
            return Err(error(false));
        }
        n = n
            .checked_mul(u64::from(base))
            .and_then(|n| n.checked_add(u64::from(d)))
            .ok_or_else(|| error(true))?;
    }
    if underscores && !underscore_ok(s) {
        return Err(error(false));
    }
    Ok(n)
}

/// The digits and base of a non-empty Go literal: `0b`, `0o` and `0x` need a digit after them,
/// and any other leading `0` means octal.
fn split_base_prefix(s: &[u8]) -> (&[u8], u32) {
    if s.first() != Some(&b'0') {
        return (s, 10);
    }
    if s.len() >= 3 {
        match s[1].to_ascii_lowercase() {
            b'b' => return (&s[2..], 2),
            b'o' => return (&s[2..], 8),
            b'x' => return (&s[2..], 16),
            _ => {}
        }
    }
    (&s[1..], 8)
}

/// Go's `underscoreOK`: separators only between digits (a base prefix counts as a digit).
fn underscore_ok(s: &[u8]) -> bool {
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &s[i..] {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// `strconv.ParseInt(s, base, 64)`: an optional sign, then [`parse_uint`]'s syntax.
pub(crate) fn parse_int(s: &[u8], base: u32) -> Result<i64, NumError> {
    let error = |out_of_range| NumError {
        func: "ParseInt",
        input: string(s),
        out_of_range,
    };
    let (negative, magnitude) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let un = parse_uint(magnitude, base).map_err(|e| error(e.out_of_range))?;
    if negative {
        (un <= 1 << 63)
            .then(|| (un as i64).wrapping_neg())
            .ok_or_else(|| error(true))
    } else {
        i64::try_from(un).map_err(|_| error(true))
    }
}

/// `hexNumberRE`: where stack addresses are found in a line.
static HEX_NUMBER: LazyLock<Regex> = LazyLock::new(|| regex(r"(?-u)0x[0-9a-f]+"));

/// `parseHexAddresses`: every `0x…` number in `s`, or an error naming one too large for 64 bits.
pub(crate) fn parse_hex_addresses(s: &[u8]) -> Result<Vec<u64>, String> {
    HEX_NUMBER
        .find_iter(s)
        .map(|m| {
            parse_uint(&m.as_bytes()[2..], 16).map_err(|_| {
                format!(
                    "failed to parse as hex 64-bit number: {}",
                    string(m.as_bytes())
                )
            })
        })
        .collect()
}

/// Go's `int64(f)` on amd64: values outside the `int64` range and NaN give `math.MinInt64`.
pub(crate) fn float_to_int(f: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8]) -> Vec<Vec<u8>> {
        let mut s = Lines::new(data);
        let mut out = Vec::new();
        while s.scan().unwrap_or(false) {
            out.push(s.text().to_vec());
        }
        assert_eq!(s.text(), b"");
        out
    }

    #[test]
    fn scanner_splits_like_bufio() {
        assert_eq!(lines(b""), Vec::<Vec<u8>>::new());
        assert_eq!(lines(b"\n"), vec![b"".to_vec()]);
        assert_eq!(
            lines(b"a\r\nb\r\r\nc"),
            vec![b"a".to_vec(), b"b\r".to_vec(), b"c".to_vec()]
        );
    }

    #[test]
    fn scanner_rejects_lines_of_64_kib() {
        let ok = vec![b'a'; MAX_LINE_BYTES];
        assert_eq!(lines(&ok).len(), 1);
        let long = vec![b'a'; MAX_LINE_BYTES + 1];
        let mut s = Lines::new(&long);
        assert!(s.scan().is_err());
    }

    #[test]
    fn trims_unicode_space_but_not_invalid_bytes() {
        assert_eq!(trim_space(b" \t\x0b a b\xc2\xa0\n"), b"a b");
        assert_eq!(trim_space(b"\xff "), b"\xff");
        assert_eq!(trim_space("\u{3000}x\u{2028}".as_bytes()), b"x");
        assert!(is_space_or_comment(b"   # x"));
        assert!(!is_space_or_comment(b" x #"));
    }

    #[test]
    fn number_errors_read_like_go() {
        let e = parse_int(b"09", 0).map(|_| ()).unwrap_err().to_string();
        assert_eq!(e, r#"strconv.ParseInt: parsing "09": invalid syntax"#);
        let e = parse_int(b"-99999999999999999999", 10)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            r#"strconv.ParseInt: parsing "-99999999999999999999": value out of range"#
        );
        let e = parse_uint(b"1ffffffffffffffff", 16)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            r#"strconv.ParseUint: parsing "1ffffffffffffffff": value out of range"#
        );
    }

    #[test]
    fn parses_integers_like_strconv() {
        assert_eq!(parse_int(b"42", 10).ok(), Some(42));
        assert_eq!(parse_int(b"-42", 10).ok(), Some(-42));
        assert_eq!(parse_int(b"+7", 10).ok(), Some(7));
        assert_eq!(parse_int(b"1_000", 10).ok(), None);
        assert_eq!(parse_int(b"1_000", 0).ok(), Some(1000));
        assert_eq!(parse_int(b"1__0", 0).ok(), None);
        assert_eq!(parse_int(b"010", 0).ok(), Some(8));
        assert_eq!(parse_int(b"09", 0).ok(), None);
        assert_eq!(parse_int(b"0", 0).ok(), Some(0));
        assert_eq!(parse_int(b"0x1f", 0).ok(), Some(31));
        assert_eq!(parse_int(b"0x_1f", 0).ok(), Some(31));
        assert_eq!(parse_int(b"0x", 0).ok(), None);
        assert_eq!(parse_int(b"0b101", 0).ok(), Some(5));
        assert_eq!(parse_int(b"0o17", 0).ok(), Some(15));
        assert_eq!(parse_int(b"", 10).ok(), None);
        assert_eq!(parse_int(b"-", 10).ok(), None);
        assert_eq!(parse_int(b"9223372036854775807", 10).ok(), Some(i64::MAX));
        assert_eq!(parse_int(b"9223372036854775808", 10).ok(), None);
        assert_eq!(parse_int(b"-9223372036854775808", 10).ok(), Some(i64::MIN));
        assert_eq!(parse_uint(b"ffffffffffffffff", 16).ok(), Some(u64::MAX));
        assert_eq!(parse_uint(b"10000000000000000", 16).ok(), None);
    }

    #[test]
    fn finds_hex_addresses() {
        assert_eq!(
            parse_hex_addresses(b"@ 0x1 0xab x0x2"),
            Ok(vec![1, 0xab, 2])
        );
        assert!(parse_hex_addresses(b"0x10000000000000000").is_err());
    }

    #[test]
    fn converts_floats_like_amd64() {
        assert_eq!(float_to_int(1.9), 1);
        assert_eq!(float_to_int(-1.9), -1);
        assert_eq!(float_to_int(f64::INFINITY), i64::MIN);
        assert_eq!(float_to_int(f64::NAN), i64::MIN);
        assert_eq!(float_to_int(1e19), i64::MIN);
    }
}
