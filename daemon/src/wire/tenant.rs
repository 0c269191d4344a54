//! The tenant on the wire: FusionAuth's field names where FusionAuth has the setting
//! (`jwtConfiguration`, `externalIdentifierConfiguration`, `multiFactorConfiguration`,
//! `failedAuthenticationConfiguration`), and twofold's own (`twoFactorConfiguration`,
//! `smsConfiguration`) for what FusionAuth lacks. Only fields present in a request change.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::ids::MessengerId;
use crate::domain::tenant::Tenant;

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantRequest {
    pub tenant: Option<TenantIn>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantIn {
    pub name: Option<String>,
    pub issuer: Option<String>,
    pub login_configuration: Option<LoginConfigurationIn>,
    pub jwt_configuration: Option<JwtConfigurationIn>,
    pub external_identifier_configuration: Option<ExternalIdentifierIn>,
    pub multi_factor_configuration: Option<MultiFactorIn>,
    pub failed_authentication_configuration: Option<FailedAuthenticationIn>,
    pub two_factor_configuration: Option<TwoFactorIn>,
    pub sms_configuration: Option<SmsIn>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginConfigurationIn {
    pub require_authentication: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtConfigurationIn {
    pub time_to_live_in_seconds: Option<u32>,
    pub refresh_token_time_to_live_in_minutes: Option<u32>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalIdentifierIn {
    pub two_factor_id_time_to_live_in_seconds: Option<u32>,
    pub two_factor_one_time_code_id_time_to_live_in_seconds: Option<u32>,
    pub two_factor_trust_id_time_to_live_in_seconds: Option<u32>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MultiFactorIn {
    pub sms: Option<SmsMethodIn>,
    pub authenticator: Option<AuthenticatorIn>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsMethodIn {
    pub enabled: Option<bool>,
    pub messenger_id: Option<Uuid>,
    /// twofold: the message text, with `{code}`, `{issuer}` and `{minutes}`.
    pub template: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorIn {
    pub enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedAuthenticationIn {
    pub too_many_attempts: Option<u32>,
    pub reset_count_in_seconds: Option<u32>,
    pub action_duration: Option<u64>,
    pub action_duration_unit: Option<String>,
    /// twofold: consecutive failures that lock for a day (NIST's cap, at most 100).
    pub hard_lock_attempts: Option<u32>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorIn {
    pub send_code_on_login: Option<bool>,
    pub max_code_attempts: Option<u32>,
    pub resend_cooldown_in_seconds: Option<u32>,
    pub max_sends_per_challenge: Option<u32>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsIn {
    pub allowed_countries: Option<Vec<String>>,
    pub max_per15_minutes: Option<u32>,
    pub max_per_day: Option<u32>,
    pub max_per_hour: Option<u32>,
}

fn unit_seconds(unit: &str) -> Option<u64> {
    match unit.to_ascii_uppercase().as_str() {
        "SECONDS" => Some(1),
        "MINUTES" => Some(60),
        "HOURS" => Some(3600),
        "DAYS" => Some(86_400),
        "WEEKS" => Some(604_800),
        _ => None,
    }
}

impl TenantIn {
    /// Applies the present fields. Returns the field path of an unknown duration unit.
    pub fn apply(self, t: &mut Tenant) -> Result<(), &'static str> {
        if let Some(name) = self.name {
            t.name = name;
        }
        if let Some(issuer) = self.issuer {
            t.issuer = issuer;
        }
        if let Some(login) = self.login_configuration
            && let Some(required) = login.require_authentication
        {
            t.login.require_authentication = required;
        }
        if let Some(jwt) = self.jwt_configuration {
            set(
                &mut t.lifetimes.access_token_secs,
                jwt.time_to_live_in_seconds,
            );
            set(
                &mut t.lifetimes.refresh_token_minutes,
                jwt.refresh_token_time_to_live_in_minutes,
            );
        }
        if let Some(ids) = self.external_identifier_configuration {
            set(
                &mut t.lifetimes.two_factor_id_secs,
                ids.two_factor_id_time_to_live_in_seconds,
            );
            set(
                &mut t.lifetimes.two_factor_code_secs,
                ids.two_factor_one_time_code_id_time_to_live_in_seconds,
            );
            set(
                &mut t.lifetimes.two_factor_trust_secs,
                ids.two_factor_trust_id_time_to_live_in_seconds,
            );
        }
        if let Some(mfa) = self.multi_factor_configuration {
            if let Some(sms) = mfa.sms {
                set(&mut t.two_factor.sms_enabled, sms.enabled);
                if let Some(id) = sms.messenger_id {
                    t.two_factor.sms_messenger_id = Some(MessengerId(id));
                }
                set(&mut t.two_factor.sms_template, sms.template);
            }
            if let Some(authenticator) = mfa.authenticator {
                set(
                    &mut t.two_factor.authenticator_enabled,
                    authenticator.enabled,
                );
            }
        }
        if let Some(failed) = self.failed_authentication_configuration {
            set(&mut t.lockout.too_many_attempts, failed.too_many_attempts);
            set(
                &mut t.lockout.reset_count_in_seconds,
                failed.reset_count_in_seconds,
            );
            set(&mut t.lockout.hard_cap, failed.hard_lock_attempts);
            if failed.action_duration.is_some() || failed.action_duration_unit.is_some() {
                let unit = match failed.action_duration_unit.as_deref() {
                    None => 60,
                    Some(unit) => unit_seconds(unit)
                        .ok_or("tenant.failedAuthenticationConfiguration.actionDurationUnit")?,
                };
                let amount = failed
                    .action_duration
                    .unwrap_or(t.lockout.action_duration_secs / 60);
                t.lockout.action_duration_secs = amount.saturating_mul(unit);
            }
        }
        if let Some(tf) = self.two_factor_configuration {
            set(&mut t.two_factor.send_code_on_login, tf.send_code_on_login);
            set(&mut t.two_factor.max_code_attempts, tf.max_code_attempts);
            set(
                &mut t.two_factor.resend_cooldown_secs,
                tf.resend_cooldown_in_seconds,
            );
            set(
                &mut t.two_factor.max_sends_per_challenge,
                tf.max_sends_per_challenge,
            );
        }
        if let Some(sms) = self.sms_configuration {
            if let Some(countries) = sms.allowed_countries {
                t.sms.allowed_countries = countries
                    .into_iter()
                    .map(|c| c.trim().to_ascii_uppercase())
                    .collect();
            }
            set(&mut t.sms.max_per_15_minutes, sms.max_per15_minutes);
            set(&mut t.sms.max_per_day, sms.max_per_day);
            set(&mut t.sms.max_per_hour_global, sms.max_per_hour);
        }
        Ok(())
    }
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

/// The tenant as returned.
pub fn tenant_out(t: &Tenant) -> serde_json::Value {
    let (duration, unit) = if t.lockout.action_duration_secs.is_multiple_of(60) {
        (t.lockout.action_duration_secs / 60, "MINUTES")
    } else {
        (t.lockout.action_duration_secs, "SECONDS")
    };
    serde_json::json!({
        "id": t.id.0,
        "name": t.name,
        "issuer": t.issuer,
        "loginConfiguration": { "requireAuthentication": t.login.require_authentication },
        "jwtConfiguration": {
            "timeToLiveInSeconds": t.lifetimes.access_token_secs,
            "refreshTokenTimeToLiveInMinutes": t.lifetimes.refresh_token_minutes,
        },
        "externalIdentifierConfiguration": {
            "twoFactorIdTimeToLiveInSeconds": t.lifetimes.two_factor_id_secs,
            "twoFactorOneTimeCodeIdTimeToLiveInSeconds": t.lifetimes.two_factor_code_secs,
            "twoFactorTrustIdTimeToLiveInSeconds": t.lifetimes.two_factor_trust_secs,
        },
        "multiFactorConfiguration": {
            "loginPolicy": "Enabled",
            "sms": {
                "enabled": t.two_factor.sms_enabled,
                "messengerId": t.two_factor.sms_messenger_id.map(|m| m.0),
                "template": t.two_factor.sms_template,
            },
            "authenticator": { "enabled": t.two_factor.authenticator_enabled },
        },
        "failedAuthenticationConfiguration": {
            "tooManyAttempts": t.lockout.too_many_attempts,
            "resetCountInSeconds": t.lockout.reset_count_in_seconds,
            "actionDuration": duration,
            "actionDurationUnit": unit,
            "hardLockAttempts": t.lockout.hard_cap,
        },
        "twoFactorConfiguration": {
            "sendCodeOnLogin": t.two_factor.send_code_on_login,
            "maxCodeAttempts": t.two_factor.max_code_attempts,
            "resendCooldownInSeconds": t.two_factor.resend_cooldown_secs,
            "maxSendsPerChallenge": t.two_factor.max_sends_per_challenge,
        },
        "smsConfiguration": {
            "allowedCountries": t.sms.allowed_countries,
            "maxPer15Minutes": t.sms.max_per_15_minutes,
            "maxPerDay": t.sms.max_per_day,
            "maxPerHour": t.sms.max_per_hour_global,
        },
        "insertInstant": t.inserted.millis(),
        "lastUpdateInstant": t.last_updated.millis(),
    })
}
