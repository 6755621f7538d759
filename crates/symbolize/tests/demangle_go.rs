//! Demangling checked against Go 1.19's demangler as `go tool pprof` drives it
//! (`symbolizer.Demangle`: `Filter` with the mode's options, then the heuristics for names that
//! are not mangled). The expected names were printed by that code, vendored in Go 1.19.8 at
//! `src/cmd/vendor/github.com/ianlancetaylor/demangle`, for these names: symbols of this
//! crate's C++ test binary and of small Rust programs (legacy and v0 mangling), and plain names.

use ferroprof_symbolize::{demangle, Demangle};

/// (system name, Go's default, `demangle=templates`, `demangle=full`).
const GO_1_19: &[(&str, &str, &str, &str)] = &[
    (
        "_ZN6shapes6squareEl",
        "shapes::square",
        "shapes::square",
        "shapes::square(long)",
    ),
    (
        "_ZNK6shapes3BoxIdE6scaledEd",
        "shapes::Box::scaled",
        "shapes::Box<double>::scaled",
        "shapes::Box<double>::scaled(double) const",
    ),
    (
        "_ZNK6shapes3BoxIiE6scaledEi",
        "shapes::Box::scaled",
        "shapes::Box<int>::scaled",
        "shapes::Box<int>::scaled(int) const",
    ),
    (
        "_ZN6shapes6sum_ofIdEET_PKS1_i",
        "shapes::sum_of",
        "shapes::sum_of<double>",
        "double shapes::sum_of<double>(double const*, int)",
    ),
    (
        "_ZN12_GLOBAL__N_16hiddenEi",
        "(anonymous namespace)::hidden",
        "(anonymous namespace)::hidden",
        "(anonymous namespace)::hidden(int)",
    ),
    (
        "_ZNK6shapes3BoxIiEltERKS1_",
        "shapes::Box::operator<",
        "shapes::Box<int>::operator<",
        "shapes::Box<int>::operator<(shapes::Box<int> const&) const",
    ),
    (
        "_ZNSt6vectorIiSaIiEE9push_backERKi",
        "std::vector::push_back",
        "std::vector<int, std::allocator<int> >::push_back",
        "std::vector<int, std::allocator<int> >::push_back(int const&)",
    ),
    (
        "_ZN3foo3barEv.constprop.0",
        "foo::bar",
        "foo::bar",
        "foo::bar()",
    ),
    (
        "_ZN3foo3barEv.cold",
        "foo::bar",
        "foo::bar",
        "foo::bar()",
    ),
    (
        "_ZNSt3mapIiSt6vectorIiSaIiEESt4lessIiESaISt4pairIKiS2_EEEixERS6_",
        "std::map::operator[]",
        "std::map<int, std::vector<int, std::allocator<int> >, std::less<int>, std::allocator<std::pair<int const, std::vector<int, std::allocator<int> > > > >::operator[]",
        "std::map<int, std::vector<int, std::allocator<int> >, std::less<int>, std::allocator<std::pair<int const, std::vector<int, std::allocator<int> > > > >::operator[](int const&)",
    ),
    (
        "_ZN9__gnu_cxx13new_allocatorIcE8allocateEmPKv",
        "__gnu_cxx::new_allocator::allocate",
        "__gnu_cxx::new_allocator<char>::allocate",
        "__gnu_cxx::new_allocator<char>::allocate(unsigned long, void const*)",
    ),
    (
        "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE6appendEPKcm",
        "std::__cxx11::basic_string::append",
        "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::append",
        "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::append(char const*, unsigned long)",
    ),
    (
        "_ZlsRSoRK3Foo",
        "operator<<",
        "operator<<",
        "operator<<(std::ostream&, Foo const&)",
    ),
    (
        "_ZN3FooltIiEEbRKS_",
        "Foo::operator<",
        "Foo::operator< <int>",
        "bool Foo::operator< <int>(Foo const&)",
    ),
    (
        "_ZN14self_symbolize5outer17hae056fdda0b180baE",
        "self_symbolize::outer",
        "self_symbolize::outer",
        "self_symbolize::outer",
    ),
    (
        "_ZN5ferro4main28_$u7b$$u7b$closure$u7d$$u7d$17h0123456789abcdefE",
        "ferro::main::{{closure}}",
        "ferro::main::{{closure}}",
        "ferro::main::{{closure}}",
    ),
    (
        "_ZN4core3ptr13drop_in_place17h0000000000000000E",
        "core::ptr::drop_in_place::h0000000000000000",
        "core::ptr::drop_in_place::h0000000000000000",
        "core::ptr::drop_in_place::h0000000000000000",
    ),
    (
        "_ZN5ferro3run17h13579bdf02468aceE.llvm.12345",
        "ferro::run",
        "ferro::run",
        "ferro::run",
    ),
    (
        "main.main",
        "main.main",
        "main.main",
        "main.main",
    ),
    (
        "runtime.mapassign_fast64",
        "runtime.mapassign_fast64",
        "runtime.mapassign_fast64",
        "runtime.mapassign_fast64",
    ),
    (
        "main.(*T).Method",
        "main.(*T).Method",
        "main.(*T).Method",
        "main.(*T).Method",
    ),
    (
        "std::vector<int, std::allocator<int> >::push_back(int const&)",
        "std::vector::push_back",
        "std::vector<int, std::allocator<int> >::push_back",
        "std::vector<int, std::allocator<int> >::push_back(int const&)",
    ),
    (
        "foo::bar<baz>(int)",
        "foo::bar",
        "foo::bar<baz>",
        "foo::bar<baz>(int)",
    ),
    (
        "java.lang.Object.<init>",
        "java.lang.Object.<init>",
        "java.lang.Object.<init>",
        "java.lang.Object.<init>",
    ),
    (
        "a>b(c",
        "a>b(c",
        "a>b(c",
        "a>b(c",
    ),
    (
        "main.Map[...]",
        "main.Map[...]",
        "main.Map[...]",
        "main.Map[...]",
    ),
    (
        "_Z1fv",
        "f",
        "f",
        "f()",
    ),
    (
        "_Z3maxIiET_S0_S0_",
        "max",
        "max<int>",
        "int max<int>(int, int)",
    ),
    (
        "_ZTV3Foo",
        "vtable for Foo",
        "vtable for Foo",
        "vtable for Foo",
    ),
    (
        "_ZN1AC2Ev",
        "A::A",
        "A::A",
        "A::A()",
    ),
    (
        "_ZN1AD1Ev",
        "A::~A",
        "A::~A",
        "A::~A()",
    ),
    (
        "_ZZ4mainENKUlvE_clEv",
        "main::{lambda()#1}::operator()",
        "main::{lambda()#1}::operator()",
        "main::{lambda()#1}::operator()() const",
    ),
    (
        "_ZN5ferro17Tree$LT$K$C$V$GT$6insert17he79e83514506d0e5E",
        "ferro::Tree<K,V>::insert",
        "ferro::Tree<K,V>::insert",
        "ferro::Tree<K,V>::insert",
    ),
    (
        "_RINvCskBna37TVHgl_5ferro5applyINtB2_4TreemlEEB2_",
        "ferro::apply::<ferro::Tree<u32, i32>>",
        "ferro::apply::<ferro::Tree<u32, i32>>",
        "ferro::apply::<ferro::Tree<u32, i32>>",
    ),
    (
        "_RNvMCskBna37TVHgl_5ferroINtB2_4TreemlE6insertB2_",
        "<ferro::Tree<u32, i32>>::insert",
        "<ferro::Tree<u32, i32>>::insert",
        "<ferro::Tree<u32, i32>>::insert",
    ),
    (
        "_RNvXs_CskBna37TVHgl_5ferroINtB4_4TreemlENtNtNtCsgEmfK2I1SDS_4core3ops4drop4Drop4dropB4_",
        "<ferro::Tree<u32, i32> as core::ops::drop::Drop>::drop",
        "<ferro::Tree<u32, i32> as core::ops::drop::Drop>::drop",
        "<ferro::Tree<u32, i32> as core::ops::drop::Drop>::drop",
    ),
    (
        "_RNvCskBna37TVHgl_5ferro4main.llvm.999",
        "ferro::main",
        "ferro::main",
        "ferro::main",
    ),
    (
        "_RNCINvNtCsjrHSEGnQ3l9_3std2rt10lang_startuE0CskBna37TVHgl_5ferro",
        "std::rt::lang_start::<()>::{closure#0}",
        "std::rt::lang_start::<()>::{closure#0}",
        "std::rt::lang_start::<()>::{closure#0}",
    ),
    (
        "_ZThn8_N1B1fEv",
        "non-virtual thunk to B::f()",
        "non-virtual thunk to B::f()",
        "non-virtual thunk to B::f()",
    ),
    (
        "_ZTv0_n24_N1B1gEv",
        "virtual thunk to B::g()",
        "virtual thunk to B::g()",
        "virtual thunk to B::g()",
    ),
    (
        "_ZTTN3foo3BarE",
        "VTT for foo::Bar",
        "VTT for foo::Bar",
        "VTT for foo::Bar",
    ),
    (
        "_ZTIN3foo3BarE",
        "typeinfo for foo::Bar",
        "typeinfo for foo::Bar",
        "typeinfo for foo::Bar",
    ),
    (
        "_ZN3foo3BarD0Ev.cold",
        "foo::Bar::~Bar",
        "foo::Bar::~Bar",
        "foo::Bar::~Bar()",
    ),
    (
        "_ZNKSt5ctypeIcE8do_widenEc",
        "std::ctype::do_widen",
        "std::ctype<char>::do_widen",
        "std::ctype<char>::do_widen(char) const",
    ),
    (
        "_ZNR3Foo3getEv",
        "Foo::get",
        "Foo::get",
        "Foo::get() &",
    ),
];

#[test]
fn names_demangle_as_go_prints_them() {
    let mut failures = Vec::new();
    for &(name, default, templates, full) in GO_1_19 {
        for (mode, want) in [
            (Demangle::Default, default),
            (Demangle::Templates, templates),
            (Demangle::Full, full),
            (Demangle::None, name),
        ] {
            let got = demangle(name, mode);
            if got != want {
                failures.push(format!("{name} {mode:?}: got {got:?}, Go prints {want:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Hostile names (deep nesting, huge lengths) demangle to something or stay as they are,
/// without overflowing the stack.
#[test]
fn hostile_names_do_not_crash() {
    let deep_templates = format!("_Z1f{}v{}", "I1A".repeat(20_000), "E".repeat(20_000));
    let deep_pointers = format!("_Z1fP{}v", "P".repeat(100_000));
    let deep_rust = format!("_RNv{}C1a1f", "Nv".repeat(50_000));
    let long_legacy = format!("_ZN{}17h0123456789abcdefE", "3abc".repeat(100_000));
    let unbalanced = format!("{}x::y{}", "<".repeat(10_000), ">".repeat(9_999));
    for name in [
        deep_templates,
        deep_pointers,
        deep_rust,
        long_legacy,
        unbalanced,
    ] {
        for mode in [Demangle::Default, Demangle::Templates, Demangle::Full] {
            let _ = demangle(&name, mode);
        }
    }
}
