//! The `merge` target: `ferroprof_fuzz::profile::merge` says what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferroprof_fuzz::profile::merge(data));
