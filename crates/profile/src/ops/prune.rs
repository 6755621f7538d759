//! Removing frames: `Profile.Prune` and `RemoveUninteresting` (the profile's drop_frames and
//! keep_frames) and `Profile.PruneFrom` (`-prune_from`).

use regex::Regex;

use crate::error::{Error, Result};
use crate::index::ProfileIndex;
use crate::model::Profile;

use super::names::Names;

/// Names containing `(` that are not the start of an argument list.
const RESERVED_NAMES: [&str; 2] = ["(anonymous namespace)", "operator()"];

/// A function name with a leading `.` (PPC64 ELFv1) and its argument list removed, as pprof's
/// `simplifyFunc` does before matching drop/keep frames: `foo(int)` → `foo`, while
/// `(anonymous namespace)::bar` and `operator()` keep their parentheses.
pub fn simplify_function_name(name: &str) -> &str {
    let name = name.strip_prefix('.').unwrap_or(name);
    let mut i = 0;
    while i < name.len() {
        let rest = &name[i..];
        if let Some(reserved) = RESERVED_NAMES.iter().find(|r| rest.starts_with(**r)) {
            i += reserved.len();
        } else if rest.starts_with('(') {
            return &name[..i];
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    name
}

/// How pruning treats one location.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Cut {
    #[default]
    Keep,
    /// Its outermost frame matched: the location goes, and everything beneath it.
    Whole,
    /// An inner frame matched: the location stays (trimmed), everything beneath it goes.
    Beneath,
}

/// `Profile.Prune`: in each location, removes the frames up to and including the outermost one
/// whose simplified function name `drop` matches (anchor it yourself) and `keep` does not; in
/// each stack, scanning from the root past the frames before the first unaffected one, cuts
/// everything beneath the first affected location (and that location too when all its frames
/// went).
pub fn prune(profile: &mut Profile, drop: &Regex, keep: Option<&Regex>) {
    let index = ProfileIndex::new(profile);
    let names = Names::new(&index, &profile.function, &profile.mapping);
    let mut cuts = vec![Cut::Keep; profile.location.len()];
    for (loc, cut) in profile.location.iter_mut().zip(&mut cuts) {
        let hit = loc.line.iter().rposition(|ln| {
            names.function(ln).is_some_and(|f| {
                let name = simplify_function_name(&f.name);
                !f.name.is_empty() && drop.is_match(name) && !keep.is_some_and(|k| k.is_match(name))
            })
        });
        match hit {
            Some(i) if i + 1 == loc.line.len() => *cut = Cut::Whole,
            Some(i) => {
                loc.line.drain(..=i);
                *cut = Cut::Beneath;
            }
            None => {}
        }
    }
    let cut_of = |id| index.location_pos(id).map_or(Cut::Keep, |pos| cuts[pos]);
    for s in &mut profile.sample {
        let mut found_user = false;
        for i in (0..s.location.len()).rev() {
            match cut_of(s.location[i]) {
                Cut::Keep => found_user = true,
                _ if !found_user => {}
                Cut::Whole => {
                    s.location.drain(..=i);
                    break;
                }
                Cut::Beneath => {
                    s.location.drain(..i);
                    break;
                }
            }
        }
    }
}

/// `Profile.RemoveUninteresting`: [`prune`] with the profile's own `drop_frames` and
/// `keep_frames`, each anchored as `^(…)$`; nothing happens without drop_frames. An invalid
/// expression gives Go's `failed to compile regexp …` (which `go tool pprof` ignores).
pub fn remove_uninteresting(profile: &mut Profile) -> Result<()> {
    if profile.drop_frames.is_empty() {
        return Ok(());
    }
    let compile = |rx: &str| {
        Regex::new(&format!("^({rx})$"))
            .map_err(|e| Error::InvalidArgument(format!("failed to compile regexp {rx}: {e}")))
    };
    let drop = compile(&profile.drop_frames)?;
    let keep = match profile.keep_frames.as_str() {
        "" => None,
        rx => Some(compile(rx)?),
    };
    prune(profile, &drop, keep.as_ref());
    Ok(())
}

/// `Profile.PruneFrom` (`-prune_from`): in each location, removes the frames inside the first
/// (innermost) one whose simplified function name `from` matches; in each stack, removes the
/// locations beneath (leafward of) the lowest such location.
pub fn prune_from(profile: &mut Profile, from: &Regex) {
    let index = ProfileIndex::new(profile);
    let names = Names::new(&index, &profile.function, &profile.mapping);
    let mut cut = vec![false; profile.location.len()];
    for (loc, cut) in profile.location.iter_mut().zip(&mut cut) {
        let hit = loc.line.iter().position(|ln| {
            names.function(ln).is_some_and(|f| {
                !f.name.is_empty() && from.is_match(simplify_function_name(&f.name))
            })
        });
        if let Some(i) = hit {
            loc.line.drain(..i);
            *cut = true;
        }
    }
    for s in &mut profile.sample {
        let lowest = s
            .location
            .iter()
            .position(|&id| index.location_pos(id).is_some_and(|p| cut[p]));
        if let Some(i) = lowest {
            s.location.drain(..i);
        }
    }
}
