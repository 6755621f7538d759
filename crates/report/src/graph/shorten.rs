//! Shortening function names for graph labels: package paths, Java packages, C++ namespaces and
//! Go major-version suffixes removed (pprof's `ShortenFunctionName`).

use std::sync::OnceLock;

use regex::Regex;

struct Patterns {
    cpp_anonymous: Regex,
    go_version: Regex,
    /// Tried in order; the first match's groups form the short name.
    shorteners: [Regex; 3],
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        // `\w` is ASCII in Go's RE2 syntax, hence the explicit classes.
        let compile = |re: &str| Regex::new(re).unwrap_or_else(|e| panic!("built-in regex: {e}"));
        Patterns {
            cpp_anonymous: compile(r"^\(anonymous namespace\)::"),
            go_version: compile(r"^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$"),
            shorteners: [
                compile(r"^(?:[0-9A-Za-z_\-\.]+/)+(.+)"),
                compile(
                    r"^(?:[a-z][0-9A-Za-z_]*\.)*([A-Z][0-9A-Za-z_\$]*\.(?:<init>|[a-z][0-9A-Za-z_\$]*(?:\$[0-9]+)?))(?:\(|$)",
                ),
                compile(
                    r"^(?:[_a-zA-Z][0-9A-Za-z_]*::)+(_*[A-Z][0-9A-Za-z_]*::~?[_a-zA-Z][0-9A-Za-z_]*(?:<.*>)?)",
                ),
            ],
        }
    })
}

/// The short form of a function name: `main.(*T).m` for `github.com/x/main.(*T).m`,
/// `Foo.bar` for `com.example.Foo.bar(int)`, `Class::method` for `ns::Class::method`.
pub fn shorten_function_name(name: &str) -> String {
    let p = patterns();
    let name = p.cpp_anonymous.replace_all(name, "");
    let name = p.go_version.replace_all(&name, "${1}${2}");
    for re in &p.shorteners {
        if let Some(caps) = re.captures(&name) {
            if caps.len() >= 2 {
                return caps.iter().skip(1).flatten().map(|m| m.as_str()).collect();
            }
        }
    }
    name.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_like_pprof() {
        assert_eq!(
            shorten_function_name("github.com/google/pprof/driver.Run"),
            "driver.Run"
        );
        assert_eq!(shorten_function_name("main.main.func1"), "main.main.func1");
        assert_eq!(
            shorten_function_name("vendor/golang.org/x/net/http2/hpack.(*T).f"),
            "hpack.(*T).f"
        );
        assert_eq!(shorten_function_name("github.com/a/b/v2/pkg.F"), "pkg.F");
        assert_eq!(shorten_function_name("com.example.Foo.bar(int)"), "Foo.bar");
        assert_eq!(
            shorten_function_name("ns::inner::Class::method"),
            "Class::method"
        );
        assert_eq!(
            shorten_function_name("(anonymous namespace)::Foo::bar"),
            "Foo::bar"
        );
    }
}
