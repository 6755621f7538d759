//! Saved configurations in pprof's `settings.json` (`<user config dir>/pprof/settings.json`,
//! `{"configs":[{"name":…, "<option>":…}]}`), written atomically with mode 0600.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::config::Config;
use crate::flags::{Role, Value, FLAGS};

/// Where pprof keeps its settings: `$XDG_CONFIG_HOME/pprof/settings.json`, else
/// `$HOME/.config/pprof/settings.json` (Go's `os.UserConfigDir` on Unix).
pub fn default_path() -> Option<PathBuf> {
    let dir = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| Path::new(d).is_absolute())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(dir.join("pprof").join("settings.json"))
}

/// Whether `name` may name a saved configuration.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 100
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
}

/// The saved configurations, in file order. A missing file holds none.
pub fn load(path: &Path) -> Result<Vec<(String, Config)>, String> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("reading {}: {e}", path.display())),
    };
    let json: Json =
        serde_json::from_slice(&text).map_err(|e| format!("bad settings file: {e}"))?;
    let configs = json.get("configs").and_then(Json::as_array);
    Ok(configs
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let name = entry.get("name")?.as_str()?.to_string();
            Some((name, from_json(entry.as_object()?)))
        })
        .collect())
}

/// Saves `config` as `name`, replacing a configuration of that name.
pub fn save(path: &Path, name: &str, config: &Config) -> Result<(), String> {
    let mut all = raw_entries(path)?;
    let mut entry = to_json(config);
    entry.insert("name".into(), Json::String(name.into()));
    match all
        .iter_mut()
        .find(|e| e.get("name").and_then(Json::as_str) == Some(name))
    {
        Some(old) => *old = Json::Object(entry),
        None => all.push(Json::Object(entry)),
    }
    write(path, all)
}

/// Deletes the configuration `name`.
pub fn delete(path: &Path, name: &str) -> Result<(), String> {
    let mut all = raw_entries(path)?;
    let before = all.len();
    all.retain(|e| e.get("name").and_then(Json::as_str) != Some(name));
    if all.len() == before {
        return Err(format!("config {name} not found"));
    }
    write(path, all)
}

fn raw_entries(path: &Path) -> Result<Vec<Json>, String> {
    match std::fs::read(path) {
        Ok(text) => {
            let json: Json =
                serde_json::from_slice(&text).map_err(|e| format!("bad settings file: {e}"))?;
            Ok(json
                .get("configs")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("reading {}: {e}", path.display())),
    }
}

fn write(path: &Path, configs: Vec<Json>) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("writing {}: {e}", path.display());
    let dir = path.parent().ok_or("settings path has no directory")?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(fail)?;
    let mut doc = Map::new();
    doc.insert("configs".into(), Json::Array(configs));
    let text = serde_json::to_vec_pretty(&Json::Object(doc)).map_err(|e| e.to_string())?;
    let tmp = dir.join(format!(".settings.json.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options
        .open(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &text))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

/// The saved options of `config`, keyed by option name.
fn to_json(config: &Config) -> Map<String, Json> {
    let mut map = Map::new();
    for flag in FLAGS {
        if let Role::Option {
            get, saved: true, ..
        } = flag.role
        {
            let value = match get(config) {
                Value::Bool(b) => Json::Bool(b),
                Value::Int(i) => Json::from(i),
                Value::Float(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
                Value::Text(s) => Json::String(s),
            };
            map.insert(flag.name.into(), value);
        }
    }
    map
}

/// A configuration from a saved entry: pprof's defaults with the entry's known, valid options.
fn from_json(entry: &Map<String, Json>) -> Config {
    let mut config = Config::default();
    for flag in FLAGS {
        let Role::Option { saved: true, .. } = flag.role else {
            continue;
        };
        let text = match entry.get(flag.name) {
            Some(Json::Bool(b)) => b.to_string(),
            Some(Json::Number(n)) => n.to_string(),
            Some(Json::String(s)) => s.clone(),
            _ => continue,
        };
        // An entry some other version wrote with a value this one rejects keeps the default.
        let _ = config.set(flag.name, &text);
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_save_replace_load_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pprof/settings.json");
        let mut cfg = Config::default();
        cfg.set("focus", "main").unwrap();
        save(&path, "mine", &cfg).unwrap();
        cfg.set("nodecount", "7").unwrap();
        save(&path, "mine", &cfg).unwrap();
        save(&path, "other", &Config::default()).unwrap();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.len(), 2);
        assert_eq!(loaded[0].1.url_params(), cfg.url_params());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        delete(&path, "mine").unwrap();
        assert_eq!(delete(&path, "mine").unwrap_err(), "config mine not found");
        assert_eq!(load(&path).unwrap().len(), 1);
    }

    #[test]
    fn names_with_separators_are_rejected() {
        assert!(valid_name("fast view"));
        assert!(!valid_name("../x") && !valid_name("") && !valid_name("a\nb"));
    }
}
