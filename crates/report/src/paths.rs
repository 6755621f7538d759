//! Path handling with Go's `path/filepath` semantics on Unix (`Clean`, `Base`, `Dir`,
//! `SplitList`), and pprof's trimming of build paths in source file names.

/// The shortest equivalent of `path`: duplicate slashes, `.` and resolvable `..` elements removed;
/// empty becomes `.`.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for elem in path.split('/') {
        match elem {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(elem),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// The last element of `path`, trailing slashes removed; `.` for empty, `/` for only slashes.
pub fn base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// All but the last element of `path`, cleaned.
pub fn dir(path: &str) -> String {
    let head = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    clean(head)
}

/// `dir` and `path` joined and cleaned (an empty `dir` leaves `path` cleaned).
pub fn join(dir: &str, path: &str) -> String {
    match (dir.is_empty(), path.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean(path),
        (false, true) => clean(dir),
        (false, false) => clean(&format!("{dir}/{path}")),
    }
}

/// The elements of a `:`-separated list; an empty list has none.
pub fn split_list(list: &str) -> Vec<&str> {
    if list.is_empty() {
        Vec::new()
    } else {
        list.split(':').collect()
    }
}

/// Removes build-machine prefixes from a source path, as pprof does before showing or opening it.
/// With no `trim_path`, everything up to `/<base of a search dir>/` is removed; then the first
/// configured prefix (or `/proc/self/cwd/`) that matches is removed.
pub fn trim_path(path: &str, trim_path: &str, search_path: &str) -> String {
    if trim_path.is_empty() {
        for dir in split_list(search_path) {
            let want = format!("/{}/", base(dir));
            if let Some(found) = path.find(&want) {
                return path[found + want.len()..].to_string();
            }
        }
    }
    let mut prefixes: Vec<&str> = split_list(trim_path);
    prefixes.extend(["/proc/self/cwd/./", "/proc/self/cwd/"]);
    for prefix in prefixes {
        let prefix = if prefix.ends_with('/') {
            prefix.to_string()
        } else {
            format!("{prefix}/")
        };
        if let Some(rest) = path.strip_prefix(&prefix) {
            return rest.to_string();
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        assert_eq!(clean("a//b/./c/../d"), "a/b/d");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(clean("../../x"), "../../x");
        assert_eq!(clean(""), ".");
        assert_eq!(clean("/"), "/");
        assert_eq!(clean("a/.."), ".");
    }

    #[test]
    fn base_and_dir_match_go() {
        assert_eq!(base("/usr/bin/srv"), "srv");
        assert_eq!(base("srv/"), "srv");
        assert_eq!(base("///"), "/");
        assert_eq!(base(""), ".");
        assert_eq!(dir("/a/b"), "/a");
        assert_eq!(dir("b"), ".");
        assert_eq!(dir("/"), "/");
        assert_eq!(join("/a", "../b"), "/b");
    }

    #[test]
    fn trim_path_guesses_from_the_search_path() {
        assert_eq!(
            trim_path("/remote/myproj/pkg/a.go", "", "/local/myproj"),
            "pkg/a.go"
        );
        assert_eq!(trim_path("/proc/self/cwd/./x.go", "", ""), "x.go");
        assert_eq!(trim_path("/build/src/x.go", "/build", ""), "src/x.go");
        assert_eq!(trim_path("/other/x.go", "/build", ""), "/other/x.go");
    }
}
