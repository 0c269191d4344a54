//! A pending two-factor login: what `/api/login` creates when it answers 242 and what
//! `/api/two-factor/login` consumes. The raw `twoFactorId` is never stored (only its digest),
//! and neither is the code: the code is derived from the raw id, the keyring and a stored
//! nonce, so a resend can repeat the live code while the database alone reveals nothing.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::ids::{ApplicationId, UserId};
use crate::domain::secret::Digest;
use crate::domain::tenant::TwoFactorPolicy;
use crate::domain::time::Timestamp;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Challenge {
    pub user_id: UserId,
    #[serde(default)]
    pub application_id: Option<ApplicationId>,
    pub created: Timestamp,
    pub expires: Timestamp,
    /// The user's security stamp when the password matched; a change kills the challenge.
    pub security_stamp: u64,
    /// The live SMS code, if one was issued.
    #[serde(default)]
    pub code: Option<IssuedCode>,
    /// SMS sends so far, the first included.
    #[serde(default)]
    pub sends: u32,
    #[serde(default)]
    pub last_send: Option<Timestamp>,
    #[serde(default)]
    pub failed_attempts: u32,
    /// Client address at `/api/login`, for the audit trail.
    #[serde(default)]
    pub ip: Option<String>,
}

/// An SMS code bound to this challenge.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IssuedCode {
    pub method_id: String,
    /// Input (with the raw twoFactorId and the keyring) from which the code is derived.
    pub nonce: [u8; 16],
    /// Digest of the code, compared in constant time on entry.
    pub digest: Digest,
    pub issued: Timestamp,
    pub expires: Timestamp,
}

/// What a request to send a code should do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendDecision {
    /// Send; `reuse` says whether the live code is repeated (true) or a new one is issued.
    Send { reuse: bool },
    /// Inside the resend cooldown: answer 200 and send nothing.
    Cooldown { retry_after: Duration },
    /// The challenge has used up its sends.
    TooManySends,
}

/// How an entered code fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WrongCode {
    /// The challenge survives; this many attempts are left.
    Retry { remaining: u32 },
    /// That was the last allowed attempt: the challenge is dead.
    Killed,
}

impl Challenge {
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.expires
    }

    /// The live code, if it has not expired.
    pub fn live_code(&self, now: Timestamp) -> Option<&IssuedCode> {
        self.code.as_ref().filter(|c| now < c.expires)
    }

    pub fn decide_send(
        &self,
        method_id: &str,
        now: Timestamp,
        policy: &TwoFactorPolicy,
    ) -> SendDecision {
        let live_for_method = self.live_code(now).filter(|c| c.method_id == method_id);
        if let (Some(_), Some(last)) = (live_for_method, self.last_send) {
            let since = now.since(last);
            if since < policy.resend_cooldown() {
                return SendDecision::Cooldown {
                    retry_after: policy.resend_cooldown() - since,
                };
            }
        }
        if self.sends >= policy.max_sends_per_challenge {
            return SendDecision::TooManySends;
        }
        SendDecision::Send {
            reuse: live_for_method.is_some(),
        }
    }

    /// Records a send (the code already set by the caller when new).
    pub fn record_send(&mut self, now: Timestamp) {
        self.sends = self.sends.saturating_add(1);
        self.last_send = Some(now);
    }

    /// When a resend will actually send again.
    pub fn resend_allowed_at(&self, policy: &TwoFactorPolicy) -> Option<Timestamp> {
        self.last_send
            .map(|last| last.plus(policy.resend_cooldown()))
    }

    pub fn record_wrong_code(&mut self, policy: &TwoFactorPolicy) -> WrongCode {
        self.failed_attempts = self.failed_attempts.saturating_add(1);
        if self.failed_attempts >= policy.max_code_attempts {
            WrongCode::Killed
        } else {
            WrongCode::Retry {
                remaining: policy.max_code_attempts - self.failed_attempts,
            }
        }
    }

    pub fn attempts_remaining(&self, policy: &TwoFactorPolicy) -> u32 {
        policy
            .max_code_attempts
            .saturating_sub(self.failed_attempts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_millis(secs * 1000)
    }

    fn challenge() -> Challenge {
        Challenge {
            user_id: UserId::random(),
            application_id: None,
            created: t(0),
            expires: t(300),
            security_stamp: 0,
            code: None,
            sends: 0,
            last_send: None,
            failed_attempts: 0,
            ip: None,
        }
    }

    fn with_code(mut c: Challenge, issued: i64) -> Challenge {
        c.code = Some(IssuedCode {
            method_id: "M1".to_owned(),
            nonce: [0; 16],
            digest: Digest([0; 32]),
            issued: t(issued),
            expires: t(issued + 300),
        });
        c.record_send(t(issued));
        c
    }

    #[test]
    fn first_send_issues_a_new_code() {
        let policy = TwoFactorPolicy::default();
        assert_eq!(
            challenge().decide_send("M1", t(0), &policy),
            SendDecision::Send { reuse: false }
        );
    }

    #[test]
    fn resend_inside_cooldown_sends_nothing_then_repeats_the_live_code() {
        let policy = TwoFactorPolicy::default();
        let c = with_code(challenge(), 0);
        assert_eq!(
            c.decide_send("M1", t(10), &policy),
            SendDecision::Cooldown {
                retry_after: Duration::from_secs(20)
            }
        );
        assert_eq!(
            c.decide_send("M1", t(31), &policy),
            SendDecision::Send { reuse: true }
        );
        assert_eq!(c.resend_allowed_at(&policy), Some(t(30)));
    }

    #[test]
    fn an_expired_code_is_replaced() {
        let policy = TwoFactorPolicy::default();
        let c = with_code(challenge(), 0);
        assert_eq!(
            c.decide_send("M1", t(301), &policy),
            SendDecision::Send { reuse: false }
        );
        assert!(c.live_code(t(301)).is_none());
    }

    #[test]
    fn at_most_three_sends() {
        let policy = TwoFactorPolicy::default();
        let mut c = with_code(challenge(), 0);
        c.record_send(t(40));
        c.record_send(t(80));
        assert_eq!(
            c.decide_send("M1", t(120), &policy),
            SendDecision::TooManySends
        );
    }

    #[test]
    fn the_fifth_wrong_code_kills() {
        let policy = TwoFactorPolicy::default();
        let mut c = challenge();
        for remaining in (1..5).rev() {
            assert_eq!(c.record_wrong_code(&policy), WrongCode::Retry { remaining });
        }
        assert_eq!(c.record_wrong_code(&policy), WrongCode::Killed);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    #[derive(Clone, Debug)]
    enum Step {
        Send,
        Wrong,
        Wait(u64),
    }

    proptest! {
        /// Sends never exceed the cap, a resend inside the cooldown never sends, and the
        /// challenge dies exactly at the attempt limit.
        #[test]
        fn challenge_invariants(steps in prop::collection::vec(prop_oneof![
            Just(Step::Send), Just(Step::Wrong), (0u64..120).prop_map(Step::Wait)
        ], 0..80)) {
            let policy = TwoFactorPolicy::default();
            let mut now = Timestamp::from_millis(0);
            let mut challenge = Challenge {
                user_id: UserId::random(),
                application_id: None,
                created: now,
                expires: now.plus(std::time::Duration::from_secs(300)),
                security_stamp: 0,
                code: None,
                sends: 0,
                last_send: None,
                failed_attempts: 0,
                ip: None,
            };
            let mut dead = false;
            for step in steps {
                match step {
                    Step::Send => match challenge.decide_send("M", now, &policy) {
                        SendDecision::Send { reuse } => {
                            prop_assert!(challenge.sends < policy.max_sends_per_challenge);
                            if !reuse {
                                challenge.code = Some(IssuedCode {
                                    method_id: "M".to_owned(),
                                    nonce: [0; 16],
                                    digest: Digest([0; 32]),
                                    issued: now,
                                    expires: now.plus(std::time::Duration::from_secs(300)),
                                });
                            }
                            challenge.record_send(now);
                        }
                        SendDecision::Cooldown { retry_after } => {
                            let last = challenge.last_send.expect("a cooldown follows a send");
                            prop_assert!(now.since(last) < policy.resend_cooldown());
                            prop_assert!(retry_after <= policy.resend_cooldown());
                        }
                        SendDecision::TooManySends => prop_assert!(challenge.sends >= policy.max_sends_per_challenge),
                    },
                    Step::Wrong => {
                        if dead {
                            continue;
                        }
                        if challenge.record_wrong_code(&policy) == WrongCode::Killed {
                            prop_assert_eq!(challenge.failed_attempts, policy.max_code_attempts);
                            dead = true;
                        }
                    }
                    Step::Wait(secs) => now = now.plus(std::time::Duration::from_secs(secs)),
                }
                prop_assert!(challenge.sends <= policy.max_sends_per_challenge);
            }
        }
    }
}
