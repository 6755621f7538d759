//! Demangling of Rust (legacy and v0) and C++ names, simplified per mode as `go tool pprof`'s
//! demangler (ianlancetaylor/demangle, driven by pprof's `symbolizer.Demangle`) prints them.

use ferroprof_profile::Profile;

/// How function names are demangled: Go's `-symbolize=demangle=…` modes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Demangle {
    /// Go's default: C++ names without parameters, template arguments or return type
    /// (`ns::Class::method`); Rust names without their hash.
    #[default]
    Default,
    /// `demangle=templates`: C++ names keep template arguments (`ns::Class<int>::method`).
    Templates,
    /// `demangle=full`: the whole demangled C++ name, parameters and return type included, but
    /// without clone suffixes such as `.constprop.0`.
    Full,
    /// `demangle=none`: names are left mangled.
    None,
}

/// The name `go tool pprof` shows for a function whose system (mangled) name is
/// `system_name`: the demangled name per `mode`, or, when it is not a mangled name, the name
/// itself, simplified by Go's heuristics when it looks like an already demangled C++ name.
pub fn demangle(system_name: &str, mode: Demangle) -> String {
    if mode == Demangle::None {
        return system_name.to_string();
    }
    if let Some(name) = demangle_rust(system_name).or_else(|| demangle_cpp(system_name, mode)) {
        if name != system_name {
            return name;
        }
    }
    simplify_demangled(system_name, mode)
}

/// Go's `symbolizer.Demangle`: demangles every function of `profile` whose name is empty or
/// still equal to its system name. With `force`, names are first reset to their system names,
/// so that a profile symbolized with another mode is demangled again.
pub fn demangle_profile(profile: &mut Profile, mode: Demangle, force: bool) {
    if force {
        for f in &mut profile.function {
            if !f.name.is_empty() && !f.system_name.is_empty() {
                f.name = f.system_name.clone();
            }
        }
    }
    if mode == Demangle::None {
        return;
    }
    for f in &mut profile.function {
        if !f.name.is_empty() && f.name != f.system_name {
            continue; // Already demangled.
        }
        f.name = demangle(&f.system_name, mode);
    }
}

/// Rust v0 (`_R…`) and legacy (`_ZN…17h<hash>E`) names, printed without hash or suffix.
fn demangle_rust(name: &str) -> Option<String> {
    if name.starts_with("_R") {
        // Go drops everything from the first '.' (an LLVM suffix) before demangling.
        let core = name.split('.').next().unwrap_or(name);
        return rustc_demangle::try_demangle(core)
            .ok()
            .map(|d| format!("{d:#}"));
    }
    if !name.starts_with("_ZN") {
        return None;
    }
    let core = match name.rfind("E.") {
        Some(pos) if pos > 0 => &name[..=pos],
        _ => name,
    };
    if !is_legacy_rust_hash(core) {
        return None;
    }
    rustc_demangle::try_demangle(core)
        .ok()
        .map(|d| format!("{d:#}"))
}

/// Whether `name` ends like a legacy Rust symbol as Go checks it: `17h`, 16 lower-case hex
/// digits with at least 5 distinct values, then `E`.
fn is_legacy_rust_hash(name: &str) -> bool {
    let bytes = name.as_bytes();
    if !name.ends_with('E')
        || bytes.len() <= 23
        || &bytes[bytes.len() - 20..bytes.len() - 17] != b"17h"
    {
        return false;
    }
    let mut seen = 0u16;
    for &c in &bytes[bytes.len() - 17..bytes.len() - 1] {
        let digit = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return false,
        };
        seen |= 1 << digit;
    }
    seen.count_ones() >= 5
}

/// C++ (Itanium ABI) names. Clone suffixes (`.constprop.0`, `.cold`) are left out, as Go's
/// demangler does in every mode pprof uses.
fn demangle_cpp(name: &str, mode: Demangle) -> Option<String> {
    let encoding = name.strip_prefix("_Z")?;
    let encoding = encoding.split('.').next().unwrap_or(encoding);
    if let Some((thunk, target)) = thunk_target(encoding) {
        // Go prints a thunk's target with its parameters in every mode.
        let target = demangle_cpp(&format!("_Z{target}"), Demangle::Full)?;
        let target = match mode {
            Demangle::Default => strip_template_args(&target)?,
            _ => target,
        };
        return Some(format!("{thunk}{target}"));
    }
    let symbol = cpp_demangle::BorrowedSymbol::new(&name.as_bytes()[..encoding.len() + 2]).ok()?;
    let options = match mode {
        Demangle::Full => cpp_demangle::DemangleOptions::new(),
        _ => cpp_demangle::DemangleOptions::new()
            .no_params()
            .no_return_type(),
    };
    let text = go_special_names(symbol.demangle(&options).ok()?);
    match mode {
        Demangle::Full => Some(text),
        Demangle::Templates => Some(strip_function_qualifiers(&text).to_string()),
        _ => strip_template_args(strip_function_qualifiers(&text)),
    }
}

/// A thunk's description and the encoding of its target (`Th`/`Tv`/`Tc` call offsets), which
/// Go prints as `non-virtual thunk to …` where cpp_demangle prints `{virtual override thunk(…)}`.
fn thunk_target(encoding: &str) -> Option<(&'static str, &str)> {
    /// `<number> _`, with an optional `n` sign.
    fn number(s: &str) -> Option<&str> {
        let s = s.strip_prefix('n').unwrap_or(s);
        let digits = s.find(|c: char| !c.is_ascii_digit())?;
        (digits > 0).then_some(())?;
        s[digits..].strip_prefix('_')
    }
    fn call_offset(s: &str) -> Option<&str> {
        match s.as_bytes().first()? {
            b'h' => number(&s[1..]),
            b'v' => number(&s[1..]).and_then(number),
            _ => None,
        }
    }
    let rest = encoding.strip_prefix('T')?;
    match rest.as_bytes().first()? {
        b'h' | b'v' => {
            let kind = if rest.starts_with('h') {
                "non-virtual thunk to "
            } else {
                "virtual thunk to "
            };
            Some((kind, call_offset(rest)?))
        }
        b'c' => Some((
            "covariant return thunk to ",
            call_offset(call_offset(&rest[1..])?)?,
        )),
        _ => None,
    }
}

/// Go's words for the special names cpp_demangle prints in braces.
fn go_special_names(text: String) -> String {
    for (braced, go) in [("{vtable(", "vtable for "), ("{vtt(", "VTT for ")] {
        if let Some(inner) = text.strip_prefix(braced).and_then(|t| t.strip_suffix(")}")) {
            return format!("{go}{inner}");
        }
    }
    text
}

/// A function name without the cv- and ref-qualifiers of its (omitted) function type, which
/// cpp_demangle keeps without parameters (`…::operator() const`) and Go drops with them.
fn strip_function_qualifiers(mut text: &str) -> &str {
    while let Some(rest) = [" const", " volatile", " &&", " &"]
        .iter()
        .find_map(|q| text.strip_suffix(q))
    {
        text = rest;
    }
    text
}

/// Operators whose names contain angle brackets, longest first, kept when template arguments
/// are removed.
const ANGLE_OPERATORS: [&str; 11] = [
    "<=>", "<<=", ">>=", "->*", "<<", ">>", "<=", ">=", "->", "<", ">",
];

/// `text` without its template argument lists (`a<b<c>>::f` → `a::f`); `operator<` and the
/// other operators spelled with angle brackets stay. `None` when the brackets do not balance.
fn strip_template_args(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("operator") {
            if let Some(op) = ANGLE_OPERATORS.iter().find(|op| after.starts_with(**op)) {
                let len = "operator".len() + op.len();
                if depth == 0 {
                    out.push_str(&rest[..len]);
                }
                rest = &rest[len..];
                // `operator< <int>`: the space only separates the operator from its arguments.
                if rest.starts_with(" <") {
                    rest = &rest[1..];
                }
                continue;
            }
        }
        match c {
            '<' => depth += 1,
            '>' => depth = depth.checked_sub(1)?,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    (depth == 0).then_some(out)
}

/// Go's heuristics for a name that did not demangle: when it looks like demangled C++,
/// parameters go in the default and templates modes and template arguments in the default mode.
fn simplify_demangled(name: &str, mode: Demangle) -> String {
    let looks_like_cpp =
        !name.contains(".<") && (name.contains(['<', '>', '[', ']']) || name.contains("::"));
    if !looks_like_cpp {
        return name.to_string();
    }
    let mut name = name.to_string();
    if matches!(mode, Demangle::Default | Demangle::Templates) {
        name = remove_matching(&name, '(', ')');
    }
    if mode == Demangle::Default {
        name = remove_matching(&name, '<', '>');
    }
    name
}

/// Removes each outermost `open … close` group from `name`, left to right. A `close` without
/// its `open` stops the removal there, and a group that never closes is kept (Go's
/// `removeMatching`).
fn remove_matching(name: &str, open: char, close: char) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    let mut group_start = 0;
    for (i, c) in name.char_indices() {
        if c == open {
            if depth == 0 {
                group_start = i;
            }
            depth += 1;
        } else if c == close {
            if depth == 0 {
                out.push_str(&name[i..]);
                return out;
            }
            depth -= 1;
        } else if depth == 0 {
            out.push(c);
        }
    }
    if depth > 0 {
        out.push_str(&name[group_start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroprof_profile::{Function, FunctionId};

    fn function(id: u64, name: &str, system_name: &str) -> Function {
        let mut f = Function::new(FunctionId::new(id).unwrap());
        f.name = name.into();
        f.system_name = system_name.into();
        f
    }

    #[test]
    fn profile_demangling_skips_demangled_names_unless_forced() {
        let mut p = Profile::default();
        p.function
            .push(function(1, "_ZN6shapes6squareEl", "_ZN6shapes6squareEl"));
        p.function.push(function(2, "custom", "_ZN3foo3barEv"));
        p.function.push(function(3, "", "_Z1fv"));
        p.function.push(function(4, "ns::f(int)", "ns::f(int)"));
        demangle_profile(&mut p, Demangle::Default, false);
        let names: Vec<&str> = p.function.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["shapes::square", "custom", "f", "ns::f"]);

        demangle_profile(&mut p, Demangle::Full, true);
        let names: Vec<&str> = p.function.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["shapes::square(long)", "foo::bar()", "f()", "ns::f(int)"]
        );

        demangle_profile(&mut p, Demangle::None, true);
        assert!(p.function.iter().all(|f| f.name == f.system_name));
    }

    #[test]
    fn template_stripping_keeps_angle_operators() {
        assert_eq!(
            strip_template_args("a<b<c>>::operator<<").as_deref(),
            Some("a::operator<<")
        );
        assert_eq!(
            strip_template_args("x::operator< <int>").as_deref(),
            Some("x::operator<")
        );
        assert_eq!(strip_template_args("f<(a>b)>").as_deref(), None);
        assert_eq!(strip_template_args("a>b"), None);
    }
}
