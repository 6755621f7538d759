//! Codec round trips on every protobuf profile among the shared fixtures: decode → encode →
//! decode gives an equal profile; encoding is deterministic and byte-identical to Go's
//! `WriteUncompressed`; and `go tool pprof -raw` prints the same for the re-encoded file as for
//! the original.

use std::process::Command;

use ferroprof_profile::{parse, parse_reader, proto, Limits, Profile};
use ferroprof_testsupport::{fixture, have_go};

#[path = "codec/oracle.rs"]
mod oracle;

fn parsed(rel: &str) -> Profile {
    let data = std::fs::read(fixture(rel)).expect("read fixture");
    parse(&data, &Limits::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn encoded(p: &Profile) -> Vec<u8> {
    let mut out = Vec::new();
    proto::encode(p, &mut out).expect("encode to a Vec");
    out
}

fn encoded_uncompressed(p: &Profile) -> Vec<u8> {
    let mut out = Vec::new();
    proto::encode_uncompressed(p, &mut out).expect("encode to a Vec");
    out
}

#[test]
fn decode_encode_decode_gives_an_equal_profile() {
    for rel in oracle::PROTOBUF_FIXTURES {
        let p = parsed(rel);
        let gz = encoded(&p);
        assert_eq!(gz[..2], [0x1f, 0x8b], "{rel}: encode writes gzip");
        let again = parse(&gz, &Limits::default()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(again, p, "{rel}: gzipped round trip");
        let plain = encoded_uncompressed(&p);
        let again = proto::decode(&plain, &Limits::default()).expect("decode our own bytes");
        assert_eq!(again, p, "{rel}: uncompressed round trip");
    }
}

#[test]
fn encoding_is_deterministic_and_canonical() {
    for rel in oracle::PROTOBUF_FIXTURES {
        let p = parsed(rel);
        let (a, b) = (encoded(&p), encoded(&p));
        assert_eq!(a, b, "{rel}: two encodings differ");
        // Encoding what we decoded from our own canonical bytes gives the same bytes.
        let plain = encoded_uncompressed(&p);
        let again = proto::decode(&plain, &Limits::default()).expect("decode");
        assert_eq!(
            encoded_uncompressed(&again),
            plain,
            "{rel}: not a fixed point"
        );
    }
}

#[test]
fn reader_and_slice_parse_alike() {
    for rel in oracle::PROTOBUF_FIXTURES {
        let data = std::fs::read(fixture(rel)).expect("read fixture");
        // One byte per read, the worst a stream can do.
        struct Trickle<'a>(&'a [u8]);
        impl std::io::Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(1);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let from_reader = parse_reader(Trickle(&data), &Limits::default()).expect("parse_reader");
        assert_eq!(from_reader, parsed(rel), "{rel}");
    }
}

#[test]
fn uncompressed_bytes_equal_gos_write_uncompressed() {
    if !have_go("uncompressed_bytes_equal_gos_write_uncompressed") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let oracle = oracle::build(dir.path());
    for rel in oracle::PROTOBUF_FIXTURES {
        let go = Command::new(&oracle)
            .arg("proto")
            .arg(fixture(rel))
            .output()
            .expect("oracle");
        assert!(go.status.success(), "Go cannot re-encode {rel}");
        assert!(
            encoded_uncompressed(&parsed(rel)) == go.stdout,
            "{rel}: bytes differ from Go's"
        );
    }
}

#[test]
fn go_tool_pprof_reads_our_encoding_unchanged() {
    if !have_go("go_tool_pprof_reads_our_encoding_unchanged") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let go_raw = |path: &std::path::Path| {
        let out = Command::new("go")
            .args(["tool", "pprof", "-raw"])
            .arg(path)
            .env("TZ", "UTC")
            .env("HOME", dir.path())
            .env("PPROF_TMPDIR", dir.path())
            .output()
            .expect("go tool pprof");
        assert!(
            out.status.success(),
            "go tool pprof -raw {}",
            path.display()
        );
        out.stdout
    };
    for rel in oracle::PROTOBUF_FIXTURES {
        let original = fixture(rel);
        let ours = dir.path().join("reencoded.pb.gz");
        std::fs::write(&ours, encoded(&parsed(rel))).expect("write temp profile");
        assert!(
            go_raw(&original) == go_raw(&ours),
            "{rel}: go tool pprof -raw differs"
        );
    }
}
