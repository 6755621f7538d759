//! The `legacy_text` target: `ferroprof_fuzz::profile::legacy_text` says what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferroprof_fuzz::profile::legacy_text(data));
