//! Reports shown in an external program (`web`, `eog`, `evince`, `gv`, `kcachegrind`,
//! `weblist`): the report is written to a temporary file and the first viewer that starts is
//! given it, as pprof's `invokeVisualizer` does.

use std::path::PathBuf;
use std::process::Command as Process;

use crate::command::CommandName;
use crate::error::{Error, Result};

/// The Graphviz format a viewer command renders to, if any, and the viewers to try.
pub fn plan(command: CommandName) -> Option<(Option<&'static str>, &'static str, Vec<String>)> {
    use CommandName::*;
    Some(match command {
        Web => (Some("svg"), "svg", browsers()),
        Eog => (Some("svg"), "svg", vec!["eog".into()]),
        Evince => (Some("pdf"), "pdf", vec!["evince".into()]),
        Gv => (Some("ps"), "ps", vec!["gv --noantialias".into()]),
        Kcachegrind => (None, "grind", vec!["kcachegrind".into()]),
        WebList => (None, "html", browsers()),
        _ => return None,
    })
}

/// `$BROWSER`, `xdg-open` on a desktop, then the common browsers (pprof's `browsers`).
fn browsers() -> Vec<String> {
    let mut list = Vec::new();
    if let Some(browser) = std::env::var("BROWSER").ok().filter(|b| !b.is_empty()) {
        list.push(browser);
    }
    if std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) {
        list.push("xdg-open".into());
    }
    list.extend(
        [
            "chrome",
            "google-chrome",
            "chromium",
            "firefox",
            "sensible-browser",
        ]
        .map(String::from),
    );
    list
}

/// Writes `report` to a new `pprofNNN.<suffix>` in the temp directory and starts the first
/// viewer that can be started on it, without waiting for it; without one, fails naming what
/// was tried.
pub fn show(report: &[u8], suffix: &str, viewers: &[String]) -> Result<PathBuf> {
    let path = crate::output::free_name(&std::env::temp_dir(), "pprof", suffix)?;
    crate::output::write_file(&path, report)?;
    for viewer in viewers {
        let mut words = viewer.split_whitespace();
        let Some(program) = words.next() else {
            continue;
        };
        // The viewer runs on its own (so the shell can go on); its exit status is its business.
        if Process::new(program).args(words).arg(&path).spawn().is_ok() {
            return Ok(path);
        }
    }
    Err(Error::Usage(format!(
        "{}: could not start a viewer (tried {}); set BROWSER or open the file yourself",
        path.display(),
        viewers.join(", ")
    )))
}
