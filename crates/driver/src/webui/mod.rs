//! The web UI (`-http`): Go's routes under `/ui/` served from `std::net`, each view the report
//! pipeline run with the configuration from its URL.
//!
//! # Security model
//! - Loopback by default; a non-loopback bind is allowed as in Go but printed as a warning.
//! - Every request's `Host` must name the server (DNS rebinding), and with a loopback bind the
//!   peer must be local; state changes are `POST /ui/saveconfig` and `DELETE /ui/deleteconfig`
//!   only, and a foreign `Origin` is refused.
//! - Pages carry no inline script (`script-src 'self'`); profile strings are escaped for HTML,
//!   and JSON handed to scripts escapes `<`, `>` and `&`.
//! - The Source view reads files under the source roots only.

mod http;
mod page;
mod server;
mod settings;
mod sources;
mod views;

use std::path::PathBuf;

use ferroprof_profile::Profile;

use crate::config::Config;
use http::{make_query, Request, Response};
use page::SavedLink;

pub use server::{serve, Server};

/// The state every request reads: the fetched profile and the command line's configuration.
#[derive(Debug)]
pub struct App {
    profile: Profile,
    base: Config,
    settings: Option<PathBuf>,
}

impl App {
    /// A UI over `profile`, starting from `base`; saved configurations live at `settings`
    /// (`None`: pprof's location in the user's config directory).
    pub fn new(profile: Profile, base: Config, settings: Option<PathBuf>) -> App {
        App {
            profile,
            base,
            settings: settings.or_else(settings::default_path),
        }
    }

    /// Answers one request that passed the host and peer checks.
    fn route(&self, req: &Request) -> Response {
        let with_query = |path: &str| match req.query.as_str() {
            "" => path.to_string(),
            q => format!("{path}?{q}"),
        };
        let Some(rest) = req.path.strip_prefix("/ui") else {
            return match req.path.as_str() {
                "/" => Response::redirect(307, with_query("/ui")),
                _ => Response::text(404, "404 page not found"),
            };
        };
        match rest {
            "" => Response::redirect(301, with_query("/ui/")),
            "/saveconfig" => self.save_config(req),
            "/deleteconfig" => self.delete_config(req),
            "/flamegraph2" | "/flamegraphold" => Response::redirect(301, with_query("flamegraph")),
            _ if req.method != "GET" && req.method != "HEAD" => {
                Response::text(405, "method not allowed")
            }
            _ => self.view(req, rest),
        }
    }

    fn view(&self, req: &Request, rest: &str) -> Response {
        let result = match rest {
            "/" | "/graph" => self.graph(req),
            "/top" => self.top(req),
            "/flamegraph" => self.flamegraph(req),
            "/peek" => self.listing(req, "peek"),
            "/source" => self.listing(req, "source"),
            "/disasm" => self.listing(req, "disasm"),
            "/download" => Ok(self.download()),
            _ => match rest.strip_prefix("/assets/").and_then(asset) {
                Some((ty, body)) => Ok(Response::new(200, ty, body)),
                None => Err(Response::text(404, "404 page not found")),
            },
        };
        result.unwrap_or_else(|e| e)
    }

    fn save_config(&self, req: &Request) -> Response {
        if req.method != "POST" {
            return Response::text(405, "method not allowed");
        }
        let name = req.param("config").unwrap_or_default();
        if !settings::valid_name(&name) {
            return Response::text(400, "invalid config name");
        }
        let Some(path) = &self.settings else {
            return Response::text(500, "no user config directory");
        };
        let mut cfg = Config::default();
        let params = req.params();
        if let Err(e) = cfg.apply_url_params(|key| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        }) {
            return Response::text(400, &e.to_string());
        }
        match settings::save(path, &name, &cfg) {
            Ok(()) => Response::text(200, "saved"),
            Err(e) => Response::text(500, &e),
        }
    }

    fn delete_config(&self, req: &Request) -> Response {
        if req.method != "DELETE" {
            return Response::text(405, "method not allowed");
        }
        let name = req.param("config").unwrap_or_default();
        if !settings::valid_name(&name) {
            return Response::text(400, "invalid config name");
        }
        let Some(path) = &self.settings else {
            return Response::text(400, &format!("config {name} not found"));
        };
        match settings::delete(path, &name) {
            Ok(()) => Response::text(200, "deleted"),
            Err(e) => Response::text(400, &e),
        }
    }

    /// The Config menu's entries; the current one is the last whose URL matches `current`'s.
    fn saved_links(&self, current: &Config) -> Vec<SavedLink> {
        let saved = self
            .settings
            .as_deref()
            .and_then(|p| settings::load(p).ok())
            .unwrap_or_default();
        let here = current.url_params();
        let mut links: Vec<SavedLink> = saved
            .into_iter()
            .map(|(name, cfg)| {
                let params = cfg.url_params();
                SavedLink {
                    name,
                    current: params == here,
                    query: make_query(&params),
                }
            })
            .collect();
        if let Some(last) = links.iter().rposition(|l| l.current) {
            for (i, l) in links.iter_mut().enumerate() {
                l.current = i == last;
            }
        }
        links
    }
}

/// The embedded scripts and style sheet.
fn asset(name: &str) -> Option<(&'static str, &'static [u8])> {
    const JS: &str = "text/javascript; charset=utf-8";
    Some(match name {
        "style.css" => (
            "text/css; charset=utf-8",
            include_bytes!("assets/style.css"),
        ),
        "common.js" => (JS, include_bytes!("assets/common.js")),
        "top.js" => (JS, include_bytes!("assets/top.js")),
        "graph.js" => (JS, include_bytes!("assets/graph.js")),
        "flame.js" => (JS, include_bytes!("assets/flame.js")),
        _ => return None,
    })
}
