//! The `profile_decode` target: `ferroprof_fuzz::profile::profile_decode` says what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferroprof_fuzz::profile::profile_decode(data));
