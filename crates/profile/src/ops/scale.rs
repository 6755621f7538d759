//! Multiplying sample values: `Profile.Scale`, `Profile.ScaleN` and `Profile.Normalize`.

use crate::error::{Error, Result};
use crate::model::Profile;

use super::merge::check_compatible;

/// Multiplies every value by `ratio` (rounded half away from zero) and drops samples left with
/// only zeros; a ratio of 1 changes nothing. `-base` uses `scale(base, -1.0)`.
pub fn scale(profile: &mut Profile, ratio: f64) {
    if ratio == 1.0 {
        return;
    }
    let ratios = vec![ratio; profile.sample_type.len()];
    // The ratio count matches by construction.
    let _ = scale_n(profile, &ratios);
}

/// Multiplies value column `i` by `ratios[i]`, rounding half away from zero.
///
/// As in Go, a sample is kept only when one of the columns whose ratio is not 1 is non-zero
/// afterwards; when every ratio is 1 nothing changes. A ratio count other than the number of
/// sample types gives Go's `mismatched scale ratios, got N, want M`.
pub fn scale_n(profile: &mut Profile, ratios: &[f64]) -> Result<()> {
    if ratios.len() != profile.sample_type.len() {
        return Err(Error::InvalidArgument(format!(
            "mismatched scale ratios, got {}, want {}",
            ratios.len(),
            profile.sample_type.len()
        )));
    }
    if ratios.iter().all(|&r| r == 1.0) {
        return Ok(());
    }
    profile.sample.retain_mut(|s| {
        let mut keep = false;
        for (v, &r) in s.value.iter_mut().zip(ratios) {
            if r != 1.0 {
                *v = (*v as f64 * r).round() as i64;
                keep |= *v != 0;
            }
        }
        keep
    });
    Ok(())
}

/// Scales `profile` so that each sample type totals what it totals in `base` (`-normalize`);
/// a column summing to zero in `profile` is multiplied by 0. The profiles must be compatible.
pub fn normalize(profile: &mut Profile, base: &Profile) -> Result<()> {
    check_compatible(profile, base)?;
    let totals = |p: &Profile| {
        let mut sums = vec![0i64; profile.sample_type.len()];
        for s in &p.sample {
            for (acc, v) in sums.iter_mut().zip(&s.value) {
                *acc = acc.wrapping_add(*v);
            }
        }
        sums
    };
    let (base_totals, own_totals) = (totals(base), totals(profile));
    let ratios: Vec<f64> = base_totals
        .iter()
        .zip(&own_totals)
        .map(|(&b, &o)| if o == 0 { 0.0 } else { b as f64 / o as f64 })
        .collect();
    scale_n(profile, &ratios)
}
