//! Getting the profile to report on: read or download each source, parse it, combine the
//! sources, subtract the base, symbolize, and prepare the result as `go tool pprof`'s
//! `fetchProfiles` does (saving a copy of profiles that came over HTTP).

use std::io::Read;
use std::path::{Path, PathBuf};

use ferroprof_profile::{ops, Profile};

use crate::binaries::{self, LocalBinaries};
use crate::error::{Error, Result};
use crate::http::{adjust_url, HttpClient, RemoteSource};
use crate::source::Sources;
use crate::symbolz::MappingSources;
use crate::ui::Ui;

/// What fetching needs besides the profiles: the HTTP client (made on first use, as loading
/// TLS files can fail), the local binaries and where each mapping came from.
struct Fetcher<'a> {
    sources: &'a Sources,
    client: Option<HttpClient>,
    binaries: LocalBinaries,
    search_path: Vec<PathBuf>,
    mapping_sources: MappingSources,
    remote: bool,
}

/// Reads, combines and prepares the profiles of `sources` (merged sources, minus the merged
/// base), ready for any number of reports.
pub fn fetch_profiles(sources: &Sources, ui: &mut dyn Ui) -> Result<Profile> {
    let home = std::env::var("HOME").ok();
    let binary_path = std::env::var("PPROF_BINARY_PATH").ok();
    let mut fetcher = Fetcher {
        sources,
        client: None,
        binaries: LocalBinaries::default(),
        search_path: binaries::search_path(binary_path.as_deref(), home.as_deref()),
        mapping_sources: MappingSources::default(),
        remote: false,
    };
    let mut profile = fetcher.grab_all(&sources.sources, "source", ui)?;
    if !sources.base.is_empty() {
        let base = fetcher.grab_all(&sources.base, "base", ui)?;
        let kind = if sources.diff_base {
            ops::BaseKind::DiffBase
        } else {
            ops::BaseKind::Base
        };
        profile = ops::subtract_base(profile, base, kind, sources.normalize)?;
    }
    fetcher.symbolize(&mut profile, ui)?;
    // An invalid drop_frames expression is ignored, as go tool pprof ignores it.
    let _ = ops::remove_uninteresting(&mut profile);
    ops::unsource_mappings(&mut profile);
    if let Some(comment) = &sources.comment {
        profile.comments.push(comment.clone());
    }
    ferroprof_profile::check_valid(&profile)?;
    if fetcher.remote {
        crate::save::save_fetched(&profile, ui);
    }
    Ok(profile)
}

impl Fetcher<'_> {
    /// Reads every source of one list and combines them. Sources that fail are reported and
    /// left out; when none can be read, the error of the first is returned.
    fn grab_all(&mut self, list: &[String], what: &str, ui: &mut dyn Ui) -> Result<Profile> {
        let mut profiles = Vec::with_capacity(list.len());
        let mut failures = Vec::new();
        let mut downloads = self.download_all(list, ui)?.into_iter();
        for src in list {
            let result = match self.remote_source(src) {
                Some(remote) => {
                    let data = downloads.next().expect("one download per URL source");
                    self.grab_remote(src, &remote.url, data, ui)
                }
                None => self.grab_file(src, ui),
            };
            match result {
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

    /// The URL a source means (Go's `adjustURL`), or `None` for a file.
    fn remote_source(&self, src: &str) -> Option<RemoteSource> {
        let seconds = self.sources.seconds.and_then(|s| u64::try_from(s).ok());
        let timeout = self.sources.timeout.and_then(|s| u64::try_from(s).ok());
        adjust_url(src, seconds, timeout)
    }

    /// Downloads the URL sources of `list`, concurrently when there are several.
    fn download_all(&mut self, list: &[String], ui: &mut dyn Ui) -> Result<Vec<Result<Vec<u8>>>> {
        let remotes: Vec<RemoteSource> =
            list.iter().filter_map(|s| self.remote_source(s)).collect();
        if remotes.is_empty() {
            return Ok(Vec::new());
        }
        if self.client.is_none() {
            self.client = Some(HttpClient::new(&self.sources.tls)?);
        }
        let client = self.client.as_ref().expect("made above");
        let refs: Vec<&RemoteSource> = remotes.iter().collect();
        Ok(client.fetch_profiles(&refs, self.sources.max_profile_bytes, ui))
    }

    /// A local file: read, parsed and its binaries located.
    fn grab_file(&self, src: &str, ui: &mut dyn Ui) -> Result<Profile> {
        let path = Path::new(src);
        let data = read_bounded(path, self.sources.max_profile_bytes)?;
        let mut profile = parse(data, self.sources, path)?;
        self.locate_binaries(&mut profile, ui);
        Ok(profile)
    }

    /// A downloaded source: parsed, its binaries located and its mappings' origin recorded for
    /// remote symbolization.
    fn grab_remote(
        &mut self,
        src: &str,
        url: &str,
        data: Result<Vec<u8>>,
        ui: &mut dyn Ui,
    ) -> Result<Profile> {
        let data = data.map_err(|e| Error::Fetch(format!("{src}: {e}")))?;
        let mut profile = parse(data, self.sources, Path::new(src))?;
        self.locate_binaries(&mut profile, ui);
        self.mapping_sources
            .extend(MappingSources::collect(&mut profile, url));
        self.remote = true;
        Ok(profile)
    }

    fn locate_binaries(&self, profile: &mut Profile, ui: &mut dyn Ui) {
        binaries::locate(profile, &self.search_path, &self.binaries, ui);
        apply_binary_overrides(profile, self.sources);
    }

    /// pprof's `Symbolize`: local binaries, then the source servers, then demangling.
    fn symbolize(&mut self, profile: &mut Profile, ui: &mut dyn Ui) -> Result<()> {
        let mode = self.sources.symbolize;
        if mode.disabled {
            return Ok(());
        }
        let demangle = mode.demangle.for_symbolize();
        if mode.local {
            let options = ferroprof_symbolize::SymbolizeOptions {
                demangle,
                force: mode.force,
                style: mode.style,
            };
            let report = ferroprof_symbolize::symbolize_profile(profile, &self.binaries, options);
            for message in report.messages {
                ui.print_err(&message);
            }
        }
        if mode.remote && self.remote {
            let client = self.client.as_ref().expect("made for the remote sources");
            crate::symbolz::symbolize(profile, &self.mapping_sources, mode.force, client)?;
        }
        ferroprof_symbolize::demangle_profile(profile, demangle, mode.force);
        Ok(())
    }
}

/// Parses `data` of `path`, naming the source and the limit flag in errors.
fn parse(data: Vec<u8>, sources: &Sources, path: &Path) -> Result<Profile> {
    parse_in_time(data, sources, path)?.map_err(|source| match source {
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
    })
}

/// Parses `data`; with `-parse_timeout`, on a worker thread that is abandoned (left to finish
/// within the size limits, its result dropped) when the time is up.
fn parse_in_time(
    data: Vec<u8>,
    sources: &Sources,
    path: &Path,
) -> Result<ferroprof_profile::Result<Profile>> {
    let Some(timeout) = sources.parse_timeout else {
        return Ok(ferroprof_profile::parse_owned(data, &sources.limits));
    };
    let (send, receive) = std::sync::mpsc::channel();
    let limits = sources.limits.clone();
    std::thread::spawn(move || {
        // The receiver is gone only after a timeout, when nobody wants the result.
        let _ = send.send(ferroprof_profile::parse_owned(data, &limits));
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
    let file = std::fs::File::open(path).map_err(read_err)?;
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

/// The end of pprof's `locateBinaries`: a profile without mappings gets one, and the binary
/// argument and `-buildid` apply to the first mapping.
fn apply_binary_overrides(profile: &mut Profile, sources: &Sources) {
    ops::add_fake_mapping(profile);
    let main = &mut profile.mapping[0];
    if let Some(exec) = &sources.exec_name {
        main.filename = exec.clone();
    }
    if let Some(build_id) = &sources.build_id {
        main.build_id = build_id.clone();
    }
}
