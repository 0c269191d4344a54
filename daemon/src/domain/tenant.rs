//! The tenant: the settings that govern logins (issuer, lifetimes, two-factor policy,
//! lockout). twofold runs one default tenant; its id exists for wire compatibility.
//! Defaults here are the documented defaults (see `docs/CONFIGURATION.md`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::ids::{MessengerId, TenantId};
use crate::domain::lockout::LockoutPolicy;
use crate::domain::time::Timestamp;

/// The fixed id of the default tenant.
pub const DEFAULT_TENANT_ID: TenantId =
    TenantId(uuid::uuid!("7f3c5c1e-7b9a-4c1d-9e2f-0a1b2c3d4e5f"));

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub issuer: String,
    #[serde(default)]
    pub login: TenantLogin,
    #[serde(default)]
    pub lifetimes: Lifetimes,
    #[serde(default)]
    pub two_factor: TwoFactorPolicy,
    #[serde(default)]
    pub sms: SmsPolicy,
    #[serde(default)]
    pub lockout: LockoutPolicy,
    pub inserted: Timestamp,
    pub last_updated: Timestamp,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TenantLogin {
    /// Whether `/api/login` without an application id needs an API key.
    pub require_authentication: bool,
}

/// How long the things the daemon hands out live.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Lifetimes {
    pub access_token_secs: u32,
    pub refresh_token_minutes: u32,
    pub two_factor_id_secs: u32,
    /// Lifetime of an SMS code; capped at ten minutes (ASVS 2.7.2, NIST 800-63B).
    pub two_factor_code_secs: u32,
    pub two_factor_trust_secs: u32,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            access_token_secs: 3600,
            refresh_token_minutes: 43_200,
            two_factor_id_secs: 300,
            two_factor_code_secs: 300,
            two_factor_trust_secs: 2_592_000,
        }
    }
}

/// The most an SMS code may live, whatever is configured.
pub const MAX_CODE_LIFETIME: Duration = Duration::from_secs(600);

impl Lifetimes {
    pub fn access_token(&self) -> Duration {
        Duration::from_secs(u64::from(self.access_token_secs))
    }

    pub fn refresh_token(&self) -> Duration {
        Duration::from_secs(u64::from(self.refresh_token_minutes) * 60)
    }

    pub fn two_factor_id(&self) -> Duration {
        Duration::from_secs(u64::from(self.two_factor_id_secs))
    }

    pub fn code(&self) -> Duration {
        Duration::from_secs(u64::from(self.two_factor_code_secs)).min(MAX_CODE_LIFETIME)
    }

    pub fn trust(&self) -> Duration {
        Duration::from_secs(u64::from(self.two_factor_trust_secs))
    }
}

/// The two-factor rules for challenges.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TwoFactorPolicy {
    /// Send the SMS code as soon as `/api/login` answers 242 (the Passport-era behaviour).
    pub send_code_on_login: bool,
    /// Wrong codes a challenge survives; the next one kills it.
    pub max_code_attempts: u32,
    /// A resend inside this window is answered 200 without sending again.
    pub resend_cooldown_secs: u32,
    /// Sends (first one included) per challenge.
    pub max_sends_per_challenge: u32,
    pub sms_enabled: bool,
    pub sms_messenger_id: Option<MessengerId>,
    /// The SMS text; `{code}`, `{issuer}` and `{minutes}` are replaced.
    pub sms_template: String,
    pub authenticator_enabled: bool,
}

pub const DEFAULT_SMS_TEMPLATE: &str = "{code} is your {issuer} code. It expires in {minutes} min.";

impl Default for TwoFactorPolicy {
    fn default() -> Self {
        Self {
            send_code_on_login: true,
            max_code_attempts: 5,
            resend_cooldown_secs: 30,
            max_sends_per_challenge: 3,
            sms_enabled: true,
            sms_messenger_id: None,
            sms_template: DEFAULT_SMS_TEMPLATE.to_owned(),
            authenticator_enabled: true,
        }
    }
}

impl TwoFactorPolicy {
    pub fn resend_cooldown(&self) -> Duration {
        Duration::from_secs(u64::from(self.resend_cooldown_secs))
    }
}

/// Limits on SMS sending, against cost and SMS pumping.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SmsPolicy {
    /// ISO 3166 region codes SMS may go to.
    pub allowed_countries: Vec<String>,
    /// Per user and per destination number: sends in 15 minutes.
    pub max_per_15_minutes: u32,
    /// Per user and per destination number: sends in 24 hours.
    pub max_per_day: u32,
    /// All SMS of this node's tenant in one hour.
    pub max_per_hour_global: u32,
}

impl Default for SmsPolicy {
    fn default() -> Self {
        Self {
            allowed_countries: vec!["US".to_owned(), "CA".to_owned()],
            max_per_15_minutes: 5,
            max_per_day: 10,
            max_per_hour_global: 1000,
        }
    }
}

impl SmsPolicy {
    pub fn allows_country(&self, region: &str) -> bool {
        self.allowed_countries
            .iter()
            .any(|c| c == "*" || c.eq_ignore_ascii_case(region))
    }
}

impl Tenant {
    pub fn new_default(issuer: String, now: Timestamp) -> Self {
        Self {
            id: DEFAULT_TENANT_ID,
            name: "Default".to_owned(),
            issuer,
            login: TenantLogin::default(),
            lifetimes: Lifetimes::default(),
            two_factor: TwoFactorPolicy::default(),
            sms: SmsPolicy::default(),
            lockout: LockoutPolicy::default(),
            inserted: now,
            last_updated: now,
        }
    }
}
