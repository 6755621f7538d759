//! Rust names: pprof-rs writes each function's mangled name and the name rustc-demangle gives
//! it; demangling the mangled names here gives the same names (hash removed), legacy and v0.

use ferroprof_profile::{parse, Limits};
use ferroprof_symbolize::{demangle, Demangle};
use ferroprof_testsupport::fixture;

#[test]
fn demangled_names_match_pprof_rs() {
    let bytes = std::fs::read(fixture("pprof-rs/cpu.pb")).unwrap();
    let profile = parse(&bytes, &Limits::default()).unwrap();
    let mangled: Vec<_> = profile
        .function
        .iter()
        .filter(|f| f.system_name.starts_with('_'))
        .collect();
    assert!(
        mangled.iter().any(|f| f.system_name.starts_with("_R")),
        "no v0 names"
    );
    assert!(
        mangled.iter().any(|f| f.system_name.starts_with("_ZN")),
        "no legacy names"
    );
    let differences: Vec<String> = mangled
        .iter()
        .filter(|f| demangle(&f.system_name, Demangle::Default) != f.name)
        .map(|f| {
            format!(
                "{} -> {:?}, pprof-rs wrote {:?}",
                f.system_name,
                demangle(&f.system_name, Demangle::Default),
                f.name
            )
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{} of {}:\n{}",
        differences.len(),
        mangled.len(),
        differences.join("\n")
    );
}
