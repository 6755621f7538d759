//! Saving a copy of profiles fetched over HTTP, as `go tool pprof` does: in `$PPROF_TMPDIR`,
//! else `$HOME/pprof`, else the temp directory, as `pprof.<binary>.<types>.NNN.pb.gz`.

use std::io::Write;
use std::path::{Path, PathBuf};

use ferroprof_profile::Profile;

use crate::ui::Ui;

/// The most files of one name pattern tried (`NNN` up to 9999, as Go's `newTempFile`).
const MAX_INDEX: u32 = 10_000;

/// Saves `profile` and prints where (`Saved profile in …`), or why it could not be saved
/// (`Could not save profile: …`); a failure to save is not a failure of the report.
pub fn save_fetched(profile: &Profile, ui: &mut dyn Ui) {
    let dirs = candidate_dirs(
        std::env::var_os("PPROF_TMPDIR").map(PathBuf::from),
        std::env::var_os("HOME").map(PathBuf::from),
    );
    let Some(dir) = dirs.iter().find(|dir| match std::fs::create_dir_all(dir) {
        Ok(()) => true,
        Err(e) => {
            ui.print_err(&format!("Could not use temp dir {}: {e}", dir.display()));
            false
        }
    }) else {
        ui.print_err("Could not save profile: failed to identify temp dir");
        return;
    };
    let mut data = Vec::new();
    let saved = ferroprof_profile::proto::encode(profile, &mut data)
        .and_then(|()| write_new(dir, &file_prefix(profile), ".pb.gz", &data));
    match saved {
        Ok(path) => ui.print_err(&format!("Saved profile in {}", path.display())),
        Err(e) => ui.print_err(&format!("Could not save profile: {e}")),
    }
}

/// `$PPROF_TMPDIR`, `$HOME/pprof`, then the system temp directory; empty values are skipped.
fn candidate_dirs(tmpdir: Option<PathBuf>, home: Option<PathBuf>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    dirs.extend(tmpdir.filter(|d| !d.as_os_str().is_empty()));
    dirs.extend(
        home.filter(|d| !d.as_os_str().is_empty())
            .map(|h| h.join("pprof")),
    );
    dirs.push(std::env::temp_dir());
    dirs
}

/// `pprof.<basename of the first mapping>.<type>.<type>….` (the binary part only when known).
fn file_prefix(profile: &Profile) -> String {
    let mut prefix = String::from("pprof.");
    if let Some(m) = profile.mapping.first().filter(|m| !m.filename.is_empty()) {
        let base = Path::new(&m.filename)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| m.filename.clone());
        prefix.push_str(&base);
        prefix.push('.');
    }
    for t in &profile.sample_type {
        prefix.push_str(&t.r#type);
        prefix.push('.');
    }
    prefix
}

/// Writes `data` to the first free `<dir>/<prefix>NNN<suffix>`: into a temporary file first,
/// then linked under the final name, which fails rather than replace a file another process
/// created meanwhile; so the name is never taken twice and never half-written.
fn write_new(dir: &Path, prefix: &str, suffix: &str, data: &[u8]) -> std::io::Result<PathBuf> {
    let tmp = dir.join(format!(".{prefix}{}.tmp", std::process::id()));
    let written =
        std::fs::File::create(&tmp).and_then(|mut f| f.write_all(data).and_then(|()| f.sync_all()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let mut result = Err(std::io::Error::other(format!(
        "could not create file of the form {prefix}NNN{suffix}"
    )));
    for index in 1..MAX_INDEX {
        let path = dir.join(format!("{prefix}{index:03}{suffix}"));
        match std::fs::hard_link(&tmp, &path) {
            Ok(()) => {
                result = Ok(path);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let _ = std::fs::remove_file(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_files_count_up_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_new(dir.path(), "pprof.app.cpu.", ".pb.gz", b"one").unwrap();
        let second = write_new(dir.path(), "pprof.app.cpu.", ".pb.gz", b"two").unwrap();
        assert!(first.ends_with("pprof.app.cpu.001.pb.gz"), "{first:?}");
        assert!(second.ends_with("pprof.app.cpu.002.pb.gz"), "{second:?}");
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn save_dirs_in_gos_order() {
        let dirs = candidate_dirs(Some("/t".into()), Some("/h".into()));
        assert_eq!(dirs[..2], [PathBuf::from("/t"), PathBuf::from("/h/pprof")]);
        assert_eq!(
            candidate_dirs(Some("".into()), None),
            [std::env::temp_dir()]
        );
    }

    #[test]
    fn the_prefix_names_the_binary_and_the_sample_types() {
        let profile = ferroprof_profile::parse(
            &std::fs::read(ferroprof_testsupport::fixture("go119/heap.pb.gz")).unwrap(),
            &ferroprof_profile::Limits::default(),
        )
        .unwrap();
        let prefix = file_prefix(&profile);
        assert!(prefix.starts_with("pprof."), "{prefix}");
        assert!(
            prefix.ends_with(".alloc_objects.alloc_space.inuse_objects.inuse_space."),
            "{prefix}"
        );
    }
}
