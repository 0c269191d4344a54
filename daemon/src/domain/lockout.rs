//! Failed-login lockout: FusionAuth's `failedAuthenticationConfiguration` (N failures in a
//! window lock the account for a while; failures while locked restart the lock) plus NIST
//! 800-63B's hard cap on consecutive failures. Pure functions over [`LockoutState`]; the
//! use cases persist the state in the user record, in the same transaction as the attempt.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::time::Timestamp;

/// The fixed id of the built-in "prevent login" action applied by the lockout.
pub const LOCKOUT_ACTION_ID: Uuid = uuid::uuid!("1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b");

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures inside the window that lock the account.
    pub too_many_attempts: u32,
    /// The window after the first failure in which failures add up.
    pub reset_count_in_seconds: u32,
    /// How long the lock lasts.
    pub action_duration_secs: u64,
    /// Consecutive failures (never reset by time) that lock for `hard_lock_secs` (NIST: ≤ 100).
    pub hard_cap: u32,
    pub hard_lock_secs: u64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            too_many_attempts: 5,
            reset_count_in_seconds: 60,
            action_duration_secs: 180,
            hard_cap: 100,
            hard_lock_secs: 86_400,
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum LockReason {
    TooManyAttempts,
    HardCap,
}

/// What the store keeps per user.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct LockoutState {
    /// Failures counted in the current window.
    pub failures: u32,
    pub window_start: Option<Timestamp>,
    /// Failures since the last success, whatever the windows.
    pub consecutive_failures: u32,
    pub locked_until: Option<Timestamp>,
    pub locked_since: Option<Timestamp>,
    pub reason: Option<LockReason>,
}

/// A lock as reported to the client in a 409 body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockAction {
    pub action_id: Uuid,
    pub start: Timestamp,
    pub expiry: Timestamp,
    pub reason: LockReason,
}

impl LockAction {
    /// The lock as an action on this user: its id is the user's id, which is what
    /// `DELETE /api/user/action/{actionId}` takes to lift it.
    pub fn for_user(mut self, user: crate::domain::ids::UserId) -> Self {
        self.action_id = user.0;
        self
    }

    pub fn reason_code(&self) -> &'static str {
        match self.reason {
            LockReason::TooManyAttempts => "too_many_attempts",
            LockReason::HardCap => "hard_lock",
        }
    }

    pub fn reason_text(&self) -> &'static str {
        match self.reason {
            LockReason::TooManyAttempts => "Too many failed login attempts",
            LockReason::HardCap => "Too many consecutive failed login attempts",
        }
    }
}

impl LockoutState {
    /// The active lock, if any.
    pub fn active_lock(&self, now: Timestamp) -> Option<LockAction> {
        let until = self.locked_until?;
        (now < until).then(|| LockAction {
            action_id: LOCKOUT_ACTION_ID,
            start: self.locked_since.unwrap_or(now),
            expiry: until,
            reason: self.reason.unwrap_or(LockReason::TooManyAttempts),
        })
    }

    /// Records a failed attempt (wrong password or wrong code). Returns the lock when this
    /// failure started or restarted one.
    pub fn record_failure(&mut self, policy: &LockoutPolicy, now: Timestamp) -> Option<LockAction> {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let hard_capped = policy.hard_cap > 0 && self.consecutive_failures >= policy.hard_cap;

        if hard_capped {
            self.lock(
                now,
                Duration::from_secs(policy.hard_lock_secs),
                LockReason::HardCap,
            )
        } else if self.active_lock(now).is_some() {
            // FusionAuth: every failure while locked restarts the lock.
            self.lock(
                now,
                Duration::from_secs(policy.action_duration_secs),
                LockReason::TooManyAttempts,
            )
        } else {
            let window = Duration::from_secs(u64::from(policy.reset_count_in_seconds));
            let window_over = self
                .window_start
                .is_none_or(|start| now.since(start) >= window);
            if window_over {
                self.failures = 0;
                self.window_start = Some(now);
            }
            self.failures = self.failures.saturating_add(1);
            if policy.too_many_attempts > 0 && self.failures >= policy.too_many_attempts {
                self.failures = 0;
                self.window_start = None;
                self.lock(
                    now,
                    Duration::from_secs(policy.action_duration_secs),
                    LockReason::TooManyAttempts,
                )
            } else {
                None
            }
        }
    }

    /// Locks (or extends a lock) until `now + duration`; never shortens a longer lock.
    fn lock(
        &mut self,
        now: Timestamp,
        duration: Duration,
        reason: LockReason,
    ) -> Option<LockAction> {
        let until = now.plus(duration);
        let keep_existing = self
            .active_lock(now)
            .is_some_and(|existing| existing.expiry >= until);
        if !keep_existing {
            if self.active_lock(now).is_none() {
                self.locked_since = Some(now);
            }
            self.locked_until = Some(until);
            self.reason = Some(reason);
        }
        self.active_lock(now)
    }

    /// A successful authentication: counters start over.
    pub fn record_success(&mut self) {
        self.failures = 0;
        self.window_start = None;
        self.consecutive_failures = 0;
    }

    /// An administrator lifted the lock, or the password was reset: everything starts over.
    pub fn clear(&mut self) {
        *self = LockoutState::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_millis(secs * 1000)
    }

    #[test]
    fn five_failures_in_a_minute_lock_for_three_minutes() {
        let policy = LockoutPolicy::default();
        let mut s = LockoutState::default();
        for i in 0..4 {
            assert!(s.record_failure(&policy, t(i)).is_none());
        }
        let lock = s
            .record_failure(&policy, t(4))
            .expect("fifth failure locks");
        assert_eq!(lock.expiry, t(4 + 180));
        assert!(s.active_lock(t(100)).is_some());
        assert!(s.active_lock(t(184)).is_none());
    }

    #[test]
    fn failures_outside_the_window_start_over() {
        let policy = LockoutPolicy::default();
        let mut s = LockoutState::default();
        for i in 0..4 {
            s.record_failure(&policy, t(i));
        }
        assert!(s.record_failure(&policy, t(61)).is_none());
        assert_eq!(s.failures, 1);
    }

    #[test]
    fn failures_while_locked_restart_the_lock() {
        let policy = LockoutPolicy::default();
        let mut s = LockoutState::default();
        for i in 0..5 {
            s.record_failure(&policy, t(i));
        }
        let lock = s.record_failure(&policy, t(100)).expect("still locked");
        assert_eq!(lock.expiry, t(280));
        assert_eq!(lock.start, t(4));
    }

    #[test]
    fn the_hard_cap_locks_for_a_day() {
        let policy = LockoutPolicy {
            too_many_attempts: 0,
            ..LockoutPolicy::default()
        };
        let mut s = LockoutState::default();
        for i in 0..99 {
            assert!(s.record_failure(&policy, t(i * 100)).is_none());
        }
        let lock = s
            .record_failure(&policy, t(10_000))
            .expect("100th failure locks");
        assert_eq!(lock.reason, LockReason::HardCap);
        assert_eq!(lock.expiry, t(10_000 + 86_400));
    }

    #[test]
    fn success_resets_counters_but_clear_also_unlocks() {
        let policy = LockoutPolicy::default();
        let mut s = LockoutState::default();
        s.record_failure(&policy, t(0));
        s.record_success();
        assert_eq!(s.consecutive_failures, 0);
        for i in 0..5 {
            s.record_failure(&policy, t(i));
        }
        s.clear();
        assert!(s.active_lock(t(5)).is_none());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    #[derive(Clone, Debug)]
    enum Step {
        Failure,
        Success,
        Wait(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            6 => Just(Step::Failure),
            1 => Just(Step::Success),
            3 => (0u64..400).prop_map(Step::Wait),
        ]
    }

    proptest! {
        /// Whatever happens: a lock never ends before it began, never lasts longer than the
        /// longest configured lock, five quick failures always lock, and 100 consecutive
        /// failures always hard-lock.
        #[test]
        fn lockout_invariants(steps in prop::collection::vec(step(), 0..300)) {
            let policy = LockoutPolicy::default();
            let mut state = LockoutState::default();
            let mut now = Timestamp::from_millis(1_000_000);
            let mut consecutive = 0u32;
            for step in steps {
                match step {
                    Step::Failure => {
                        let was_locked = state.active_lock(now).is_some();
                        let lock = state.record_failure(&policy, now);
                        consecutive += 1;
                        if was_locked {
                            prop_assert!(lock.is_some(), "a failure while locked keeps the lock");
                        }
                        if consecutive >= policy.hard_cap {
                            prop_assert_eq!(lock.map(|l| l.reason), Some(LockReason::HardCap));
                        }
                    }
                    Step::Success => {
                        // Only possible while not locked.
                        if state.active_lock(now).is_none() {
                            state.record_success();
                            consecutive = 0;
                        }
                    }
                    Step::Wait(secs) => now = now.plus(std::time::Duration::from_secs(secs)),
                }
                if let Some(lock) = state.active_lock(now) {
                    prop_assert!(lock.start <= now);
                    prop_assert!(lock.expiry > now);
                    let longest = policy.hard_lock_secs.max(policy.action_duration_secs);
                    prop_assert!(now.until(lock.expiry) <= std::time::Duration::from_secs(longest));
                }
                prop_assert_eq!(state.consecutive_failures, consecutive);
            }
        }
    }
}
