//! Audit events: every login attempt, challenge, send, failure and success, kept in the
//! store. Events never hold codes, passwords, tokens or full phone numbers.

use serde::{Deserialize, Serialize};

use crate::domain::ids::{ApplicationId, EventId, UserId};
use crate::domain::time::Timestamp;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AuditEvent {
    pub id: EventId,
    pub at: Timestamp,
    pub kind: AuditKind,
    #[serde(default)]
    pub user_id: Option<UserId>,
    #[serde(default)]
    pub application_id: Option<ApplicationId>,
    #[serde(default)]
    pub ip: Option<String>,
    /// `password`, `sms`, `authenticator`, `recovery`, a messenger kind, …
    #[serde(default)]
    pub method: Option<String>,
    /// A short machine-readable outcome, e.g. `sent`, `wrong_code`, `rate_limited`.
    pub outcome: String,
    /// Human-readable detail without secrets (masked numbers, provider error codes).
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum AuditKind {
    LoginSucceeded,
    LoginFailed,
    LoginPrevented,
    TwoFactorChallenged,
    TwoFactorCodeSent,
    TwoFactorSendRefused,
    TwoFactorSucceeded,
    TwoFactorFailed,
    TwoFactorChallengeKilled,
    TwoFactorEnabled,
    TwoFactorDisabled,
    RecoveryCodesGenerated,
    AccountLocked,
    AccountUnlocked,
    MessengerTested,
    SmsDelivery,
}

impl AuditKind {
    pub fn name(self) -> &'static str {
        match self {
            AuditKind::LoginSucceeded => "login.succeeded",
            AuditKind::LoginFailed => "login.failed",
            AuditKind::LoginPrevented => "login.prevented",
            AuditKind::TwoFactorChallenged => "two-factor.challenged",
            AuditKind::TwoFactorCodeSent => "two-factor.code-sent",
            AuditKind::TwoFactorSendRefused => "two-factor.send-refused",
            AuditKind::TwoFactorSucceeded => "two-factor.succeeded",
            AuditKind::TwoFactorFailed => "two-factor.failed",
            AuditKind::TwoFactorChallengeKilled => "two-factor.challenge-killed",
            AuditKind::TwoFactorEnabled => "two-factor.enabled",
            AuditKind::TwoFactorDisabled => "two-factor.disabled",
            AuditKind::RecoveryCodesGenerated => "two-factor.recovery-codes-generated",
            AuditKind::AccountLocked => "account.locked",
            AuditKind::AccountUnlocked => "account.unlocked",
            AuditKind::MessengerTested => "messenger.tested",
            AuditKind::SmsDelivery => "sms.delivery",
        }
    }
}

impl AuditEvent {
    pub fn new(kind: AuditKind, at: Timestamp, outcome: impl Into<String>) -> Self {
        Self {
            id: EventId(uuid::Uuid::now_v7()),
            at,
            kind,
            user_id: None,
            application_id: None,
            ip: None,
            method: None,
            outcome: outcome.into(),
            detail: None,
        }
    }

    pub fn user(mut self, user_id: UserId) -> Self {
        self.user_id = Some(user_id);
        self
    }

    pub fn application(mut self, application_id: Option<ApplicationId>) -> Self {
        self.application_id = application_id;
        self
    }

    pub fn ip(mut self, ip: Option<&str>) -> Self {
        self.ip = ip.map(str::to_owned);
        self
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Which events a search returns, newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub user_id: Option<UserId>,
    pub kind: Option<AuditKind>,
    pub since: Option<Timestamp>,
    pub limit: usize,
}

impl AuditQuery {
    pub fn matches(&self, event: &AuditEvent) -> bool {
        self.user_id.is_none_or(|u| event.user_id == Some(u))
            && self.kind.is_none_or(|k| event.kind == k)
            && self.since.is_none_or(|s| event.at >= s)
    }
}
