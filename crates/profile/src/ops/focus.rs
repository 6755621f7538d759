//! The driver's `applyFocus`: every sample and frame filter of one report, compiled once and
//! applied in `go tool pprof`'s order, with its warnings returned as values.

use regex::Regex;

use crate::error::{Error, Result};
use crate::model::Profile;

use super::filter::{
    filter_samples_by_name, filter_samples_by_tag, filter_tags_by_name, show_from,
};
use super::labels::NumLabelUnits;
use super::prune::prune_from;
use super::tagfilter::TagFilter;

/// The filter options as typed (`-focus=…` and friends); empty means not set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterOptions {
    /// `focus`: keep samples with a matching frame.
    pub focus: String,
    /// `ignore`: drop samples with a matching frame.
    pub ignore: String,
    /// `hide`: remove matching frames.
    pub hide: String,
    /// `show`: keep only matching frames.
    pub show: String,
    /// `show_from`: drop frames above the highest match.
    pub show_from: String,
    /// `tagfocus`: keep samples whose labels match.
    pub tagfocus: String,
    /// `tagignore`: drop samples whose labels match.
    pub tagignore: String,
    /// `tagshow`: keep only matching label keys.
    pub tagshow: String,
    /// `taghide`: remove matching label keys.
    pub taghide: String,
    /// `prune_from`: drop frames beneath the lowest match.
    pub prune_from: String,
}

/// [`FilterOptions`] compiled: regexps and tag filters, ready to apply to profiles.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    focus: Option<Regex>,
    ignore: Option<Regex>,
    hide: Option<Regex>,
    show: Option<Regex>,
    show_from: Option<Regex>,
    tagfocus: Option<TagFilter>,
    tagignore: Option<TagFilter>,
    tagshow: Option<Regex>,
    taghide: Option<Regex>,
    prune_from: Option<Regex>,
}

/// Compiles one regexp option: `None` when empty; errors read `parsing <name> regexp: …`.
pub fn compile_regex_option(name: &str, value: &str) -> Result<Option<Regex>> {
    if value.is_empty() {
        return Ok(None);
    }
    Regex::new(value)
        .map(Some)
        .map_err(|e| Error::InvalidArgument(format!("parsing {name} regexp: {e}")))
}

fn compile_tag_option(name: &str, value: &str, units: &NumLabelUnits) -> Result<Option<TagFilter>> {
    if value.is_empty() {
        return Ok(None);
    }
    TagFilter::compile(name, value, units).map(Some)
}

impl Filters {
    /// Compiles the options in Go's order, so the first invalid one is the error reported.
    /// `units` are the profile's numeric label units ([`num_label_units`](super::num_label_units)).
    pub fn compile(options: &FilterOptions, units: &NumLabelUnits) -> Result<Filters> {
        let o = options;
        Ok(Filters {
            focus: compile_regex_option("focus", &o.focus)?,
            ignore: compile_regex_option("ignore", &o.ignore)?,
            hide: compile_regex_option("hide", &o.hide)?,
            show: compile_regex_option("show", &o.show)?,
            show_from: compile_regex_option("show_from", &o.show_from)?,
            tagfocus: compile_tag_option("tagfocus", &o.tagfocus, units)?,
            tagignore: compile_tag_option("tagignore", &o.tagignore, units)?,
            prune_from: compile_regex_option("prune_from", &o.prune_from)?,
            tagshow: compile_regex_option("tagshow", &o.tagshow)?,
            taghide: compile_regex_option("taghide", &o.taghide)?,
        })
    }

    /// The notices `go tool pprof` prints while compiling: `<option>:Interpreted '<value>' as
    /// range, not regexp` for each tag filter read as a numeric range.
    pub fn notices(&self, options: &FilterOptions) -> Vec<String> {
        let mut out = Vec::new();
        for (name, filter, value) in [
            ("tagfocus", &self.tagfocus, &options.tagfocus),
            ("tagignore", &self.tagignore, &options.tagignore),
        ] {
            if filter.as_ref().is_some_and(TagFilter::is_range) {
                let range = value.split_once('=').map_or(value.as_str(), |(_, v)| v);
                out.push(format!("{name}:Interpreted '{range}' as range, not regexp"));
            }
        }
        out
    }

    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.focus.is_none()
            && self.ignore.is_none()
            && self.hide.is_none()
            && self.show.is_none()
            && self.show_from.is_none()
            && self.tagfocus.is_none()
            && self.tagignore.is_none()
            && self.tagshow.is_none()
            && self.taghide.is_none()
            && self.prune_from.is_none()
    }

    /// Applies the filters as `applyFocus` does — names (focus, ignore, hide, show), show_from,
    /// tag focus/ignore, tag show/hide, prune_from — and returns the warnings Go prints for
    /// filters that matched nothing (`Focus expression matched no samples`, …), in Go's order.
    ///
    /// Name filtering always runs, so samples without locations are dropped even with no filter
    /// (Go 1.19's behaviour).
    pub fn apply(&self, profile: &mut Profile) -> Vec<String> {
        let mut warnings = Vec::new();
        let mut warn = |set: bool, matched: bool, option: &str| {
            if set && !matched {
                warnings.push(format!("{option} expression matched no samples"));
            }
        };
        let (focus, ignore, hide, show) = (
            self.focus.as_ref(),
            self.ignore.as_ref(),
            self.hide.as_ref(),
            self.show.as_ref(),
        );
        let m = filter_samples_by_name(profile, focus, ignore, hide, show);
        warn(focus.is_some(), m.focus, "Focus");
        warn(ignore.is_some(), m.ignore, "Ignore");
        warn(hide.is_some(), m.hide, "Hide");
        warn(show.is_some(), m.show, "Show");
        if let Some(re) = &self.show_from {
            let matched = show_from(profile, re);
            warn(true, matched, "ShowFrom");
        }
        let (tf, ti) = (self.tagfocus.as_ref(), self.tagignore.as_ref());
        let (tfm, tim) = filter_samples_by_tag(profile, tf, ti);
        warn(tf.is_some(), tfm, "TagFocus");
        warn(ti.is_some(), tim, "TagIgnore");
        let (ts, th) = (self.tagshow.as_ref(), self.taghide.as_ref());
        let (tsm, thm) = filter_tags_by_name(profile, ts, th);
        warn(ts.is_some(), tsm, "TagShow");
        warn(th.is_some(), thm, "TagHide");
        if let Some(re) = &self.prune_from {
            prune_from(profile, re);
        }
        warnings
    }
}
