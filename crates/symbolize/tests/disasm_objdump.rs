//! Disassembly through GNU objdump, read as pprof reads it, on this crate's C++ test binary.

mod support;

use ferroprof_symbolize::{disassemble, AsmSyntax, Error, Svma};
use ferroprof_testsupport::have_tool;
use support::bin;

#[test]
fn instructions_carry_function_file_and_line() {
    if !have_tool(
        "objdump",
        "binutils",
        "instructions_carry_function_file_and_line",
    ) {
        return;
    }
    let insts = disassemble(
        &bin("inline"),
        Svma(0x1278),
        Svma(0x12c8),
        AsmSyntax::Native,
    )
    .unwrap();
    assert_eq!(insts.first().unwrap().addr, Svma(0x1278));
    assert!(insts.iter().all(|i| (0x1278..0x12c8).contains(&i.addr.0)));
    assert!(insts.windows(2).all(|w| w[0].addr < w[1].addr));
    let at = |addr| insts.iter().find(|i| i.addr == Svma(addr)).unwrap();
    let first = at(0x1278);
    assert_eq!(first.text, "push   %rbp");
    assert_eq!(first.function, "shapes::Box<double>::scaled(double) const");
    assert_eq!(
        (first.file.as_str(), first.line),
        ("/ferroprof/src/inline.cc", 25)
    );
    // objdump -l names the inlined function over its instructions.
    let inlined = at(0x1289);
    assert_eq!(inlined.function, "shapes::square(long)");
    assert_eq!(inlined.line, 21);

    let intel = disassemble(&bin("inline"), Svma(0x1278), Svma(0x1279), AsmSyntax::Intel).unwrap();
    assert_eq!(intel.len(), 1);
    assert_eq!(intel[0].text, "push   rbp");
}

#[test]
fn objdump_failures_name_the_command() {
    if !have_tool("objdump", "binutils", "objdump_failures_name_the_command") {
        return;
    }
    let err =
        disassemble(&bin("no-such-binary"), Svma(0), Svma(16), AsmSyntax::Native).unwrap_err();
    assert!(matches!(err, Error::Disassembler { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("objdump") && text.contains("no-such-binary"),
        "{text}"
    );
}
