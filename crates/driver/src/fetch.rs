//! Getting the profile to report on: read each source, parse it, combine the sources, subtract
//! the base, and prepare the result as `go tool pprof`'s `fetchProfiles` does.

use std::path::{Path, PathBuf};

use ferroprof_profile::{ops, Limits, Mapping, MappingId, Profile};

use crate::error::{Error, Result};
use crate::source::Sources;
use crate::ui::Ui;

/// Reads, combines and prepares the profiles of `sources` (merged sources, minus the merged
/// base), ready for any number of reports.
pub fn fetch_profiles(sources: &Sources, limits: &Limits, ui: &mut dyn Ui) -> Result<Profile> {
    let mut profile = grab_all(&sources.sources, "source", sources, limits, ui)?;
    if !sources.base.is_empty() {
        let base = grab_all(&sources.base, "base", sources, limits, ui)?;
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
fn grab_all(
    list: &[String],
    what: &str,
    sources: &Sources,
    limits: &Limits,
    ui: &mut dyn Ui,
) -> Result<Profile> {
    let mut profiles = Vec::with_capacity(list.len());
    let mut failures = Vec::new();
    for src in list {
        match grab(Path::new(src), sources, limits) {
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

/// Reads and parses one file, then applies the binary overrides of the command line.
fn grab(path: &Path, sources: &Sources, limits: &Limits) -> Result<Profile> {
    let data = std::fs::read(path).map_err(|source| Error::Read {
        path: PathBuf::from(path),
        source,
    })?;
    let mut profile = ferroprof_profile::parse(&data, limits).map_err(|source| Error::Parse {
        path: PathBuf::from(path),
        source,
    })?;
    locate_binaries(&mut profile, sources);
    Ok(profile)
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
