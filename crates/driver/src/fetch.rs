//! Getting the profile to report on: read each source, parse it, combine the sources, subtract
//! the base, and prepare the result as `go tool pprof`'s `fetchProfiles` does.

use std::io::Read;
use std::path::Path;

use ferroprof_profile::{ops, Mapping, MappingId, Profile};

use crate::error::{Error, Result};
use crate::source::Sources;
use crate::ui::Ui;

/// Reads, combines and prepares the profiles of `sources` (merged sources, minus the merged
/// base), ready for any number of reports.
pub fn fetch_profiles(sources: &Sources, ui: &mut dyn Ui) -> Result<Profile> {
    let mut profile = grab_all(&sources.sources, "source", sources, ui)?;
    if !sources.base.is_empty() {
        let base = grab_all(&sources.base, "base", sources, ui)?;
        let kind = if sources.diff_base {
            ops::BaseKind::DiffBase
        } else {
            ops::BaseKind::Base
        };
        profile = ops::subtract_base(profile, base, kind, sources.normalize)?;
    }
    // An invalid drop_frames expression is ignored, as go tool pprof ignores it.
    let _ = ops::remove_uninteresting(&mut profile);
    ops::unsource_mappings(&mut profile);
    if let Some(comment) = &sources.comment {
        profile.comments.push(comment.clone());
    }
    ferroprof_profile::check_valid(&profile)?;
    Ok(profile)
}

/// Reads every source of one list and combines them. Sources that fail are reported and left
/// out; when none can be read, the error of the first is returned.
fn grab_all(list: &[String], what: &str, sources: &Sources, ui: &mut dyn Ui) -> Result<Profile> {
    let mut profiles = Vec::with_capacity(list.len());
    let mut failures = Vec::new();
    for src in list {
        match grab(Path::new(src), sources) {
            Ok(p) => profiles.push(p),
            Err(e) => failures.push(e),
        }
    }
    if profiles.is_empty() {
        let mut failures = failures.into_iter();
        let first = failures
            .next()
            .ok_or_else(|| Error::Usage(format!("failed to fetch any {what} profiles")))?;
        for other in failures {
            ui.print_err(&other.to_string());
        }
        return Err(first);
    }
    if !failures.is_empty() {
        for failure in &failures {
            ui.print_err(&failure.to_string());
        }
        ui.print_err(&format!(
            "Fetched {} {what} profiles out of {}",
            profiles.len(),
            list.len()
        ));
    }
    Ok(ops::combine_profiles(&mut profiles)?)
}

/// Reads and parses one file within the limits, then applies the binary overrides of the
/// command line.
fn grab(path: &Path, sources: &Sources) -> Result<Profile> {
    let data = read_bounded(path, sources.max_profile_bytes)?;
    let mut profile = parse_in_time(data, sources, path)?.map_err(|source| match source {
        ferroprof_profile::Error::Limit { what, limit } => Error::Limit {
            path: path.to_path_buf(),
            what: what.to_string(),
            limit,
            flag: (what != "number of profile elements").then_some("max_decompressed_bytes"),
        },
        source => Error::Parse {
            path: path.to_path_buf(),
            source,
        },
    })?;
    locate_binaries(&mut profile, sources);
    Ok(profile)
}

/// Parses `data`; with `-parse_timeout`, on a worker thread that is abandoned (left to finish
/// within the size limits, its result dropped) when the time is up.
fn parse_in_time(
    data: Vec<u8>,
    sources: &Sources,
    path: &Path,
) -> Result<ferroprof_profile::Result<Profile>> {
    let Some(timeout) = sources.parse_timeout else {
        return Ok(ferroprof_profile::parse(&data, &sources.limits));
    };
    let (send, receive) = std::sync::mpsc::channel();
    let limits = sources.limits.clone();
    std::thread::spawn(move || {
        // The receiver is gone only after a timeout, when nobody wants the result.
        let _ = send.send(ferroprof_profile::parse(&data, &limits));
    });
    receive.recv_timeout(timeout).map_err(|_| Error::Timeout {
        path: path.to_path_buf(),
        seconds: timeout.as_secs(),
    })
}

/// The file's bytes, failing once more than `limit` bytes have been read.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let read_err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound && looks_like_url(path) {
            Error::Usage(format!(
                "{}: fetching profiles over HTTP is not supported yet; save the profile to a \
                 file (curl -o) and pass the file",
                path.display()
            ))
        } else {
            read_err(e)
        }
    })?;
    let mut data = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(read_err)?;
    if data.len() as u64 > limit {
        return Err(Error::Limit {
            path: path.to_path_buf(),
            what: "profile size".into(),
            limit,
            flag: Some("max_profile_bytes"),
        });
    }
    Ok(data)
}

/// Whether a source that is not a file would be a URL to `go tool pprof`: a `scheme://host`
/// or a `host:port[/path]`.
fn looks_like_url(path: &Path) -> bool {
    let text = path.to_string_lossy();
    if let Some((scheme, rest)) = text.split_once("://") {
        return !scheme.is_empty() && !rest.is_empty();
    }
    let host_port = text.split('/').next().unwrap_or("");
    match host_port.rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && port.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

/// Gives a profile without mappings one empty mapping holding every location (so symbolization
/// has a main binary to try), then applies `-buildid` and the binary argument to the first
/// mapping (pprof's `locateBinaries`).
fn locate_binaries(profile: &mut Profile, sources: &Sources) {
    if profile.mapping.is_empty() {
        let id = MappingId::new(1).expect("1 is a valid id");
        profile.mapping.push(Mapping::new(id));
        for loc in &mut profile.location {
            loc.mapping_id = Some(id);
        }
    }
    let main = &mut profile.mapping[0];
    if let Some(exec) = &sources.exec_name {
        main.filename = exec.clone();
    }
    if let Some(build_id) = &sources.build_id {
        main.build_id = build_id.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_apart_from_files() {
        for url in [
            "http://localhost:6060/debug/pprof/heap",
            "localhost:6060",
            "h:80/x",
        ] {
            assert!(looks_like_url(Path::new(url)), "{url}");
        }
        for file in ["cpu.pb.gz", "dir/cpu.pb.gz", "a:b/c", "/abs/path"] {
            assert!(!looks_like_url(Path::new(file)), "{file}");
        }
    }
}
