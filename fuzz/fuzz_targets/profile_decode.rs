//! RELIABILITY.md P1, P2, P3, P5, P6, P7: any bytes through the top-level parser (gzip, protobuf,
//! legacy fallback, validation) give a profile or a typed error, never a panic; what parses also
//! dumps as `-raw` text and re-encodes.
#![no_main]

use ferroprof_profile::{parse, proto, write_raw, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small limits keep a bomb within libFuzzer's RSS limit (P5, P6).
    let mut limits = Limits::default();
    limits.max_decompressed_bytes = 64 << 20;
    limits.max_elements = 1 << 22;
    if let Ok(p) = parse(data, &limits) {
        write_raw(&p, &mut std::io::sink()).expect("raw dump of a parsed profile");
        let mut plain = Vec::new();
        proto::encode_uncompressed(&p, &mut plain).expect("encode of a parsed profile");
    }
    // The protobuf decoder alone, without the legacy fallback.
    let _ = proto::decode(data, &limits);
});
