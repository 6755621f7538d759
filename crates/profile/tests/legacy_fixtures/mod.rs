//! The legacy fixtures shared by the legacy parser tests.

/// google/pprof's legacy test profiles (in `google-pprof/profile/testdata`), each with a
/// `.string` dump of its expected parse beside it.
pub const GOOGLE_LEGACY: &[&str] = &[
    "cppbench.contention",
    "cppbench.cpu",
    "cppbench.growth",
    "cppbench.heap",
    "cppbench.thread",
    "cppbench.thread.all",
    "cppbench.thread.none",
    "go.crc32.cpu",
    "go.godoc.thread",
    "gobench.cpu",
    "gobench.heap",
    "java.contention",
    "java.cpu",
    "java.heap",
];
