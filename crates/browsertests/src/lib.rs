//! Drives headless Chromium through chromedriver's WebDriver HTTP API (a small hand-written
//! client over `std::net`) against ferroprof's web UI served in-process.
//!
//! Run with `cargo test -p ferroprof-browsertests`; needs `chromium` and `chromedriver` on PATH
//! (Debian: `apt-get install chromium chromium-driver`). Screenshots land in
//! `target/browsertests/`.
#![deny(missing_docs)]

pub mod http;
pub mod webdriver;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ferroprof_driver::webui::{App, Server};
use ferroprof_driver::Config;
use ferroprof_profile::{Limits, Profile};

/// Whether chromium and chromedriver are installed (a loud skip otherwise; a failure in CI).
pub fn have_browser(test: &str) -> bool {
    ferroprof_testsupport::have_tool("chromium", "chromium", test)
        && ferroprof_testsupport::have_tool("chromedriver", "chromium-driver", test)
}

/// Parses a fixture profile (`go119/cpu.pb.gz`).
pub fn fixture_profile(rel: &str) -> Profile {
    load_profile(&ferroprof_testsupport::fixture(rel))
}

/// Parses the profile at `path`.
pub fn load_profile(path: &Path) -> Profile {
    let data = std::fs::read(path).expect("profile is readable");
    ferroprof_profile::parse(&data, &Limits::default()).expect("profile parses")
}

/// Serves the web UI over `profile` on a free loopback port, saving configs under `settings`.
pub fn serve(profile: Profile, settings: &Path) -> SocketAddr {
    let app = App::new(
        profile,
        Config::default(),
        Some(settings.join("pprof/settings.json")),
    );
    let server = Server::bind("127.0.0.1:0", app).expect("binds a loopback port");
    let addr = server.local_addr().expect("bound");
    std::thread::spawn(move || server.run());
    addr
}

/// Where screenshots and other artifacts go: `target/browsertests/`.
pub fn artifact_dir() -> PathBuf {
    let dir = ferroprof_testsupport::workspace_root().join("target/browsertests");
    std::fs::create_dir_all(&dir).expect("artifact directory");
    dir
}
