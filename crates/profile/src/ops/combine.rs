//! What `go tool pprof` does to fetched profiles before any report: unit reconciliation
//! (`measurement.ScaleProfiles`), merging (`combineProfiles`), the `-base`/`-diff_base`
//! subtraction with `-normalize` (`fetchProfiles`), the fake mapping of `locateBinaries`, and
//! `unsourceMappings`.

use crate::error::{Error, Result};
use std::num::NonZeroU64;

use crate::model::{Mapping, MappingId, Profile, ValueType};

use super::labels::{set_label, DIFF_BASE_KEY, DIFF_BASE_VALUE};
use super::merge::merge_owned;
use super::scale::{normalize, scale, scale_n};
use super::units;

/// How a base profile is combined with the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseKind {
    /// `-base`: the base is subtracted.
    Base,
    /// `-diff_base`: the base is subtracted and its samples are labelled `pprof::base=true`, so
    /// that reports take percentages relative to the base.
    DiffBase,
}

/// `measurement.ScaleProfiles`: converts every profile's period and sample values to the finest
/// unit any of them uses per column (`ms` and `ns` columns both become `ns`), so they can be
/// merged. Errors read `period type: incompatible types: …`, `sample types: …` or
/// `inconsistent samples type count: 2 != 1`.
pub fn scale_profiles(profiles: &mut [Profile]) -> Result<()> {
    if profiles.is_empty() {
        return Ok(());
    }
    let periods: Vec<&ValueType> = profiles
        .iter()
        .filter_map(|p| p.period_type.as_ref())
        .collect();
    let period_type = common_value_type(&periods)
        .map_err(|e| Error::Incompatible(format!("period type: {e}")))?;
    let columns = profiles[0].sample_type.len();
    if let Some(p) = profiles.iter().find(|p| p.sample_type.len() != columns) {
        return Err(Error::Incompatible(format!(
            "inconsistent samples type count: {columns} != {}",
            p.sample_type.len()
        )));
    }
    let mut targets = Vec::with_capacity(columns);
    for i in 0..columns {
        let column: Vec<&ValueType> = profiles.iter().map(|p| &p.sample_type[i]).collect();
        targets.push(
            common_value_type(&column)
                .map_err(|e| Error::Incompatible(format!("sample types: {e}")))?,
        );
    }
    for p in profiles.iter_mut() {
        if let (Some(pt), Some(target)) = (p.period_type.as_mut(), period_type.as_ref()) {
            p.period = units::scale(p.period, &pt.unit, &target.unit).0 as i64;
            pt.unit = target.unit.clone();
        }
        let mut ratios = vec![1.0; columns];
        for ((st, ratio), target) in p.sample_type.iter_mut().zip(&mut ratios).zip(&targets) {
            if let Some(target) = target {
                *ratio = units::scale(1, &st.unit, &target.unit).0;
                st.unit = target.unit.clone();
            }
        }
        scale_n(p, &ratios)?;
    }
    Ok(())
}

/// The finest of a set of compatible value types (`CommonValueType`); `None` for fewer than two.
/// The error shows the types as Go's `%v` does, string-table indices (0 there) included.
fn common_value_type(types: &[&ValueType]) -> std::result::Result<Option<ValueType>, String> {
    let Some((&first, rest)) = types.split_first().filter(|_| types.len() > 1) else {
        return Ok(None);
    };
    let mut finest = first;
    for &t in rest {
        let same_kind = finest.r#type.strip_suffix('s').unwrap_or(&finest.r#type)
            == t.r#type.strip_suffix('s').unwrap_or(&t.r#type);
        if !same_kind || !units::same_unit_family(&finest.unit, &t.unit) {
            return Err(format!(
                "incompatible types: {{{} {} 0 0}} {{{} {} 0 0}}",
                finest.r#type, finest.unit, t.r#type, t.unit
            ));
        }
        if units::scale(1, &t.unit, &finest.unit).0 < 1.0 {
            finest = t;
        }
    }
    Ok(Some(finest.clone()))
}

/// `combineProfiles`: [`scale_profiles`] then [`merge_owned`]. `go tool pprof` (Go 1.19) passes
/// even a single source through it.
///
/// The profiles are moved out of `profiles` (each left as `Profile::default()`) and merged
/// without copies, each dropped once merged.
pub fn combine_profiles(profiles: &mut [Profile]) -> Result<Profile> {
    scale_profiles(profiles)?;
    merge_owned(profiles.iter_mut().map(std::mem::take).collect())
}

/// The base step of `fetchProfiles`: labels the base's samples `pprof::base=true` for
/// [`BaseKind::DiffBase`], scales `source` to the base's totals when `normalize`, negates the
/// base and combines the two ([`combine_profiles`]). Samples that cancel out disappear.
pub fn subtract_base(
    mut source: Profile,
    mut base: Profile,
    kind: BaseKind,
    normalize_to_base: bool,
) -> Result<Profile> {
    if kind == BaseKind::DiffBase {
        set_label(&mut base, DIFF_BASE_KEY, &[DIFF_BASE_VALUE.to_string()]);
    }
    if normalize_to_base {
        normalize(&mut source, &base)?;
    }
    scale(&mut base, -1.0);
    combine_profiles(&mut [source, base])
}

/// The end of `locateBinaries`, done to each fetched profile: a profile without mappings gets
/// one empty mapping (id 1) that every location then belongs to, so that symbolization can try
/// the main binary.
pub fn add_fake_mapping(profile: &mut Profile) {
    if !profile.mapping.is_empty() {
        return;
    }
    let id = MappingId(NonZeroU64::MIN);
    profile.mapping.push(Mapping::new(id));
    for loc in &mut profile.location {
        loc.mapping_id = Some(id);
    }
}

/// `unsourceMappings`: clears the file name of mappings without a build id whose file name is an
/// absolute URL (it was set to the source URL for remote symbolization).
pub fn unsource_mappings(profile: &mut Profile) {
    for m in &mut profile.mapping {
        if m.build_id.is_empty() && has_url_scheme(&m.filename) {
            m.filename.clear();
        }
    }
}

/// Whether `s` starts with a URL scheme (`letter (letter | digit | + | - | .)* :`), which is what
/// makes Go's `url.Parse` call it absolute; text with control characters fails to parse there.
fn has_url_scheme(s: &str) -> bool {
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return false;
    }
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}
