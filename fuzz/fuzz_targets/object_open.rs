//! The `object_open` target: `ferroprof_fuzz::object::object_open` says what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferroprof_fuzz::object::object_open(data));
