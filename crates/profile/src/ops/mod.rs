//! Pure operations on profiles: what `go tool pprof`'s driver does to a profile between fetching
//! it and handing it to a report, with Go's semantics (ids, orders, error texts).
//!
//! Every function takes the profile it changes as `&mut Profile` (or builds a new one), prints
//! nothing, and returns Go's warnings as values. In pipeline order:
//!
//! | step (Go) | function | when the driver calls it |
//! |---|---|---|
//! | end of `locateBinaries` | [`add_fake_mapping`] | on each fetched profile, before combining (and before symbolization) |
//! | `combineProfiles` (`ScaleProfiles` + `Merge`) | [`combine_profiles`], [`scale_profiles`], [`merge()`] ([`merge_owned`]) | after fetching the sources (even one source, in Go 1.19), and again for the bases |
//! | `fetchProfiles` base handling | [`subtract_base`] ([`BaseKind`]): [`set_label`] `pprof::base`, [`normalize`], [`scale()`] by −1, combine | with `-base`/`-diff_base` (and `-normalize`) |
//! | `RemoveUninteresting` | [`remove_uninteresting`] (uses [`prune()`]) | after symbolization, unless `-all_frames`; Go ignores its error |
//! | `unsourceMappings` | [`unsource_mappings`] | after symbolization |
//! | `identifyNumLabelUnits` | [`num_label_units`] ([`NumLabelUnits::warnings`]) | at the start of each report, on the report's copy |
//! | `generateTagRootsLeaves` | [`add_label_nodes`] | with `-tagroot`/`-tagleaf`, before filtering |
//! | `sampleFormat` | [`sample_format`], [`sample_index_by_name`] | building report options (`-sample_index`, `-mean`); also to validate `sample_index=` in the shell |
//! | `applyFocus` | [`Filters::compile`] then [`Filters::apply`] ([`FilterOptions`], [`Filters::notices`]) | before computing the report total with `-relative_percentages`, else after it |
//! | … its parts | [`filter_samples_by_name`], [`show_from`], [`filter_samples_by_tag`] ([`TagFilter`]), [`filter_tags_by_name`], [`prune_from`] | (called by [`Filters::apply`]) |
//! | `aggregate` | [`aggregate_granularity`] ([`Granularity`]), or [`aggregate()`] with an [`Aggregation`] | last, after filtering; the report graph then groups equal locations |
//! | `Compact` | [`compact`] ([`compact_owned`]) | for `-proto` output or after removing samples |
//! | `HasFunctions`, `HasFileLines` | [`has_functions`], [`has_file_lines`] | symbolization decisions, `list`/`disasm` |
//!
//! Units: [`units::scale`] and [`units::scaled_label`] are pprof's `measurement.Scale` and
//! `ScaledLabel`, used by the numeric tag filters and by [`scale_profiles`].
//!
//! Nothing here recurses on input depth: stacks of millions of frames are handled by loops.
//!
//! ```
//! use ferroprof_profile::ops::{self, FilterOptions, Filters};
//! use ferroprof_profile::{Profile, Sample, ValueType};
//!
//! let mut p = Profile::default();
//! p.sample_type.push(ValueType::new("samples", "count"));
//! p.sample.push(Sample { value: vec![3], ..Sample::default() });
//! // Two sources: equal samples add up.
//! let mut merged = ops::merge(&[&p, &p])?;
//! assert_eq!(merged.sample[0].value, vec![6]);
//! // A focus that matches nothing drops every sample, with Go's warning.
//! let options = FilterOptions { focus: "main".into(), ..FilterOptions::default() };
//! let filters = Filters::compile(&options, &ops::num_label_units(&merged))?;
//! assert_eq!(filters.apply(&mut merged), vec!["Focus expression matched no samples"]);
//! assert!(merged.sample.is_empty());
//! # Ok::<(), ferroprof_profile::Error>(())
//! ```

mod aggregate;
mod combine;
mod filter;
mod focus;
mod labels;
mod merge;
mod names;
mod prune;
mod sample_index;
mod scale;
mod tagfilter;
mod tagroot;
pub mod units;

pub use aggregate::{
    aggregate, aggregate_granularity, has_file_lines, has_functions, Aggregation, Granularity,
};
pub use combine::{
    add_fake_mapping, combine_profiles, scale_profiles, subtract_base, unsource_mappings, BaseKind,
};
pub use filter::{
    filter_samples_by_name, filter_samples_by_tag, filter_tags_by_name, show_from, NameMatches,
};
pub use focus::{compile_regex_option, FilterOptions, Filters};
pub use labels::{
    has_diff_base_samples, has_label, is_diff_base_sample, num_label_units, remove_label,
    set_label, NumLabelUnits, DIFF_BASE_KEY, DIFF_BASE_VALUE,
};
pub use merge::{check_compatible, compact, compact_owned, merge, merge_owned};
pub use prune::{prune, prune_from, remove_uninteresting, simplify_function_name};
pub use sample_index::{sample_format, sample_index_by_name, SampleFormat};
pub use scale::{normalize, scale, scale_n};
pub use tagfilter::TagFilter;
pub use tagroot::add_label_nodes;
