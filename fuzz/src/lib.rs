//! The fuzz targets' checks, one function per target taking libFuzzer's input as it is, so
//! that `cargo test` replays a committed crasher through exactly what the target ran: each
//! module is also included by path in the owning crate's `tests/fuzz_regressions.rs`.

pub mod object;
pub mod profile;
