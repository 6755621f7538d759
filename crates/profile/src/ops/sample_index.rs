//! `-sample_index` and `-mean`: choosing the value column a report shows (`SampleIndexByName`,
//! the driver's `sampleFormat`).

use crate::error::{Error, Result};
use crate::model::{Profile, ValueType};

/// The value column of `profile` that `sample_index` names (`Profile.SampleIndexByName`).
///
/// Empty means the default sample type, else the last column. A number is a 0-based index
/// (`sample_index 5 is outside the range [0..1]` when out of range); otherwise a type name, where
/// `inuse_X` also finds `X` (`sample_index "bogus" must be one of: [samples cpu]`).
pub fn sample_index_by_name(profile: &Profile, sample_index: &str) -> Result<usize> {
    let types = &profile.sample_type;
    if sample_index.is_empty() {
        let default = &profile.default_sample_type;
        if let Some(i) = types
            .iter()
            .position(|t| !default.is_empty() && t.r#type == *default)
        {
            return Ok(i);
        }
        return Ok(types.len().saturating_sub(1));
    }
    if let Ok(i) = sample_index.parse::<i64>() {
        if i < 0 || i as u64 >= types.len() as u64 {
            return Err(Error::InvalidArgument(format!(
                "sample_index {sample_index} is outside the range [0..{}]",
                types.len() as i64 - 1
            )));
        }
        return Ok(i as usize);
    }
    let without_inuse = sample_index.strip_prefix("inuse_").unwrap_or(sample_index);
    if let Some(i) = types
        .iter()
        .position(|t| t.r#type == sample_index || t.r#type == without_inuse)
    {
        return Ok(i);
    }
    let names: Vec<&str> = types.iter().map(|t| t.r#type.as_str()).collect();
    Err(Error::InvalidArgument(format!(
        "sample_index {sample_index:?} must be one of: [{}]",
        names.join(" ")
    )))
}

/// Which values a report shows, resolved from `-sample_index` and `-mean`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleFormat {
    /// The value column shown.
    pub index: usize,
    /// With `-mean`, the column each value is divided by (column 0, the count); else `None`.
    pub mean_divisor: Option<usize>,
    /// The sample type shown, named `mean_<type>` with `-mean` (the report's `Type:` line).
    pub sample_type: ValueType,
}

/// The driver's `sampleFormat`: `profile has no samples` without sample types, else the column
/// of [`sample_index_by_name`] and, with `mean`, division by column 0.
pub fn sample_format(profile: &Profile, sample_index: &str, mean: bool) -> Result<SampleFormat> {
    if profile.sample_type.is_empty() {
        return Err(Error::InvalidArgument("profile has no samples".to_string()));
    }
    let index = sample_index_by_name(profile, sample_index)?;
    let mut sample_type = profile.sample_type[index].clone();
    if mean {
        sample_type.r#type = format!("mean_{}", sample_type.r#type);
    }
    Ok(SampleFormat {
        index,
        mean_divisor: mean.then_some(0),
        sample_type,
    })
}
