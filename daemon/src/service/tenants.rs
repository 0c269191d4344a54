//! The tenant's settings: read and change them (FusionAuth's `/api/tenant`). Changes are
//! checked against the same limits the defaults respect (e.g. codes live at most 10 minutes).

use crate::app::App;
use crate::domain::tenant::{MAX_CODE_LIFETIME, Tenant};
use crate::domain::validation::Violations;
use crate::domain::{DomainError, DomainResult};

pub async fn get(app: &App) -> DomainResult<Tenant> {
    app.store.read(|tx| crate::service::tenant(tx)).await
}

/// Checks a changed tenant.
pub fn check(tenant: &Tenant, v: &mut Violations) {
    let l = &tenant.lifetimes;
    for (field, value) in [
        (
            "tenant.jwtConfiguration.timeToLiveInSeconds",
            l.access_token_secs,
        ),
        (
            "tenant.jwtConfiguration.refreshTokenTimeToLiveInMinutes",
            l.refresh_token_minutes,
        ),
        (
            "tenant.externalIdentifierConfiguration.twoFactorIdTimeToLiveInSeconds",
            l.two_factor_id_secs,
        ),
        (
            "tenant.externalIdentifierConfiguration.twoFactorOneTimeCodeIdTimeToLiveInSeconds",
            l.two_factor_code_secs,
        ),
        (
            "tenant.externalIdentifierConfiguration.twoFactorTrustIdTimeToLiveInSeconds",
            l.two_factor_trust_secs,
        ),
    ] {
        if value == 0 {
            v.field(field, "tooSmall", "Must be at least 1.");
        }
    }
    if u64::from(l.two_factor_code_secs) > MAX_CODE_LIFETIME.as_secs() {
        v.field(
            "tenant.externalIdentifierConfiguration.twoFactorOneTimeCodeIdTimeToLiveInSeconds",
            "tooLarge",
            "A one-time code may live at most 600 seconds (ASVS 2.7.2).",
        );
    }
    let lock = &tenant.lockout;
    if lock.too_many_attempts == 0 {
        v.field(
            "tenant.failedAuthenticationConfiguration.tooManyAttempts",
            "tooSmall",
            "Must be at least 1.",
        );
    }
    if lock.reset_count_in_seconds == 0 {
        v.field(
            "tenant.failedAuthenticationConfiguration.resetCountInSeconds",
            "tooSmall",
            "Must be at least 1.",
        );
    }
    if lock.action_duration_secs == 0 {
        v.field(
            "tenant.failedAuthenticationConfiguration.actionDuration",
            "tooSmall",
            "Must be at least 1.",
        );
    }
    if lock.hard_cap == 0 || lock.hard_cap > 100 {
        v.field(
            "tenant.failedAuthenticationConfiguration.hardLockAttempts",
            "invalid",
            "Must be between 1 and 100 (NIST 800-63B).",
        );
    }
    let tf = &tenant.two_factor;
    if tf.max_code_attempts == 0 {
        v.field(
            "tenant.twoFactorConfiguration.maxCodeAttempts",
            "tooSmall",
            "Must be at least 1.",
        );
    }
    if tf.max_sends_per_challenge == 0 {
        v.field(
            "tenant.twoFactorConfiguration.maxSendsPerChallenge",
            "tooSmall",
            "Must be at least 1.",
        );
    }
    if !tf.sms_template.contains("{code}") {
        v.field(
            "tenant.multiFactorConfiguration.sms.template",
            "invalid",
            "The template must contain {code}.",
        );
    }
    if tenant.issuer.trim().is_empty() {
        v.field("tenant.issuer", "blank", "You must specify the issuer.");
    }
    for country in &tenant.sms.allowed_countries {
        let ok = country == "*"
            || (country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase()));
        if !ok {
            v.field(
                "tenant.smsConfiguration.allowedCountries",
                "invalid",
                format!("[{country}] is not an ISO 3166 region code like US, or *."),
            );
        }
    }
    for (field, value) in [
        (
            "tenant.smsConfiguration.maxPer15Minutes",
            tenant.sms.max_per_15_minutes,
        ),
        ("tenant.smsConfiguration.maxPerDay", tenant.sms.max_per_day),
        (
            "tenant.smsConfiguration.maxPerHour",
            tenant.sms.max_per_hour_global,
        ),
    ] {
        if value == 0 {
            v.field(field, "tooSmall", "Must be at least 1.");
        }
    }
}

/// Replaces the tenant with `changed` after checking it.
pub async fn update(app: &App, changed: Tenant) -> DomainResult<Tenant> {
    let mut v = Violations::new();
    check(&changed, &mut v);
    v.into_result()?;
    let now = app.now();
    let saved = app
        .store
        .write(move |tx| {
            let current = crate::service::tenant(tx)?;
            if let Some(id) = changed.two_factor.sms_messenger_id
                && tx.messenger(id)?.is_none()
            {
                return Err(DomainError::validation(
                    "tenant.multiFactorConfiguration.sms.messengerId",
                    "invalid",
                    "No messenger has that id.",
                ));
            }
            let mut tenant = changed.clone();
            tenant.id = current.id;
            tenant.inserted = current.inserted;
            tenant.last_updated = now;
            tx.put_tenant(&tenant)?;
            Ok(tenant)
        })
        .await?;
    crate::service::bootstrap::warn_if_console(&*app.store, &app.config).await?;
    Ok(saved)
}
