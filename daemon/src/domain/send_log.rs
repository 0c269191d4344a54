//! A sliding record of SMS sends for one key (a user, a destination number, the whole node),
//! used to enforce "at most N sends per window". Only timestamps are kept.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::time::Timestamp;

/// The longest window any limit looks at; older entries are dropped.
pub const LONGEST_WINDOW: Duration = Duration::from_secs(24 * 3600);

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SendLog {
    pub sends: Vec<Timestamp>,
}

impl SendLog {
    /// Sends within `window` before `now`.
    pub fn count_within(&self, window: Duration, now: Timestamp) -> usize {
        let start = now.minus(window);
        self.sends.iter().filter(|&&t| t > start).count()
    }

    /// The most recent send.
    pub fn last(&self) -> Option<Timestamp> {
        self.sends.iter().copied().max()
    }

    /// When the oldest send inside `window` leaves it (the earliest a new send fits again).
    pub fn frees_up_at(&self, window: Duration, now: Timestamp) -> Option<Timestamp> {
        let start = now.minus(window);
        self.sends
            .iter()
            .copied()
            .filter(|&t| t > start)
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
}
