//! Managing two-factor methods outside a login: send a code to a number being added,
//! enable SMS with that code (the first method also yields recovery codes), disable a method
//! with a code or a recovery code, and regenerate recovery codes. Every change moves the
//! user's security stamp, which ends trusted devices and pending challenges.

use super::challenge::{Outgoing, deliver};
use super::{codes, totp};
use crate::app::App;
use crate::crypto::{Keyring, random};
use crate::domain::audit::{AuditEvent, AuditKind};
use crate::domain::ids::UserId;
use crate::domain::phone;
use crate::domain::time::Timestamp;
use crate::domain::two_factor::{
    Method, MethodKind, PendingCode, PendingPurpose, normalize_recovery_code,
};
use crate::domain::user::User;
use crate::domain::{DomainError, DomainResult};
use crate::service::sms_limits::{self, check_destination};
use crate::service::write_then;
use crate::service::{tenant, users};
use crate::store::WriteTxn;

/// Wrong entries a pending code survives.
const MAX_PENDING_ATTEMPTS: u32 = 5;

/// What a code is being sent for.
#[derive(Clone, Debug)]
pub enum SendPurpose {
    /// Adding SMS to this number.
    Enable { mobile_phone: Option<String> },
    /// Removing this method.
    Disable { method_id: String },
}

fn parse_phone(raw: Option<&str>) -> DomainResult<phone::E164> {
    let Some(raw) = raw.filter(|p| !p.trim().is_empty()) else {
        return Err(DomainError::validation(
            "mobilePhone",
            "blank",
            "You must specify the mobilePhone.",
        ));
    };
    phone::parse(raw, None).map_err(|e| {
        DomainError::validation(
            "mobilePhone",
            "invalid",
            format!("The mobilePhone is {e}; use the international format, e.g. +12025550143."),
        )
    })
}

/// `POST /api/two-factor/send` with an API key: sends a code for enabling or disabling.
pub async fn send_code(
    app: &App,
    user_id: UserId,
    purpose: SendPurpose,
    ip: Option<String>,
) -> DomainResult<()> {
    let enable_phone = match &purpose {
        SendPurpose::Enable { mobile_phone } => Some(parse_phone(mobile_phone.as_deref())?),
        SendPurpose::Disable { .. } => None,
    };
    let keyring = app.keyring.clone();
    let now = app.now();
    let audit_ip = ip.clone();
    let planned = write_then(&*app.store, move |tx| {
        let mut user = tx.user(user_id)?.ok_or(DomainError::NotFound)?;
        let tenant = tenant(tx)?;
        let (pending_purpose, to) = match (&purpose, &enable_phone) {
            (SendPurpose::Enable { .. }, Some(number)) => {
                if let Err(refusal) = check_destination(&tenant.sms, number) {
                    return Ok(Err(refusal.into_error("mobilePhone")));
                }
                if user.two_factor.sms_method_for(&number.number).is_some() {
                    return Ok(Err(DomainError::validation(
                        "mobilePhone",
                        "duplicate",
                        "Two-factor by SMS is already enabled for this number.",
                    )));
                }
                (
                    PendingPurpose::EnableSms {
                        mobile_phone: number.number.clone(),
                    },
                    number.number.clone(),
                )
            }
            (SendPurpose::Disable { method_id }, _) => {
                let Some(method) = user.two_factor.method(method_id) else {
                    return Ok(Err(DomainError::validation(
                        "methodId",
                        "invalid",
                        "The user has no method with this id.",
                    )));
                };
                let Some(phone) = method.kind.sms_phone() else {
                    return Ok(Err(DomainError::validation(
                        "methodId",
                        "invalid",
                        "Use a code from the authenticator app to disable it; nothing is sent.",
                    )));
                };
                (
                    PendingPurpose::Disable {
                        method_id: method_id.clone(),
                    },
                    phone.to_owned(),
                )
            }
            (SendPurpose::Enable { .. }, None) => {
                return Ok(Err(DomainError::Internal("phone not parsed".to_owned())));
            }
        };
        if let Err(refusal) = sms_limits::reserve(tx, &tenant.sms, user.id, &to, now)? {
            tx.append_audit(
                &AuditEvent::new(AuditKind::TwoFactorSendRefused, now, refusal.code())
                    .user(user.id)
                    .ip(audit_ip.as_deref())
                    .method("sms")
                    .detail(refusal.message()),
            )?;
            return Ok(Err(refusal.into_error("mobilePhone")));
        }
        let code = random::digits(codes::CODE_LENGTH)?;
        user.two_factor.prune_pending(now);
        user.two_factor
            .pending
            .retain(|p| p.purpose != pending_purpose);
        user.two_factor.pending.push(PendingCode {
            digest: codes::pending_digest(&keyring, user.id, &pending_purpose, &code),
            purpose: pending_purpose,
            issued: now,
            expires: now.plus(tenant.lifetimes.code()),
            failed_attempts: 0,
        });
        users::save_user(tx, &user)?;
        Ok(Ok((
            tenant,
            Outgoing {
                user_id: user.id,
                method_id: String::new(),
                to,
                code,
            },
        )))
    })
    .await?;
    let (tenant, outgoing) = planned;
    deliver(app, &tenant, &outgoing, ip.as_deref()).await
}

/// Checks a pending code for `purpose`; on a wrong code counts the attempt. `Ok(true)` when
/// it matched (and was consumed).
fn take_pending(
    keyring: &crate::crypto::Keyring,
    user: &mut User,
    purpose: &PendingPurpose,
    code: &str,
    now: Timestamp,
) -> bool {
    user.two_factor.prune_pending(now);
    let entered = codes::pending_digest(keyring, user.id, purpose, code);
    let Some(index) = user
        .two_factor
        .pending
        .iter()
        .position(|p| &p.purpose == purpose)
    else {
        return false;
    };
    if crate::crypto::keyring::digests_equal(&entered, &user.two_factor.pending[index].digest) {
        user.two_factor.pending.remove(index);
        return true;
    }
    let pending = &mut user.two_factor.pending[index];
    pending.failed_attempts += 1;
    if pending.failed_attempts >= MAX_PENDING_ATTEMPTS {
        user.two_factor.pending.remove(index);
    }
    false
}

/// `POST /api/user/two-factor/{userId}`: enables SMS to a number with the code sent to it.
/// Returns the recovery codes when this is the user's first method.
pub async fn enable_sms(
    app: &App,
    user_id: UserId,
    mobile_phone: Option<String>,
    code: Option<String>,
    ip: Option<String>,
) -> DomainResult<Option<Vec<String>>> {
    let number = parse_phone(mobile_phone.as_deref())?;
    let Some(code) = code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()) else {
        return Err(DomainError::validation(
            "code",
            "blank",
            "You must specify the code.",
        ));
    };
    let keyring = app.keyring.clone();
    let now = app.now();
    write_then(&*app.store, move |tx| {
        let mut user = tx.user(user_id)?.ok_or(DomainError::NotFound)?;
        let purpose = PendingPurpose::EnableSms {
            mobile_phone: number.number.clone(),
        };
        if !take_pending(&keyring, &mut user, &purpose, &code, now) {
            users::save_user(tx, &user)?;
            return Ok(Err(DomainError::InvalidCode));
        }
        if user.two_factor.sms_method_for(&number.number).is_some() {
            // Enabled meanwhile (a double submit): nothing more to do.
            return Ok(Ok(None));
        }
        let method = Method {
            id: random::method_id()?,
            name: None,
            last_used: false,
            kind: MethodKind::Sms {
                mobile_phone: number.number.clone(),
            },
        };
        let event = AuditEvent::new(AuditKind::TwoFactorEnabled, now, "enabled")
            .ip(ip.as_deref())
            .method("sms")
            .detail(format!("to {}", phone::mask(&number.number)));
        add_method(tx, &keyring, user, method, event, now).map(Ok)
    })
    .await
}

/// `POST /api/user/two-factor/{userId}` with `method: "authenticator"`: enables the app whose
/// secret the client holds, proven by a current code from it (which cannot be used again).
/// Returns the recovery codes when this is the user's first method.
pub async fn enable_authenticator(
    app: &App,
    user_id: UserId,
    secret: Option<String>,
    secret_base32: Option<String>,
    code: Option<String>,
    ip: Option<String>,
) -> DomainResult<Option<Vec<String>>> {
    let key = totp::key_from(secret.as_deref(), secret_base32.as_deref()).map_err(|message| {
        let field = if secret_base32.is_some() {
            "secretBase32Encoded"
        } else {
            "secret"
        };
        DomainError::validation(field, "invalid", message)
    })?;
    let Some(code) = code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()) else {
        return Err(DomainError::validation(
            "code",
            "blank",
            "You must specify the code.",
        ));
    };
    let now = app.now();
    let Some(step) = totp::verify(&key, &code, now, None) else {
        return Err(DomainError::InvalidCode);
    };
    let sealed = app.keyring.seal(totp::SECRET_PURPOSE, &key)?;
    let keyring = app.keyring.clone();
    write_then(&*app.store, move |tx| {
        let mut user = tx.user(user_id)?.ok_or(DomainError::NotFound)?;
        // The same secret twice would be one factor counted twice.
        let duplicate = user.two_factor.methods.iter().any(|m| match &m.kind {
            MethodKind::Authenticator { secret, .. } => keyring
                .open(totp::SECRET_PURPOSE, secret)
                .is_ok_and(|existing| *existing == *key),
            MethodKind::Sms { .. } => false,
        });
        if duplicate {
            return Ok(Err(DomainError::validation(
                "secret",
                "duplicate",
                "This authenticator is already enabled.",
            )));
        }
        let method_id = random::method_id()?;
        // The code that proved the app cannot log in as well.
        user.two_factor.use_totp_step(&method_id, step);
        let method = Method {
            id: method_id,
            name: None,
            last_used: false,
            kind: MethodKind::Authenticator {
                secret: sealed.clone(),
                algorithm: totp::ALGORITHM.to_owned(),
                code_length: totp::CODE_LENGTH,
                time_step: totp::TIME_STEP,
            },
        };
        let event = AuditEvent::new(AuditKind::TwoFactorEnabled, now, "enabled")
            .ip(ip.as_deref())
            .method("authenticator");
        add_method(tx, &keyring, user, method, event, now).map(Ok)
    })
    .await
}

/// Adds a confirmed method: the first one brings recovery codes (returned to show once), and
/// the security stamp moves so trusted devices and pending challenges end.
fn add_method(
    tx: &mut dyn WriteTxn,
    keyring: &Keyring,
    mut user: User,
    method: Method,
    event: AuditEvent,
    now: Timestamp,
) -> DomainResult<Option<Vec<String>>> {
    let first = user.two_factor.methods.is_empty();
    user.two_factor.methods.push(method);
    let recovery = if first {
        let (shown, kept) = codes::new_recovery_codes(keyring, user.id)?;
        user.two_factor.recovery_codes = kept;
        Some(shown)
    } else {
        None
    };
    user.security_stamp = user.security_stamp.wrapping_add(1);
    user.last_updated = now;
    users::save_user(tx, &user)?;
    tx.append_audit(&event.user(user.id))?;
    Ok(recovery)
}

/// `DELETE /api/user/two-factor/{userId}?methodId=&code=`: the code is one sent to disable
/// that method, or a recovery code (which removes every method, as in FusionAuth).
pub async fn disable(
    app: &App,
    user_id: UserId,
    method_id: Option<String>,
    code: Option<String>,
    ip: Option<String>,
) -> DomainResult<()> {
    let Some(code) = code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()) else {
        return Err(DomainError::validation(
            "code",
            "blank",
            "You must specify the code.",
        ));
    };
    let keyring = app.keyring.clone();
    let now = app.now();
    write_then(&*app.store, move |tx| {
        let mut user = tx.user(user_id)?.ok_or(DomainError::NotFound)?;
        if !user.has_two_factor() {
            return Ok(Err(DomainError::general(
                "[NotEnabled]",
                "Two-factor authentication is not enabled for this user.",
            )));
        }
        let recovery = normalize_recovery_code(&code)
            .map(|n| codes::recovery_digest(&keyring, user.id, &n))
            .is_some_and(|digest| user.two_factor.take_recovery_code(&digest));
        let removed = if recovery {
            std::mem::take(&mut user.two_factor.methods).len()
        } else {
            let Some(method_id) = method_id.clone().filter(|m| !m.is_empty()) else {
                return Ok(Err(DomainError::validation(
                    "methodId",
                    "blank",
                    "You must specify the methodId.",
                )));
            };
            let Some(method) = user.two_factor.method(&method_id).cloned() else {
                return Ok(Err(DomainError::validation(
                    "methodId",
                    "invalid",
                    "The user has no method with this id.",
                )));
            };
            if method.kind.is_authenticator() {
                // An authenticator is removed with a current code from it.
                let last = user.two_factor.last_totp_step(&method_id);
                match totp::verify_method(&keyring, &method, last, &code, now) {
                    Some(step) => user.two_factor.use_totp_step(&method_id, step),
                    None => return Ok(Err(DomainError::InvalidCode)),
                }
            } else {
                let purpose = PendingPurpose::Disable {
                    method_id: method_id.clone(),
                };
                if !take_pending(&keyring, &mut user, &purpose, &code, now) {
                    users::save_user(tx, &user)?;
                    return Ok(Err(DomainError::InvalidCode));
                }
            }
            user.two_factor.methods.retain(|m| m.id != method_id);
            1
        };
        if user.two_factor.methods.is_empty() {
            user.two_factor.recovery_codes.clear();
            user.two_factor.pending.clear();
        }
        user.security_stamp = user.security_stamp.wrapping_add(1);
        user.last_updated = now;
        users::save_user(tx, &user)?;
        tx.append_audit(
            &AuditEvent::new(
                AuditKind::TwoFactorDisabled,
                now,
                if recovery { "recovery_code" } else { "code" },
            )
            .user(user.id)
            .ip(ip.as_deref())
            .detail(format!("{removed} method(s) removed")),
        )?;
        Ok(Ok(()))
    })
    .await
}

/// `POST /api/user/two-factor/recovery-code/{userId}`: a new set; the old one stops working.
pub async fn regenerate_recovery_codes(app: &App, user_id: UserId) -> DomainResult<Vec<String>> {
    let keyring = app.keyring.clone();
    let now = app.now();
    write_then(&*app.store, move |tx| {
        let mut user = tx.user(user_id)?.ok_or(DomainError::NotFound)?;
        if !user.has_two_factor() {
            return Ok(Err(DomainError::general(
                "[NotEnabled]",
                "Two-factor authentication is not enabled for this user.",
            )));
        }
        let (shown, kept) = codes::new_recovery_codes(&keyring, user.id)?;
        user.two_factor.recovery_codes = kept;
        user.last_updated = now;
        users::save_user(tx, &user)?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::RecoveryCodesGenerated, now, "generated").user(user.id),
        )?;
        Ok(Ok(shown))
    })
    .await
}

/// How many recovery codes are left (the codes themselves are only shown when generated).
pub async fn remaining_recovery_codes(app: &App, user_id: UserId) -> DomainResult<usize> {
    let user = app
        .store
        .read(move |tx| tx.user(user_id))
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(user.two_factor.recovery_codes.len())
}
