//! Instants as the daemon speaks them (epoch milliseconds) and their human formatting:
//! countdowns ("4:32") and UTC timestamps ("2023-11-14 22:13:20 UTC").
//!
//! This module never reads the clock. Whoever needs "now" gets it passed in (the runtime reads the
//! system clock once per tick and hands it to `App::update` inside `Event::Tick`).

use std::fmt;

/// A wall-clock instant in milliseconds since the Unix epoch, the unit of every `*Instant` field on
/// the wire. JWT `exp`/`iat` are seconds; convert them with [`Millis::from_secs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Millis(pub i64);

impl Millis {
    /// Converts a JWT-style seconds timestamp.
    pub fn from_secs(secs: i64) -> Self {
        Self(secs.saturating_mul(1000))
    }

    /// This instant plus `secs` seconds.
    pub fn plus_secs(self, secs: u64) -> Self {
        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(secs.saturating_mul(1000)))
    }

    /// Whole seconds from `self` until `deadline`, rounded up, never negative: a deadline 1 ms away
    /// still shows as "1 s", and one in the past as "0 s".
    pub fn secs_until(self, deadline: Millis) -> u64 {
        let diff = deadline.0.saturating_sub(self.0);
        if diff <= 0 {
            0
        } else {
            u64::try_from((diff + 999) / 1000).unwrap_or(u64::MAX)
        }
    }

    /// True once `self` has reached `deadline`.
    pub fn reached(self, deadline: Millis) -> bool {
        self >= deadline
    }
}

/// A countdown such as `4:32`, or `1:02:03` past an hour, from `now` until `deadline` (`0:00` when
/// it has passed).
pub fn countdown(now: Millis, deadline: Millis) -> String {
    let secs = now.secs_until(deadline);
    let (hours, minutes, seconds) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes}:{seconds:02}")
    }
}

/// A fixed, timezone-free rendering of an instant: `2023-11-14 22:13:20 UTC`.
pub struct Utc(pub Millis);

impl fmt::Display for Utc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let second_of_day = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
            second_of_day / 3600,
            (second_of_day / 60) % 60,
            second_of_day % 60
        )
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day), after Howard Hinnant's
/// `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=31 and 1..=12).
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secs_until_rounds_up_and_never_goes_negative() {
        let now = Millis(1_000_000);
        assert_eq!(now.secs_until(Millis(1_000_001)), 1);
        assert_eq!(now.secs_until(Millis(1_030_000)), 30);
        assert_eq!(now.secs_until(Millis(999_000)), 0);
    }

    #[test]
    fn countdown_formats_minutes_and_hours() {
        let now = Millis(0);
        assert_eq!(countdown(now, Millis(272_000)), "4:32");
        assert_eq!(countdown(now, Millis(3_723_000)), "1:02:03");
        assert_eq!(countdown(Millis(5_000), now), "0:00");
    }

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(Utc(Millis(0)).to_string(), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            Utc(Millis(1_700_000_000_000)).to_string(),
            "2023-11-14 22:13:20 UTC"
        );
        assert_eq!(
            Utc(Millis(951_782_400_000)).to_string(),
            "2000-02-29 00:00:00 UTC"
        );
    }
}
