//! Remote symbolization (pprof's symbolz protocol): the addresses of mappings without function
//! names are POSTed to the source server's `/debug/pprof/symbol` (or `symbolz`), whose
//! `0xADDR name` lines become one-line locations.

use std::collections::HashMap;

use ferroprof_profile::{Function, FunctionId, Line, Profile};
use regex::Regex;
use url::Url;

use crate::error::{Error, Result};
use crate::http::HttpClient;

/// The most bytes of a symbol server's answer read (a few hundred thousand symbols).
const MAX_SYMBOLS_BYTES: u64 = 64 << 20;

/// Where each mapping's profile came from, keyed by the mapping's build id or file (pprof's
/// `MappingSources`): the source URL and the mapping's start in that source.
#[derive(Clone, Debug, Default)]
pub struct MappingSources {
    entries: HashMap<String, Vec<(String, u64)>>,
}

impl MappingSources {
    /// Records the mappings of a profile fetched from `url`; a mapping with neither build id nor
    /// file is given the URL as its file, so it can be found (pprof's `collectMappingSources`;
    /// the name is cleared again after symbolization).
    pub fn collect(profile: &mut Profile, url: &str) -> MappingSources {
        let mut sources = MappingSources::default();
        for m in &mut profile.mapping {
            let key = if !m.build_id.is_empty() {
                m.build_id.clone()
            } else {
                if m.filename.is_empty() {
                    m.filename = url.to_string();
                }
                m.filename.clone()
            };
            sources
                .entries
                .entry(key)
                .or_default()
                .push((url.to_string(), m.memory_start));
        }
        sources
    }

    /// Adds the entries of `other`.
    pub fn extend(&mut self, other: MappingSources) {
        for (key, list) in other.entries {
            self.entries.entry(key).or_default().extend(list);
        }
    }

    fn for_mapping(&self, file: &str, build_id: &str) -> Vec<(String, u64)> {
        let mut list = self.entries.get(file).cloned().unwrap_or_default();
        if !build_id.is_empty() {
            list.extend(self.entries.get(build_id).cloned().unwrap_or_default());
        }
        list
    }
}

/// The symbol server of a profile URL: `…/debug/pprof/heap?debug=1` → `…/debug/pprof/symbol`
/// for net/http/pprof and gperftools paths, `…/../symbolz` otherwise; `None` for non-URLs.
pub fn symbol_url(source: &str) -> Option<String> {
    let mut url = Url::parse(source).ok().filter(|u| u.host_str().is_some())?;
    let path = url.path().to_string();
    let gperftools = [
        "/pprof/heap",
        "/pprof/growth",
        "/pprof/profile",
        "/pprof/pmuprofile",
        "/pprof/contention",
    ];
    let leaf = if path.contains("/debug/pprof/") || gperftools.iter().any(|s| path.ends_with(s)) {
        "symbol"
    } else {
        "symbolz"
    };
    let mut parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    parts.pop();
    parts.push(leaf);
    url.set_path(&format!("/{}", parts.join("/")));
    url.set_query(None);
    Some(url.to_string())
}

/// Symbolizes every mapping without function names (all with `force`) that came from a URL.
pub fn symbolize(
    profile: &mut Profile,
    sources: &MappingSources,
    force: bool,
    client: &HttpClient,
) -> Result<()> {
    for mi in 0..profile.mapping.len() {
        let m = &profile.mapping[mi];
        if (!force && m.has_functions) || unsymbolizable(&m.filename) {
            continue;
        }
        for (source, start) in sources.for_mapping(&m.filename, &m.build_id) {
            let Some(url) = symbol_url(&source) else {
                continue;
            };
            let offset = start.wrapping_sub(profile.mapping[mi].memory_start);
            symbolize_mapping(profile, mi, &url, offset, client)?;
            profile.mapping[mi].has_functions = true;
            break;
        }
    }
    Ok(())
}

/// Go's `Mapping.Unsymbolizable` (1.19): `[vdso]`-style names, `linux-vdso`, `/dev/dri/`.
fn unsymbolizable(file: &str) -> bool {
    let base = file.rsplit('/').next().unwrap_or(file);
    base.starts_with('[') || base.starts_with("linux-vdso") || file.starts_with("/dev/dri/")
}

/// Asks `url` for the names of one mapping's unsymbolized addresses (shifted by `offset` to the
/// source's layout) and gives each location its one line.
fn symbolize_mapping(
    profile: &mut Profile,
    mi: usize,
    url: &str,
    offset: u64,
    client: &HttpClient,
) -> Result<()> {
    let id = profile.mapping[mi].id;
    let addresses: Vec<String> = profile
        .location
        .iter()
        .filter(|l| l.mapping_id == Some(id) && l.address != 0 && l.line.is_empty())
        .map(|l| format!("{:#x}", l.address.wrapping_add(offset)))
        .collect();
    if addresses.is_empty() {
        return Ok(());
    }
    let answer = client.post(url, &addresses.join("+"), MAX_SYMBOLS_BYTES)?;
    let answer = String::from_utf8_lossy(&answer);
    let names = parse_symbols(&answer, offset)?;
    let mut functions: HashMap<&str, FunctionId> = HashMap::new();
    for loc in profile
        .location
        .iter_mut()
        .filter(|l| l.mapping_id == Some(id))
    {
        let Some(name) = names.get(&loc.address) else {
            continue;
        };
        let function_id = *functions.entry(name.as_str()).or_insert_with(|| {
            let fid = FunctionId::new(profile.function.len() as u64 + 1).expect("len + 1 > 0");
            let mut f = Function::new(fid);
            f.name = name.clone();
            f.system_name = name.clone();
            profile.function.push(f);
            fid
        });
        loc.line = vec![Line {
            function_id: Some(function_id),
            line: 0,
            column: 0,
        }];
    }
    Ok(())
}

/// The `0xADDR name` lines of a symbol server's answer, addresses shifted back by `offset`.
/// As in pprof, only complete (newline-terminated) lines count.
fn parse_symbols(answer: &str, offset: u64) -> Result<HashMap<u64, String>> {
    let line_re = Regex::new(r"^(0x[[:xdigit:]]+)\s+(.*)").expect("valid regex");
    let mut names = HashMap::new();
    let complete = answer.rfind('\n').map_or("", |end| &answer[..end]);
    for line in complete.split('\n') {
        let Some(c) = line_re.captures(line) else {
            continue;
        };
        let address = u64::from_str_radix(&c[1][2..], 16)
            .map_err(|e| Error::Fetch(format!("unexpected parse failure {}: {e}", &c[1])))?;
        names.insert(
            address.wrapping_sub(offset),
            c[2].trim_end_matches('\r').to_string(),
        );
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_urls_follow_the_profile_url() {
        assert_eq!(
            symbol_url("http://h:1/debug/pprof/heap?debug=1").as_deref(),
            Some("http://h:1/debug/pprof/symbol")
        );
        assert_eq!(
            symbol_url("http://h:1/pprof/profile?seconds=3").as_deref(),
            Some("http://h:1/pprof/symbol")
        );
        assert_eq!(
            symbol_url("http://h:1/other/x").as_deref(),
            Some("http://h:1/other/symbolz")
        );
        assert_eq!(symbol_url("cpu.pb.gz"), None);
    }

    #[test]
    fn symbol_answers_are_read_line_by_line() {
        let names = parse_symbols("num_symbols: 1\n0x10 main.f\n0x20 main.g\n0x30 cut", 0).unwrap();
        assert_eq!(names.len(), 2);
        assert_eq!(names[&0x10], "main.f");
        let shifted = parse_symbols("0x1010 main.f\n", 0x1000).unwrap();
        assert_eq!(shifted[&0x10], "main.f");
    }
}
