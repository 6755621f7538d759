//! Local binaries for symbolization: finding each mapping's object file as pprof's
//! `locateBinaries` does (`PPROF_BINARY_PATH`, build-id layouts, debug-file layouts), and
//! opening them, once each, for ferroprof-symbolize.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ferroprof_profile::{Mapping, Profile};
use ferroprof_symbolize::{BinaryLookup, ObjectSymbolizer};

use crate::ui::Ui;

/// The directories of `PPROF_BINARY_PATH` (list-separated); unset or empty means
/// `$HOME/pprof/binaries`, as in Go.
pub fn search_path(value: Option<&str>, home: Option<&str>) -> Vec<PathBuf> {
    match value.filter(|v| !v.is_empty()) {
        Some(list) => std::env::split_paths(list).collect(),
        None => vec![Path::new(home.unwrap_or("")).join("pprof").join("binaries")],
    }
}

/// The files pprof tries for `mapping` in `dir`, in its order: by build id
/// (`dir/ID/base`, `dir/ID/*`, `dir/FILE/ID`, `dir/I/D.debug`), then by name (`dir/base`,
/// `dir/FILE`, `dir/FILE.debug`, `dir/DIR/.debug/base.debug`, `dir/usr/lib/debug/DIR/base.debug`).
fn candidates(dir: &Path, mapping: &Mapping) -> Vec<PathBuf> {
    let file = mapping.filename.as_str();
    let path = Path::new(file);
    let base = path.file_name().map(PathBuf::from).unwrap_or_default();
    let parent = path.parent().unwrap_or(Path::new(""));
    let under = |p: &Path| dir.join(p.strip_prefix("/").unwrap_or(p));
    let mut names = Vec::new();
    let id = mapping.build_id.as_str();
    if !id.is_empty() {
        names.push(dir.join(id).join(&base));
        if let Ok(entries) = std::fs::read_dir(dir.join(id)) {
            let mut inside: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            inside.sort();
            names.extend(inside);
        }
        names.push(under(path).join(id));
        if let (Some(head), Some(tail)) = (id.get(..2), id.get(2..)) {
            names.push(dir.join(head).join(format!("{tail}.debug")));
        }
    }
    if !file.is_empty() {
        let base_debug = format!("{}.debug", base.to_string_lossy());
        names.push(dir.join(&base));
        names.push(under(path));
        names.push(under(Path::new(&format!("{file}.debug"))));
        names.push(under(parent).join(".debug").join(&base_debug));
        names.push(
            dir.join("usr/lib/debug")
                .join(parent.strip_prefix("/").unwrap_or(parent))
                .join(&base_debug),
        );
    }
    names
}

/// Points each mapping at a local copy of its binary found under `search_path`, as pprof's
/// `locateBinaries` does; a copy whose build id differs is skipped with Go's message.
pub fn locate(
    profile: &mut Profile,
    search_path: &[PathBuf],
    objects: &LocalBinaries,
    ui: &mut dyn Ui,
) {
    for mapping in &mut profile.mapping {
        'search: for dir in search_path {
            for name in candidates(dir, mapping) {
                let Ok(object) = objects.object(&name) else {
                    continue;
                };
                let found = object.build_id().unwrap_or("");
                if !mapping.build_id.is_empty() && mapping.build_id != found {
                    ui.print_err(&format!(
                        "Ignoring local file {}: build-id mismatch ({} != {found})",
                        name.display(),
                        mapping.build_id
                    ));
                    continue;
                }
                mapping.filename = name.display().to_string();
                break 'search;
            }
        }
    }
}

/// Object files opened from the file system, each once; a [`BinaryLookup`] that opens a
/// mapping's `filename` (after [`locate`] has pointed it at a local file).
#[derive(Debug, Default)]
pub struct LocalBinaries {
    opened: Mutex<HashMap<PathBuf, Option<Arc<ObjectSymbolizer>>>>,
}

impl LocalBinaries {
    /// The object at `path`, opened on first use (a failure is remembered too).
    pub(crate) fn object(&self, path: &Path) -> ferroprof_symbolize::Result<Arc<ObjectSymbolizer>> {
        let mut opened = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = opened.get(path) {
            return known.clone().ok_or_else(|| not_found(path));
        }
        if !path.is_file() {
            opened.insert(path.to_path_buf(), None);
            return Err(not_found(path));
        }
        let result = ObjectSymbolizer::open(path).map(Arc::new);
        opened.insert(path.to_path_buf(), result.as_ref().ok().cloned());
        result
    }
}

fn not_found(path: &Path) -> ferroprof_symbolize::Error {
    ferroprof_symbolize::Error::NoBinary {
        file: path.display().to_string(),
        build_id: String::new(),
    }
}

impl BinaryLookup for LocalBinaries {
    fn open(&self, mapping: &Mapping) -> ferroprof_symbolize::Result<Arc<ObjectSymbolizer>> {
        self.object(Path::new(&mapping.filename))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroprof_profile::MappingId;

    fn mapping(file: &str, build_id: &str) -> Mapping {
        let mut m = Mapping::new(MappingId::new(1).unwrap());
        m.filename = file.into();
        m.build_id = build_id.into();
        m
    }

    #[test]
    fn candidates_follow_pprofs_layouts_in_order() {
        let names = candidates(Path::new("/b"), &mapping("/usr/bin/app", "abcd"));
        let names: Vec<String> = names.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            names,
            [
                "/b/abcd/app",
                "/b/usr/bin/app/abcd",
                "/b/ab/cd.debug",
                "/b/app",
                "/b/usr/bin/app",
                "/b/usr/bin/app.debug",
                "/b/usr/bin/.debug/app.debug",
                "/b/usr/lib/debug/usr/bin/app.debug",
            ]
        );
        assert!(candidates(Path::new("/b"), &mapping("", "")).is_empty());
    }

    #[test]
    fn search_path_defaults_to_home_pprof_binaries() {
        assert_eq!(
            search_path(None, Some("/h")),
            [PathBuf::from("/h/pprof/binaries")]
        );
        assert_eq!(
            search_path(Some("/a:/b"), Some("/h")),
            [PathBuf::from("/a"), PathBuf::from("/b")]
        );
    }

    #[test]
    fn a_binary_in_the_search_path_replaces_the_mapping_file() {
        let dir = tempfile::tempdir().unwrap();
        let exe = std::env::current_exe().unwrap();
        std::fs::copy(&exe, dir.path().join("app")).unwrap();
        let mut profile = Profile::default();
        profile.mapping.push(mapping("/somewhere/else/app", ""));
        let mut ui = crate::ui::CapturedUi::default();
        locate(
            &mut profile,
            &[dir.path().to_path_buf()],
            &LocalBinaries::default(),
            &mut ui,
        );
        assert_eq!(
            profile.mapping[0].filename,
            dir.path().join("app").display().to_string()
        );
        profile.mapping[0].filename = "/somewhere/else/app".into();
        profile.mapping[0].build_id = "00ff".into();
        locate(
            &mut profile,
            &[dir.path().to_path_buf()],
            &LocalBinaries::default(),
            &mut ui,
        );
        assert_eq!(profile.mapping[0].filename, "/somewhere/else/app");
        assert!(
            ui.messages[0].contains("build-id mismatch (00ff != "),
            "{:?}",
            ui.messages
        );
    }
}
