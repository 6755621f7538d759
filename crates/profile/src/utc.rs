//! Calendar fields of a Unix time in UTC, for printing `Profile.time_nanos` as Go prints it.

/// A Unix time split into its UTC date (proleptic Gregorian calendar) and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcTime {
    /// The year (astronomical: year 0 precedes year 1).
    pub year: i64,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, from 1.
    pub day: u32,
    /// The hour, 0 to 23.
    pub hour: u32,
    /// The minute, 0 to 59.
    pub minute: u32,
    /// The second, 0 to 59.
    pub second: u32,
    /// The nanoseconds past the second, 0 to 999 999 999.
    pub nanosecond: u32,
}

impl UtcTime {
    /// The UTC time `nanos` nanoseconds after 1970-01-01 00:00:00 (before it, when negative).
    ///
    /// ```
    /// use ferroprof_profile::UtcTime;
    /// let t = UtcTime::from_unix_nanos(951_825_600_000_000_001);
    /// assert_eq!((t.year, t.month, t.day, t.hour, t.nanosecond), (2000, 2, 29, 12, 1));
    /// ```
    pub fn from_unix_nanos(nanos: i64) -> Self {
        let secs = nanos.div_euclid(1_000_000_000);
        let of_day = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        UtcTime {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day / 60 % 60,
            second: of_day % 60,
            nanosecond: nanos.rem_euclid(1_000_000_000) as u32,
        }
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_times_before_and_after_the_epoch() {
        let t = |y, mo, d, h, mi, s, n| UtcTime {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            nanosecond: n,
        };
        assert_eq!(UtcTime::from_unix_nanos(0), t(1970, 1, 1, 0, 0, 0, 0));
        assert_eq!(
            UtcTime::from_unix_nanos(-1),
            t(1969, 12, 31, 23, 59, 59, 999_999_999)
        );
        assert_eq!(
            UtcTime::from_unix_nanos(1_795_750_674_533_597_982),
            t(2026, 11, 27, 3, 37, 54, 533_597_982)
        );
        assert_eq!(
            UtcTime::from_unix_nanos(i64::MIN),
            t(1677, 9, 21, 0, 12, 43, 145_224_192)
        );
    }
}
