//! Random mutations of real profiles (byte changes, bit flips, cuts, insertions): parsing never
//! panics, and whatever parses also dumps, re-encodes and decodes to an equal profile.
//! A short run is part of `cargo test`; `cargo test --release -- --ignored` runs the long soak
//! (300,000 inputs; none failed when it was written).

use ferroprof_profile::{parse, proto, write_raw, Limits, Profile};

const SEEDS: &[&str] = &[
    "go119/heap.pb.gz",
    "go119/cpu.pb.gz",
    "pprof-rs/cpu.pb",
    "google-pprof/internal/report/testdata/sample.cpu",
];

fn seeds() -> Vec<Vec<u8>> {
    SEEDS
        .iter()
        .map(|rel| {
            let gz = std::fs::read(ferroprof_testsupport::fixture(rel)).expect("fixture");
            let p = parse(&gz, &Limits::default()).expect("fixture parses");
            let mut plain = Vec::new();
            proto::encode_uncompressed(&p, &mut plain).expect("encode");
            plain
        })
        .collect()
}

/// xorshift64: deterministic, so a failure names an input that can be rebuilt.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn mutate(data: &mut Vec<u8>, rng: &mut Rng) {
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(data.len());
        match rng.below(4) {
            0 => data[at] = rng.next() as u8,
            1 => data[at] ^= 1 << rng.below(8),
            2 => {
                let end = (at + rng.below(64)).min(data.len());
                data.drain(at..end);
                if data.is_empty() {
                    data.push(0);
                }
            }
            _ => data.insert(at, rng.next() as u8),
        }
    }
}

fn check(p: &Profile, input: usize) {
    let mut sink = Vec::new();
    write_raw(p, &mut sink).expect("raw dump of a parsed profile");
    let mut plain = Vec::new();
    proto::encode_uncompressed(p, &mut plain).expect("encode of a parsed profile");
    let again = proto::decode(&plain, &Limits::default()).expect("decode of our own encoding");
    assert!(
        &again == p,
        "input {input}: re-encoding changes the profile"
    );
}

fn run(inputs: usize) {
    let seeds = seeds();
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for i in 0..inputs {
        let mut data = seeds[i % seeds.len()].clone();
        mutate(&mut data, &mut rng);
        if let Ok(p) = parse(&data, &Limits::default()) {
            check(&p, i);
        }
    }
}

#[test]
fn mutated_profiles_never_panic() {
    run(3_000);
}

#[test]
#[ignore = "soak: 300,000 inputs, about 30 s in release"]
fn mutated_profiles_never_panic_soak() {
    run(300_000);
}
