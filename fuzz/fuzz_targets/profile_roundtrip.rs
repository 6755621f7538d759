//! The `profile_roundtrip` target: `ferroprof_fuzz::profile::profile_roundtrip` says what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferroprof_fuzz::profile::profile_roundtrip(data));
