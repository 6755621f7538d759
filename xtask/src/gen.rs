//! A deterministic generator of realistic CPU profiles: Go-style function names in packages,
//! a main binary and libc mappings, some inlined frames, stacks drawn with a skew toward hot
//! paths, and string labels, all from a seeded RNG so one set of options always gives the same
//! bytes.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use ferroprof_profile::{
    proto, Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

/// What to generate.
#[derive(Debug)]
pub struct Options {
    samples: usize,
    stacks: usize,
    depth: usize,
    functions: usize,
    labels: usize,
    seed: u64,
    uncompressed: bool,
    out: PathBuf,
}

impl Options {
    /// Reads `--name value` pairs; every option but `--out` has a default.
    pub fn from_args(args: &[String]) -> Result<Options, String> {
        let mut o = Options {
            samples: 10_000,
            stacks: 1_000,
            depth: 32,
            functions: 2_000,
            labels: 2,
            seed: 1,
            uncompressed: false,
            out: PathBuf::new(),
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            if flag == "--uncompressed" {
                o.uncompressed = true;
                continue;
            }
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|e| format!("{flag} {value}: {e}"))
            };
            match flag.as_str() {
                "--samples" => o.samples = number()? as usize,
                "--stacks" => o.stacks = number()?.max(1) as usize,
                "--depth" => o.depth = number()?.max(1) as usize,
                "--functions" => o.functions = number()?.max(1) as usize,
                "--labels" => o.labels = number()? as usize,
                "--seed" => o.seed = number()?,
                "--out" => o.out = PathBuf::from(value),
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        if o.out.as_os_str().is_empty() {
            return Err("--out FILE is required".to_string());
        }
        Ok(o)
    }
}

/// Generates the profile and writes it to `o.out` (gzipped unless `--uncompressed`).
pub fn run(o: &Options) -> Result<(), String> {
    let p = generate(o);
    if let Some(dir) = o.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let file = File::create(&o.out).map_err(|e| format!("{}: {e}", o.out.display()))?;
    let mut w = BufWriter::new(file);
    let written = if o.uncompressed {
        proto::encode_uncompressed(&p, &mut w)
    } else {
        proto::encode(&p, &mut w)
    };
    written
        .and_then(|()| std::io::Write::flush(&mut w))
        .map_err(|e| e.to_string())?;
    let size = std::fs::metadata(&o.out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wrote {} ({size} bytes): {} samples, {} locations, {} functions",
        o.out.display(),
        p.sample.len(),
        p.location.len(),
        p.function.len()
    );
    Ok(())
}

/// SplitMix64: small, fast and good enough to make synthetic data look irregular.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Skewed toward 0: the minimum of two uniform draws, cubed in effect by repeating, so a
    /// few items are hot and most are cold, as in real profiles.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        let c = self.below(n);
        a.min(b).min(c)
    }
}

const TEXT_START: u64 = 0x40_0000;
const LIBC_START: u64 = 0x7f00_0000_0000;

fn generate(o: &Options) -> Profile {
    let mut rng = Rng(o.seed);
    let mut p = Profile {
        sample_type: vec![
            ValueType::new("samples", "count"),
            ValueType::new("cpu", "nanoseconds"),
        ],
        period_type: Some(ValueType::new("cpu", "nanoseconds")),
        period: 10_000_000,
        time_nanos: 1_795_750_000_000_000_000,
        duration_nanos: 30_000_000_000,
        ..Profile::default()
    };
    p.mapping = mappings();
    p.function = functions(o.functions, &mut rng);
    p.location = locations(o.functions, &mut rng);
    let stacks = stacks(o, p.location.len(), &mut rng);
    let label_values = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
    ];
    for _ in 0..o.samples {
        let stack = &stacks[rng.skewed(stacks.len())];
        let count = 1 + rng.skewed(8) as i64;
        let mut s = Sample {
            location: stack.clone(),
            value: vec![count, count * p.period],
            ..Sample::default()
        };
        for k in 0..o.labels {
            let v = label_values[rng.skewed(label_values.len())];
            s.label.insert(format!("label{k}"), vec![v.to_string()]);
        }
        p.sample.push(s);
    }
    p
}

fn mappings() -> Vec<Mapping> {
    let mut main = Mapping::new(MappingId::new(1).expect("nonzero"));
    main.memory_start = TEXT_START;
    main.memory_limit = TEXT_START + 0x100_0000;
    main.filename = "/srv/bin/server".to_string();
    main.build_id = "4c2e1f0a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e".to_string();
    main.has_functions = true;
    let mut libc = Mapping::new(MappingId::new(2).expect("nonzero"));
    libc.memory_start = LIBC_START;
    libc.memory_limit = LIBC_START + 0x20_0000;
    libc.file_offset = 0x2_6000;
    libc.filename = "/usr/lib/x86_64-linux-gnu/libc.so.6".to_string();
    libc.build_id = "93ac61ec5a8eb1396f9fbd350e3169a558528a40".to_string();
    vec![main, libc]
}

fn functions(n: usize, rng: &mut Rng) -> Vec<Function> {
    const VERBS: [&str; 8] = [
        "Handle", "Encode", "Decode", "Write", "Read", "Merge", "Sort", "Scan",
    ];
    const NOUNS: [&str; 8] = [
        "Request", "Buffer", "Record", "Index", "Table", "Stream", "Frame", "Key",
    ];
    (1..=n as u64)
        .map(|id| {
            let pkg = id % 97;
            let name = format!(
                "github.com/example/service/pkg{pkg}.(*{}{}).{}{}",
                NOUNS[rng.below(8)],
                id % 13,
                VERBS[rng.below(8)],
                NOUNS[rng.below(8)]
            );
            Function {
                id: FunctionId::new(id).expect("nonzero"),
                system_name: name.clone(),
                name,
                filename: format!("/src/service/pkg{pkg}/file{}.go", id % 7),
                start_line: 10 + rng.below(2_000) as i64,
            }
        })
        .collect()
}

/// Two locations per function (two call sites); one in eight also inlines a callee.
fn locations(functions: usize, rng: &mut Rng) -> Vec<Location> {
    (1..=2 * functions as u64)
        .map(|id| {
            let f = (id - 1) / 2 + 1;
            let mut l = Location::new(LocationId::new(id).expect("nonzero"));
            l.mapping_id = MappingId::new(1);
            l.address = TEXT_START + id * 0x40 + rng.below(0x40) as u64;
            let line = |f: u64, rng: &mut Rng| Line {
                function_id: FunctionId::new(f),
                line: 20 + rng.below(3_000) as i64,
                column: 0,
            };
            if rng.below(8) == 0 {
                let callee = 1 + rng.below(functions) as u64;
                l.line.push(line(callee, rng));
            }
            l.line.push(line(f, rng));
            l
        })
        .collect()
}

/// `o.stacks` stacks, leaf first, of depth around `o.depth`. Each extends a prefix (from the
/// root) of an earlier stack, and callees tend to sit near their callers, so the stacks form a
/// call tree rather than a set of unrelated chains.
fn stacks(o: &Options, locations: usize, rng: &mut Rng) -> Vec<Vec<LocationId>> {
    let mut root_first: Vec<Vec<usize>> = Vec::with_capacity(o.stacks);
    for _ in 0..o.stacks {
        let depth = (o.depth / 2 + rng.below(o.depth + 1)).max(1);
        let mut frames = match root_first.len() {
            0 => vec![rng.below(4.min(locations))],
            n => {
                let parent = &root_first[n - 1 - rng.skewed(n)];
                parent[..1 + rng.below(parent.len())].to_vec()
            }
        };
        frames.truncate(depth);
        while frames.len() < depth {
            let prev = frames[frames.len() - 1];
            let next = if rng.below(2) == 0 {
                (prev + 1 + rng.below(8)) % locations
            } else {
                rng.skewed(locations)
            };
            frames.push(next);
        }
        root_first.push(frames);
    }
    root_first
        .into_iter()
        .map(|frames| {
            frames
                .iter()
                .rev()
                .map(|&i| LocationId::new(i as u64 + 1).expect("nonzero"))
                .collect()
        })
        .collect()
}
