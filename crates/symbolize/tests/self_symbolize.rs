//! Self-symbolization: the test executable resolves its own functions through
//! `/proc/self/maps`, as the agent does at export time, with files, lines and inline frames.

use std::hint::black_box;
use std::path::Path;

use ferroprof_symbolize::{
    Avma, Demangle, FrameAddress, MappingRange, ObjectSymbolizer, ProcessSymbolizer,
};

/// The line of `inner`'s body, and of the call to it in `outer`.
const INNER_LINE: u32 = line!() + 4;
const OUTER_CALL_LINE: u32 = line!() + 8;
#[inline(always)]
fn inner(x: u64) -> u64 {
    black_box(x.wrapping_mul(0x9e37_79b9_7f4a_7c15)).rotate_left(17)
}

#[inline(never)]
fn outer(x: u64) -> u64 {
    inner(black_box(x)) ^ 0x55
}

/// One symbolizer for all tests, so that the (debug-built, slow) DWARF parse happens once.
fn process() -> &'static ProcessSymbolizer {
    static PROCESS: std::sync::OnceLock<ProcessSymbolizer> = std::sync::OnceLock::new();
    PROCESS.get_or_init(|| {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        ProcessSymbolizer::from_maps(&maps).unwrap()
    })
}

#[test]
fn resolves_its_own_function_with_an_inline_frame() {
    assert_ne!(outer(3), 0);
    let process = process();
    let start = outer as *const () as usize as u64;
    let mut found = None;
    // Walk the first bytes of `outer` until an address inside the inlined `inner`.
    for offset in 0..512 {
        let pc = FrameAddress::InstructionPointer(Avma(start + offset));
        let frames = process.symbolize(pc, Demangle::Default).unwrap();
        assert!(!frames.is_empty(), "no frames at outer+{offset:#x}");
        let outermost = frames.last().unwrap();
        if !outermost.function.ends_with("outer") {
            break; // Past the end of `outer`.
        }
        // The chain may go deeper (`wrapping_mul`, `black_box` inlined into `inner`).
        if frames.len() >= 2 && frames[frames.len() - 2].function.ends_with("inner") {
            found = Some(frames);
            break;
        }
    }
    let frames = found.expect("an address of outer with inner inlined");
    let [.., inner_frame, outer_frame] = &frames[..] else {
        unreachable!()
    };
    assert_eq!(inner_frame.function, "self_symbolize::inner");
    assert_eq!(outer_frame.function, "self_symbolize::outer");
    assert!(
        outer_frame.system_name.starts_with("_ZN") || outer_frame.system_name.starts_with("_R")
    );
    assert!(
        inner_frame.file.ends_with("tests/self_symbolize.rs"),
        "{}",
        inner_frame.file
    );
    assert_eq!(outer_frame.file, inner_frame.file);
    assert_eq!(inner_frame.line, INNER_LINE);
    assert_eq!(outer_frame.line, OUTER_CALL_LINE);
}

#[test]
fn return_addresses_resolve_to_the_call() {
    let process = process();
    let start = outer as *const () as usize as u64;
    // A return address one past the function's first byte is looked up at its first byte.
    let ip = process.symbolize(
        FrameAddress::InstructionPointer(Avma(start)),
        Demangle::None,
    );
    let ra = process.symbolize(FrameAddress::ReturnAddress(Avma(start + 1)), Demangle::None);
    assert_eq!(ip.unwrap(), ra.unwrap());
}

#[test]
fn the_executable_opened_by_path_agrees_with_the_process_view() {
    let exe = std::env::current_exe().unwrap();
    let object = ObjectSymbolizer::open(&exe).unwrap();
    assert!(
        object.build_id().is_some_and(|id| id.len() >= 16),
        "{:?}",
        object.build_id()
    );
    let process = process();
    let addr = Avma(outer as *const () as usize as u64);
    let entry = process.entry_for(addr).unwrap();
    assert_eq!(Path::new(&entry.path), exe.as_path());
    let range = MappingRange { ..entry.range };
    let bias = object.bias(&range, addr).unwrap();
    let frames = object.lookup(bias.svma(addr), Demangle::Full).unwrap();
    assert_eq!(frames.last().unwrap().function, "self_symbolize::outer");
}

extern "C" {
    fn getpid() -> i32;
}

#[test]
fn resolves_a_function_of_a_loaded_shared_library() {
    // SAFETY: getpid has no preconditions.
    assert!(unsafe { getpid() } > 0);
    let process = process();
    let addr = Avma(getpid as *const () as usize as u64);
    let entry = process.entry_for(addr).unwrap();
    assert!(entry.path.contains("libc"), "{}", entry.path);
    let frames = process.symbolize(FrameAddress::InstructionPointer(addr), Demangle::Default);
    let frames = frames.unwrap();
    // Debian's libc is stripped: the name comes from .dynsym (or DWARF when debug info is
    // installed), where getpid may be an alias of __getpid.
    let outer = frames.last().expect("a frame for getpid");
    assert!(outer.function.ends_with("getpid"), "{frames:?}");
}

#[test]
fn symbolizers_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<ObjectSymbolizer>();
    shareable::<ProcessSymbolizer>();
    shareable::<ferroprof_symbolize::CandidateBinaries>();
}

/// The agent's export path: a profile of this process, its mappings from `/proc/self/maps`,
/// symbolized through the process's own object cache.
#[test]
fn profile_of_this_process_symbolizes_through_its_maps() {
    use ferroprof_profile::{Location, LocationId, Mapping, MappingId, Profile};
    use ferroprof_symbolize::{symbolize_profile, SymbolizeOptions};

    let process = process();
    let addr = Avma(outer as *const () as usize as u64);
    let entry = process.entry_for(addr).unwrap();
    let mut p = Profile::default();
    let mut m = Mapping::new(MappingId::new(1).unwrap());
    (m.memory_start, m.memory_limit, m.file_offset) = (
        entry.range.start.0,
        entry.range.limit.0,
        entry.range.offset.0,
    );
    m.filename = entry.path.clone();
    m.build_id = process
        .object(&entry.path)
        .unwrap()
        .build_id()
        .unwrap()
        .to_string();
    p.mapping.push(m);
    let mut loc = Location::new(LocationId::new(1).unwrap());
    (loc.address, loc.mapping_id) = (addr.0, MappingId::new(1));
    p.location.push(loc);

    let report = symbolize_profile(&mut p, process, SymbolizeOptions::default());
    assert!(report.messages.is_empty(), "{:?}", report.messages);
    assert_eq!(report.symbolized_locations, 1);
    let f = &p.function[p.function.len() - 1];
    assert_eq!(f.name, "self_symbolize::outer");
    assert!(f.filename.ends_with("tests/self_symbolize.rs"));
    assert!(p.mapping[0].has_functions && p.mapping[0].has_line_numbers);
}
