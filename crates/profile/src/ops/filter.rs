//! Sample filters by frame name (`-focus`, `-ignore`, `-hide`, `-show`, `-show_from`), by label
//! (`-tagfocus`, `-tagignore`) and label-key filters (`-tagshow`, `-taghide`).

use regex::Regex;

use crate::index::ProfileIndex;
use crate::model::{Line, Profile, Sample};

use super::names::Names;
use super::tagfilter::TagFilter;

/// Which of the name filters given to [`filter_samples_by_name`] matched something; `go tool
/// pprof` warns `<Option> expression matched no samples` for each given one that did not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NameMatches {
    /// Some location matched focus (always true without a focus, if there is any location).
    pub focus: bool,
    /// Some location matched ignore.
    pub ignore: bool,
    /// Some location matched hide.
    pub hide: bool,
    /// Some location kept a frame matching show.
    pub show: bool,
}

/// How one location fares under focus/ignore, and whether hide/show emptied it.
#[derive(Clone, Copy, Default)]
struct Verdict {
    /// `Some(true)` focused, `Some(false)` ignored, `None` neither.
    focus: Option<bool>,
    hidden: bool,
}

/// `Profile.FilterSamplesByName`: keeps the samples with a frame matching `focus` (every sample,
/// without one) and none matching `ignore`; removes the frames matching `hide` and those not
/// matching `show` from every location, then drops emptied locations from stacks and samples
/// left without frames.
///
/// A location matches when a frame's function name or file name, or its mapping's file, does.
/// As in Go 1.19, samples with no locations are always dropped, even with no filter at all.
pub fn filter_samples_by_name(
    profile: &mut Profile,
    focus: Option<&Regex>,
    ignore: Option<&Regex>,
    hide: Option<&Regex>,
    show: Option<&Regex>,
) -> NameMatches {
    let index = ProfileIndex::new(profile);
    let names = Names::new(&index, &profile.function, &profile.mapping);
    let mut matched = NameMatches::default();
    let mut verdicts = vec![Verdict::default(); profile.location.len()];
    let mut any_hidden = false;
    for (loc, verdict) in profile.location.iter_mut().zip(&mut verdicts) {
        if ignore.is_some_and(|re| names.location_matches(&loc.line, loc.mapping_id, re)) {
            matched.ignore = true;
            verdict.focus = Some(false);
        } else if focus.is_none_or(|re| names.location_matches(&loc.line, loc.mapping_id, re)) {
            matched.focus = true;
            verdict.focus = Some(true);
        }
        if let Some(re) = hide {
            if names.location_matches(&loc.line, loc.mapping_id, re) {
                matched.hide = true;
                if names.mapping_matches(loc.mapping_id, re) {
                    loc.line.clear();
                } else {
                    loc.line
                        .retain(|ln| names.line_matches(ln, re) != Some(true));
                }
                verdict.hidden |= loc.line.is_empty();
            }
        }
        if let Some(re) = show {
            if !names.mapping_matches(loc.mapping_id, re) {
                loc.line
                    .retain(|ln| names.line_matches(ln, re) != Some(false));
            }
            if loc.line.is_empty() {
                verdict.hidden = true;
            } else {
                matched.show = true;
            }
        }
        any_hidden |= verdict.hidden;
    }
    let verdict_of = |id| {
        index
            .location_pos(id)
            .map(|pos| verdicts[pos])
            .unwrap_or_default()
    };
    let any_ignored = matched.ignore;
    profile.sample.retain_mut(|s| {
        if !focused_and_not_ignored(s, &verdict_of, any_ignored) {
            return false;
        }
        if any_hidden {
            s.location.retain(|&id| !verdict_of(id).hidden);
        }
        !s.location.is_empty()
    });
    matched
}

/// Whether some location of the stack is focused and none is ignored (when no location of the
/// profile is, `any_ignored` is false and the first focused frame decides).
fn focused_and_not_ignored(
    s: &Sample,
    verdict_of: &impl Fn(crate::LocationId) -> Verdict,
    any_ignored: bool,
) -> bool {
    let mut focused = false;
    for &id in &s.location {
        match verdict_of(id).focus {
            Some(true) if !any_ignored => return true,
            Some(true) => focused = true,
            Some(false) => return false,
            None => {}
        }
    }
    focused
}

/// `Profile.ShowFrom`: drops every frame above (rootward of) the highest frame matching
/// `show_from`, in each location and in each stack; samples with no match are dropped. A match
/// of the mapping's file keeps the location whole. Returns whether anything matched.
pub fn show_from(profile: &mut Profile, show_from: &Regex) -> bool {
    let index = ProfileIndex::new(profile);
    let names = Names::new(&index, &profile.function, &profile.mapping);
    let mut matching = vec![false; profile.location.len()];
    for (loc, is_match) in profile.location.iter_mut().zip(&mut matching) {
        if names.mapping_matches(loc.mapping_id, show_from) {
            *is_match = true;
        } else if let Some(last) = last_matching_line(&names, &loc.line, show_from) {
            loc.line.truncate(last + 1);
            *is_match = true;
        }
    }
    let is_match = |id| index.location_pos(id).is_some_and(|pos| matching[pos]);
    profile
        .sample
        .retain_mut(|s| match s.location.iter().rposition(|&id| is_match(id)) {
            Some(highest) => {
                s.location.truncate(highest + 1);
                true
            }
            None => false,
        });
    matching.contains(&true)
}

/// The index of the last (outermost) line whose function matches.
fn last_matching_line(names: &Names, lines: &[Line], re: &Regex) -> Option<usize> {
    lines
        .iter()
        .rposition(|ln| names.line_matches(ln, re) == Some(true))
}

/// `Profile.FilterSamplesByTag`: keeps the samples `focus` accepts (all, without it) and
/// `ignore` does not. Returns whether any sample matched focus and whether any matched ignore.
pub fn filter_samples_by_tag(
    profile: &mut Profile,
    focus: Option<&TagFilter>,
    ignore: Option<&TagFilter>,
) -> (bool, bool) {
    let (mut focus_matched, mut ignore_matched) = (false, false);
    profile.sample.retain(|s| {
        let focused = focus.is_none_or(|f| f.matches(s));
        let ignored = ignore.is_some_and(|f| f.matches(s));
        focus_matched |= focused;
        ignore_matched |= ignored;
        focused && !ignored
    });
    (focus_matched, ignore_matched)
}

/// `Profile.FilterTagsByName` (`-tagshow`, `-taghide`): removes from every sample the string and
/// numeric label keys that `show` does not match or `hide` matches. Returns whether any key
/// matched show (always, without one, if any label exists) and whether any matched hide.
pub fn filter_tags_by_name(
    profile: &mut Profile,
    show: Option<&Regex>,
    hide: Option<&Regex>,
) -> (bool, bool) {
    let (mut show_matched, mut hide_matched) = (false, false);
    let mut remove = |key: &str| {
        let shown = show.is_none_or(|re| re.is_match(key));
        let hidden = hide.is_some_and(|re| re.is_match(key));
        show_matched |= shown;
        hide_matched |= hidden;
        !shown || hidden
    };
    for s in &mut profile.sample {
        s.label.retain(|key, _| !remove(key));
        let mut dropped = Vec::new();
        s.num_label.retain(|key, _| {
            let drop = remove(key);
            if drop {
                dropped.push(key.clone());
            }
            !drop
        });
        for key in dropped {
            s.num_unit.remove(&key);
        }
    }
    (show_matched, hide_matched)
}
