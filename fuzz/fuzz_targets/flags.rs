//! RELIABILITY.md P1 (command line): hostile argument vectors through the driver's Go-style flag
//! tokenizer and the resolution into an `Invocation` (options applied to the `Config`, command
//! chosen, sources resolved): a value or a typed error, never a panic. Arguments are the input
//! split at NUL bytes.
#![no_main]

use ferroprof_driver::{flags, CapturedUi, Invocation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let args: Vec<String> = text.split('\0').map(str::to_string).collect();
    let Ok(low) = flags::parse_args(args) else {
        return;
    };
    let mut ui = CapturedUi::default();
    if let Ok(invocation) = Invocation::from_low_args(&low, &mut ui) {
        // What the configuration says about itself must read back.
        let _ = invocation.config.url_params();
    }
});
