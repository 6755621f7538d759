//! `xtask parse FILE [raw|proto OUT]`: the library's own cost on one file, phase by phase, with
//! no driver around it (no merge, no filters), printed to standard error.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use ferroprof_profile::{parse, proto, write_raw, Limits};

/// Parses `args[0]`, then writes the raw dump to stdout (`raw`) or the profile to `args[2]`
/// (`proto`), timing each phase.
pub fn run(args: &[String]) -> Result<(), String> {
    let path = args.first().ok_or("parse needs a FILE")?;
    let start = Instant::now();
    let data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let read = start.elapsed();
    let p = parse(&data, &Limits::default()).map_err(|e| format!("{path}: {e}"))?;
    drop(data);
    let parsed = start.elapsed();
    match args.get(1).map(String::as_str) {
        Some("raw") => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            write_raw(&p, &mut out)
                .and_then(|()| out.flush())
                .map_err(|e| e.to_string())?;
        }
        Some("proto") => {
            let out = args.get(2).ok_or("proto needs an OUT file")?;
            let file = File::create(out).map_err(|e| format!("{out}: {e}"))?;
            let mut w = BufWriter::new(file);
            proto::encode(&p, &mut w)
                .and_then(|()| w.flush())
                .map_err(|e| e.to_string())?;
        }
        None => {}
        Some(other) => return Err(format!("unknown output {other}")),
    }
    let written = start.elapsed();
    eprintln!(
        "read {:.3}s, parse {:.3}s, output {:.3}s; {} samples",
        read.as_secs_f64(),
        (parsed - read).as_secs_f64(),
        (written - parsed).as_secs_f64(),
        p.sample.len()
    );
    // Freeing a large profile costs as much as building it; a command exits without it.
    std::mem::forget(p);
    Ok(())
}
