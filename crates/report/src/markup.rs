//! Escaping text for XML and HTML documents: the flame graph's SVG, `-weblist`'s page and the
//! driver's web UI all put profile strings into markup through [`escape`].

/// Text safe in XML and HTML character data and double- or single-quoted attribute values.
///
/// - `&`, `<`, `>`, `"` and `'` become entities, so no string can open a tag or end an
///   attribute (the five html/template escapes, `&#39;` for `'` as Go writes it).
/// - Tab, newline and carriage return become character references: an XML parser would turn
///   them into spaces inside an attribute value (attribute-value normalization), and in HTML a
///   reference reads as the character itself.
/// - The other C0 controls and U+FFFE, U+FFFF, which XML 1.0 forbids even as references, become
///   U+FFFD, as Go's html/template does with NUL.
///
/// ```
/// use ferroprof_report::markup::escape;
/// assert_eq!(escape("a<b> & \"c\" 'd'"), "a&lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;");
/// assert_eq!(escape("x\ty\u{0}"), "x&#9;y\u{fffd}");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities() {
        assert_eq!(
            escape("\"><img src=x onerror=alert(1)></script>'&"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&#39;&amp;"
        );
    }

    #[test]
    fn whitespace_controls_become_references_and_other_controls_u_fffd() {
        assert_eq!(escape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
        assert_eq!(
            escape("\u{0}\u{1}\u{1b}\u{1f}\u{fffe}\u{ffff}"),
            "\u{fffd}".repeat(6)
        );
        assert_eq!(escape("\u{7f} é \u{fffd}"), "\u{7f} é \u{fffd}");
    }
}
