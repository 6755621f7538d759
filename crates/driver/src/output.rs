//! Delivering a finished report: standard output, the `-output` file (written to a temporary
//! file and renamed, so no partial file is ever left), Graphviz rendering for image formats.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use ferroprof_report::OutputFormat;

use crate::command::{CommandName, Delivery};
use crate::error::{Error, Result};
use crate::ui::Ui;

/// Sends `report` (the writer's output for `command`) where it belongs.
pub fn deliver(
    report: Vec<u8>,
    command: CommandName,
    output: Option<&Path>,
    ui: &mut dyn Ui,
    stdout: &mut dyn Write,
) -> Result<()> {
    let delivery = command.delivery();
    let report = match delivery {
        Delivery::Graphviz(format) => run_dot(&report, format)?,
        Delivery::Viewer => {
            let Some((render, suffix, viewers)) = crate::viewer::plan(command) else {
                return Err(Error::Usage(format!(
                    "-{} opens a viewer, which ferroprof does not do yet; use -output with \
                     -svg, -dot or -callgrind instead",
                    command.name()
                )));
            };
            let report = match render {
                Some(format) => run_dot(&report, format)?,
                None => report,
            };
            if let Some(path) = output {
                ui.print_err(&format!("Generating report in {}", path.display()));
                return write_file(path, &report);
            }
            crate::viewer::show(&report, suffix, &viewers)?;
            return Ok(());
        }
        _ => report,
    };
    if let Some(path) = output {
        ui.print_err(&format!("Generating report in {}", path.display()));
        return write_file(path, &report);
    }
    let away = match delivery {
        Delivery::AwayFromTty(suffix) | Delivery::Graphviz(suffix) => Some(suffix),
        _ => None,
    };
    if let Some(suffix) = away.filter(|_| ui.is_terminal()) {
        let path = free_name(Path::new("."), "profile", suffix)?;
        ui.print_err(&format!("Generating report in {}", path.display()));
        return write_file(&path, &report);
    }
    stdout
        .write_all(&report)
        .and_then(|()| stdout.flush())
        .map_err(|source| Error::Write { path: None, source })
}

/// Whether the report of `command` goes to standard output as it is written rather than whole
/// at the end: reports that grow with the profile and whose writers fail only when output does
/// (`-traces` prints about 1.5 GB for the 100 MB benchmark profile; held in memory, that was most
/// of its peak RSS).
pub fn streams(command: CommandName) -> bool {
    command.delivery() == Delivery::Stdout
        && matches!(command.format(), OutputFormat::Traces | OutputFormat::Raw)
}

/// Runs `write` on `stdout` through a buffer. A failed write (a closed pipe) is returned as the
/// write error it is, whatever error the report writer turned it into.
pub fn stream(
    stdout: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let mut out = WriteFailure {
        inner: BufWriter::with_capacity(1 << 16, stdout),
        kind: None,
    };
    let result = write(&mut out).and_then(|()| {
        out.flush()
            .map_err(|source| Error::Write { path: None, source })
    });
    match out.kind {
        Some(kind) => Err(Error::Write {
            path: None,
            source: kind.into(),
        }),
        None => result,
    }
}

/// A writer that remembers the kind of its first failure.
struct WriteFailure<W: Write> {
    inner: W,
    kind: Option<std::io::ErrorKind>,
}

impl<W: Write> WriteFailure<W> {
    fn seen<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &result {
            self.kind.get_or_insert(e.kind());
        }
        result
    }
}

impl<W: Write> Write for WriteFailure<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.inner.write(buf);
        self.seen(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.inner.flush();
        self.seen(result)
    }
}

/// Writes `data` to `path` through a temporary file in the same directory and a rename.
pub fn write_file(path: &Path, data: &[u8]) -> Result<()> {
    let err = |source| Error::Write {
        path: Some(path.to_path_buf()),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(data).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// `<dir>/<prefix>NNN.<suffix>` for the first NNN (001, 002, …) not taken (pprof's
/// `newTempFile`).
pub(crate) fn free_name(dir: &Path, prefix: &str, suffix: &str) -> Result<PathBuf> {
    (1..10_000)
        .map(|n| dir.join(format!("{prefix}{n:03}.{suffix}")))
        .find(|p| !p.exists())
        .ok_or_else(|| Error::Usage(format!("could not create a file {prefix}NNN.{suffix}")))
}

/// Renders dot source with Graphviz (`dot -T<format>`).
pub(crate) fn run_dot(dot: &[u8], format: &str) -> Result<Vec<u8>> {
    let failed = |e: String| {
        Error::Report(format!(
            "failed to execute dot. Is Graphviz installed? Error: {e}"
        ))
    };
    let mut child = Process::new("dot")
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| failed(spawn_error(&e)))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| failed("no stdin".into()))?;
    let input = dot.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| failed(e.to_string()))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(failed(out.status.to_string()));
    }
    Ok(out.stdout)
}

/// Why `dot` did not start: Go's words (`exec: "dot": executable file not found in $PATH`) and
/// how to install Graphviz when it is missing.
fn spawn_error(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        "exec: \"dot\": executable file not found in $PATH (install Graphviz: \
         apt-get install graphviz, dnf install graphviz, brew install graphviz, \
         or https://graphviz.org/download/)"
            .to_string()
    } else {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_file_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_file(&path, b"one").unwrap();
        write_file(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(entries.len(), 1);
    }

    #[test]
    fn write_file_into_a_missing_directory_fails_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/out.txt");
        let err = write_file(&path, b"x").unwrap_err().to_string();
        assert!(err.starts_with(&path.display().to_string()), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn free_names_count_up() {
        let dir = tempfile::tempdir().unwrap();
        let first = free_name(dir.path(), "profile", "pb.gz").unwrap();
        assert!(first.ends_with("profile001.pb.gz"));
        std::fs::write(&first, b"").unwrap();
        assert!(free_name(dir.path(), "profile", "pb.gz")
            .unwrap()
            .ends_with("profile002.pb.gz"));
    }
}
