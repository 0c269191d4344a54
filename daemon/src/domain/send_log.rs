//! A sliding record of SMS sends for one key (a user, a destination number, the whole node),
//! used to enforce "at most N sends per window". A user's or a number's log keeps each send's
//! timestamp (a handful a day); the node-wide log only needs counts, so it keeps one count per
//! minute instead, which bounds it at 61 entries however many codes go out in an hour.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::time::Timestamp;

/// The longest window any limit looks at; older entries are dropped.
pub const LONGEST_WINDOW: Duration = Duration::from_secs(24 * 3600);

const MINUTE: Duration = Duration::from_secs(60);

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SendLog {
    pub sends: Vec<Timestamp>,
    /// Sends counted per minute (logs written with [`SendLog::record_counted`]), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub minutes: Vec<MinuteCount>,
}

/// The sends in the minute starting at `start`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MinuteCount {
    pub start: Timestamp,
    pub count: u32,
}

impl MinuteCount {
    /// A minute counts inside a window while any part of it does (never under-counts).
    fn end(&self) -> Timestamp {
        self.start.plus(MINUTE)
    }
}

fn minute_of(t: Timestamp) -> Timestamp {
    let ms = i64::try_from(MINUTE.as_millis()).unwrap_or(60_000);
    Timestamp::from_millis(t.millis().div_euclid(ms) * ms)
}

impl SendLog {
    /// Sends within `window` before `now`.
    pub fn count_within(&self, window: Duration, now: Timestamp) -> usize {
        let start = now.minus(window);
        let counted: usize = self
            .minutes
            .iter()
            .filter(|m| m.end() > start)
            .map(|m| m.count as usize)
            .sum();
        self.sends.iter().filter(|&&t| t > start).count() + counted
    }

    /// The most recent send.
    pub fn last(&self) -> Option<Timestamp> {
        self.sends.iter().copied().max()
    }

    /// When the oldest send inside `window` leaves it (the earliest a new send fits again).
    pub fn frees_up_at(&self, window: Duration, now: Timestamp) -> Option<Timestamp> {
        let start = now.minus(window);
        let oldest_minute = self
            .minutes
            .iter()
            .filter(|m| m.end() > start)
            .map(MinuteCount::end)
            .min();
        self.sends
            .iter()
            .copied()
            .filter(|&t| t > start)
            .chain(oldest_minute)
            .min()
            .map(|t| t.plus(window))
    }

    pub fn record(&mut self, now: Timestamp) {
        self.prune(now);
        self.sends.push(now);
    }

    pub fn prune(&mut self, now: Timestamp) {
        let start = now.minus(LONGEST_WINDOW);
        self.sends.retain(|&t| t > start);
        self.minutes.retain(|m| m.end() > start);
    }

    /// Counts a send in its minute and forgets minutes wholly older than `keep`: for logs
    /// that only need [`SendLog::count_within`] up to `keep`. Timestamps recorded by an
    /// older version are folded into minutes.
    pub fn record_counted(&mut self, now: Timestamp, keep: Duration) {
        for t in std::mem::take(&mut self.sends) {
            self.count_in_minute(t);
        }
        self.count_in_minute(now);
        let start = now.minus(keep);
        self.minutes.retain(|m| m.end() > start);
    }

    fn count_in_minute(&mut self, t: Timestamp) {
        let start = minute_of(t);
        match self.minutes.iter_mut().find(|m| m.start == start) {
            Some(m) => m.count = m.count.saturating_add(1),
            None => {
                let at = self.minutes.partition_point(|m| m.start < start);
                self.minutes.insert(at, MinuteCount { start, count: 1 });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_inside_windows_and_forgets_the_old() {
        let mut log = SendLog::default();
        let t = |s: i64| Timestamp::from_millis(s * 1000);
        for s in [0, 100, 200] {
            log.record(t(s));
        }
        assert_eq!(log.count_within(Duration::from_secs(150), t(210)), 2);
        assert_eq!(
            log.frees_up_at(Duration::from_secs(150), t(210)),
            Some(t(250))
        );
        log.record(t(100_000));
        assert_eq!(log.sends.len(), 1);
        assert_eq!(log.last(), Some(t(100_000)));
    }

    #[test]
    fn counted_logs_stay_bounded_and_never_under_count() {
        let hour = Duration::from_secs(3600);
        let t = |s: i64| Timestamp::from_millis(s * 1000);
        // An older version's timestamps are folded in on the first counted send.
        let mut log = SendLog {
            sends: vec![t(10), t(20)],
            minutes: Vec::new(),
        };
        for s in 30..7_230 {
            log.record_counted(t(s), hour);
        }
        assert!(log.sends.is_empty());
        assert!(
            log.minutes.len() <= 61,
            "{} minutes kept",
            log.minutes.len()
        );
        // Every send of the last hour is counted; at most one extra minute's worth besides.
        let in_hour = log.count_within(hour, t(7_229));
        assert!((3_600..=3_660).contains(&in_hour), "{in_hour}");
        let free = log.frees_up_at(hour, t(7_229)).expect("something to free");
        assert!(free > t(7_229) && free <= t(7_229 + 60));
        let json = serde_json::to_string(&SendLog::default()).expect("json");
        assert_eq!(
            json, r#"{"sends":[]}"#,
            "the old shape is kept when nothing is counted"
        );
    }
}
