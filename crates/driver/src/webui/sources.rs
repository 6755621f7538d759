//! Source files for the web UI's Source view, confined to the source roots (`-source_path`
//! entries, else the working directory), canonicalised so that `..` and symlinks cannot leave
//! them. A refused file reads exactly like a missing one.

use std::io::{self, Read};
use std::path::PathBuf;

use ferroprof_report::SourceReader;

/// The most bytes read from one source file.
const MAX_SOURCE_BYTES: u64 = 16 << 20;

/// A [`SourceReader`] that only opens files under its roots.
#[derive(Debug, Clone)]
pub struct ConfinedSources {
    roots: Vec<PathBuf>,
    cwd: PathBuf,
}

impl ConfinedSources {
    /// Roots from `-source_path` (`:`-separated), or the working directory when it is empty.
    pub fn new(source_path: &str) -> ConfinedSources {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/nonexistent"));
        let listed: Vec<&str> = source_path.split(':').filter(|s| !s.is_empty()).collect();
        let roots = if listed.is_empty() {
            vec![cwd.clone()]
        } else {
            listed.iter().map(|r| cwd.join(r)).collect()
        };
        ConfinedSources {
            roots: roots.iter().filter_map(|r| r.canonicalize().ok()).collect(),
            cwd,
        }
    }

    fn allowed(&self, path: &str) -> Option<PathBuf> {
        let real = self.cwd.join(path).canonicalize().ok()?;
        self.roots
            .iter()
            .any(|root| real.starts_with(root))
            .then_some(real)
    }
}

impl SourceReader for ConfinedSources {
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        let not_found = || io::Error::new(io::ErrorKind::NotFound, path.to_string());
        let real = self.allowed(path).ok_or_else(not_found)?;
        let file = std::fs::File::open(&real).map_err(|_| not_found())?;
        if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
            return Err(not_found());
        }
        let mut data = Vec::new();
        file.take(MAX_SOURCE_BYTES).read_to_end(&mut data)?;
        Ok(data)
    }

    fn current_dir(&self) -> String {
        self.cwd.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_outside_the_roots_read_as_missing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("src");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("ok.go"), "package main\n").unwrap();
        let secret = dir.path().join("secret.txt");
        std::fs::write(&secret, "secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&secret, root.join("link.go")).unwrap();
        let sources = ConfinedSources::new(root.to_str().unwrap());
        assert_eq!(
            sources.read(root.join("ok.go").to_str().unwrap()).unwrap(),
            b"package main\n"
        );
        for bad in [
            secret.to_str().unwrap().to_string(),
            format!("{}/../secret.txt", root.display()),
            root.join("link.go").display().to_string(),
            root.display().to_string(),
        ] {
            let err = sources.read(&bad).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound, "{bad}");
        }
    }
}
