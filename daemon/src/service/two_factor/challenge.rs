//! The two-factor step of a login: `/api/login` starts a challenge (242), the client may ask
//! for the code again (`/api/two-factor/send/{id}`), and `/api/two-factor/login` completes
//! it. The check of an entered code and the consumption of the challenge happen in one
//! write transaction, so two concurrent correct submissions cannot both succeed.

use providers::Sms;

use super::codes::{self, CODE_LENGTH};
use crate::app::App;
use crate::crypto::{Keyring, random};
use crate::domain::audit::{AuditEvent, AuditKind};
use crate::domain::ids::{ApplicationId, UserId};
use crate::domain::secret::Digest;
use crate::domain::tenant::Tenant;
use crate::domain::time::Timestamp;
use crate::domain::token::{AuthMethod, amr_with};
use crate::domain::two_factor::challenge::{Challenge, IssuedCode, SendDecision, WrongCode};
use crate::domain::two_factor::trust::Trust;
use crate::domain::two_factor::{Method, is_numeric_code, normalize_recovery_code};
use crate::domain::user::User;
use crate::domain::validation::{Violations, is_blank};
use crate::domain::{DomainError, DomainResult};
use crate::service::login::Authenticated;
use crate::service::sms::{self, provider_error};
use crate::service::sms_limits;
use crate::service::tokens::{self, TokenPlan};
use crate::service::write_then;
use crate::service::{tenant, users};
use crate::store::WriteTxn;

/// A code that must go out once the transaction has committed.
#[derive(Clone)]
pub struct Outgoing {
    pub user_id: UserId,
    pub method_id: String,
    pub to: String,
    pub code: String,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("method_id", &self.method_id)
            .field("to", &crate::domain::phone::mask(&self.to))
            .finish_non_exhaustive()
    }
}

/// Whether the code for a method went out with the 242.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendStatus {
    /// Nothing was asked to be sent for this method.
    NotRequested,
    Sent,
    /// Refused or failed; the code says why (`[RateLimited]`, `[ProviderError]`, …).
    NotSent {
        reason: String,
    },
}

/// A started challenge, as the 242 body describes it.
#[derive(Clone, Debug)]
pub struct Started {
    pub two_factor_id: String,
    pub methods: Vec<Method>,
    pub expires: Timestamp,
    pub attempts_remaining: u32,
    pub code_expires: Option<Timestamp>,
    pub resend_allowed: Option<Timestamp>,
    /// The method the code was meant for, and what happened to it.
    pub send: Option<(String, SendStatus)>,
}

fn issue_code(
    keyring: &Keyring,
    raw_id: &str,
    id_digest: &Digest,
    method_id: &str,
    tenant: &Tenant,
    now: Timestamp,
) -> DomainResult<(IssuedCode, String)> {
    let nonce = random::bytes::<16>()?;
    let code = codes::derive_code(keyring, raw_id, &nonce);
    let issued = IssuedCode {
        method_id: method_id.to_owned(),
        nonce,
        digest: codes::code_digest(keyring, id_digest, &code),
        issued: now,
        expires: now.plus(tenant.lifetimes.code()),
    };
    Ok((issued, code))
}

/// Starts a challenge inside the login transaction; sends nothing itself.
pub(crate) fn begin(
    keyring: &Keyring,
    tx: &mut dyn WriteTxn,
    user: &User,
    tenant: &Tenant,
    application_id: Option<ApplicationId>,
    ip: Option<&str>,
    now: Timestamp,
) -> DomainResult<(Started, Option<Outgoing>)> {
    let raw_id = random::token::<32>()?;
    let id_digest = codes::challenge_digest(keyring, &raw_id);
    let mut challenge = Challenge {
        user_id: user.id,
        application_id,
        created: now,
        expires: now.plus(tenant.lifetimes.two_factor_id()),
        security_stamp: user.security_stamp,
        code: None,
        sends: 0,
        last_send: None,
        failed_attempts: 0,
        ip: ip.map(str::to_owned),
    };
    let mut outgoing = None;
    let mut send = None;
    let mut refused_until = None;
    let preferred = user.two_factor.preferred();
    if let Some(method) = preferred
        && tenant.two_factor.send_code_on_login
        && tenant.two_factor.sms_enabled
        && let Some(phone) = method.kind.sms_phone()
    {
        match sms_limits::reserve(tx, &tenant.sms, user.id, phone, now)? {
            Ok(()) => {
                let (issued, code) =
                    issue_code(keyring, &raw_id, &id_digest, &method.id, tenant, now)?;
                challenge.code = Some(issued);
                challenge.record_send(now);
                outgoing = Some(Outgoing {
                    user_id: user.id,
                    method_id: method.id.clone(),
                    to: phone.to_owned(),
                    code,
                });
                send = Some((method.id.clone(), SendStatus::Sent));
            }
            Err(refusal) => {
                tx.append_audit(
                    &AuditEvent::new(AuditKind::TwoFactorSendRefused, now, refusal.code())
                        .user(user.id)
                        .application(application_id)
                        .ip(ip)
                        .method("sms")
                        .detail(refusal.message()),
                )?;
                refused_until = refusal.retry_after().map(|wait| now.plus(wait));
                send = Some((
                    method.id.clone(),
                    SendStatus::NotSent {
                        reason: refusal.code().to_owned(),
                    },
                ));
            }
        }
    }
    tx.put_challenge(&id_digest, &challenge)?;
    tx.append_audit(
        &AuditEvent::new(AuditKind::TwoFactorChallenged, now, "challenged")
            .user(user.id)
            .application(application_id)
            .ip(ip),
    )?;
    let started = Started {
        two_factor_id: raw_id,
        methods: user.two_factor.methods.clone(),
        expires: challenge.expires,
        attempts_remaining: challenge.attempts_remaining(&tenant.two_factor),
        code_expires: challenge.code.as_ref().map(|c| c.expires),
        resend_allowed: refused_until.or(challenge.resend_allowed_at(&tenant.two_factor)),
        send,
    };
    Ok((started, outgoing))
}

/// Hands a code to the provider and records what happened in the audit log.
pub(crate) async fn deliver(
    app: &App,
    tenant: &Tenant,
    outgoing: &Outgoing,
    ip: Option<&str>,
) -> DomainResult<()> {
    let sms = Sms::new(outgoing.to.clone(), sms::render(tenant, &outgoing.code));
    let result = match app.sms.send_for_tenant(app, tenant, &sms).await {
        Ok(Ok(receipt)) => Ok(receipt),
        Ok(Err(e)) => Err(provider_error(&e)),
        Err(e) => Err(e),
    };
    let now = app.now();
    let masked = crate::domain::phone::mask(&outgoing.to);
    let event = match &result {
        Ok(receipt) => {
            let mut detail = format!("to {masked} via {}", receipt.provider);
            if let Some((from, why)) = &receipt.failed_over_from {
                detail.push_str(&format!(" after {from} failed: {why}"));
            }
            AuditEvent::new(AuditKind::TwoFactorCodeSent, now, "sent").detail(detail)
        }
        Err(e) => {
            tracing::warn!(error = %e, to = %masked, "an SMS code could not be sent");
            AuditEvent::new(AuditKind::TwoFactorSendRefused, now, "provider_error")
                .detail(format!("to {masked}: {e:?}"))
        }
    };
    let event = event.user(outgoing.user_id).ip(ip).method("sms");
    if let Err(e) = app.store.write(move |tx| tx.append_audit(&event)).await {
        tracing::error!(error = %e, "could not record an SMS send in the audit log");
    }
    result.map(|_| ())
}

/// The challenge with this digest and its user, if it is still alive: not expired, and the
/// user's password and methods unchanged since it began. A stale one is deleted.
fn live_challenge(
    tx: &mut dyn WriteTxn,
    id_digest: &Digest,
    now: Timestamp,
) -> DomainResult<Option<(Challenge, User)>> {
    let Some(challenge) = tx.challenge(id_digest)? else {
        return Ok(None);
    };
    match tx.user(challenge.user_id)? {
        Some(user) if challenge.is_live(now) && user.security_stamp == challenge.security_stamp => {
            Ok(Some((challenge, user)))
        }
        _ => {
            tx.delete_challenge(id_digest)?;
            Ok(None)
        }
    }
}

/// `/api/two-factor/send/{twoFactorId}`: sends (or repeats) the code for a method. `Ok(false)`
/// means the request fell inside the resend cooldown and nothing was sent.
pub async fn send(
    app: &App,
    raw_id: &str,
    method_id: Option<String>,
    ip: Option<String>,
) -> DomainResult<bool> {
    let Some(method_id) = method_id.filter(|m| !m.trim().is_empty()) else {
        return Err(DomainError::validation(
            "methodId",
            "blank",
            "You must specify the methodId.",
        ));
    };
    if raw_id.is_empty() || raw_id.len() > 128 {
        return Err(DomainError::NotFound);
    }
    let keyring = app.keyring.clone();
    let id_digest = codes::challenge_digest(&keyring, raw_id);
    let raw = raw_id.to_owned();
    let now = app.now();
    let request_ip = ip.clone();
    let planned = write_then(&*app.store, move |tx| {
        let Some((mut challenge, user)) = live_challenge(tx, &id_digest, now)? else {
            return Ok(Err(DomainError::NotFound));
        };
        let tenant = tenant(tx)?;
        let Some(method) = user.two_factor.method(&method_id) else {
            return Ok(Err(DomainError::validation(
                "methodId",
                "invalid",
                "The user has no method with this id.",
            )));
        };
        let Some(phone) = method.kind.sms_phone().map(str::to_owned) else {
            return Ok(Err(DomainError::validation(
                "methodId",
                "invalid",
                "Codes for this method come from the authenticator app; nothing is sent.",
            )));
        };
        let refused = |tx: &mut dyn WriteTxn, outcome: &str, detail: String| {
            tx.append_audit(
                &AuditEvent::new(AuditKind::TwoFactorSendRefused, now, outcome)
                    .user(user.id)
                    .ip(request_ip.as_deref())
                    .method("sms")
                    .detail(detail),
            )
        };
        match challenge.decide_send(&method_id, now, &tenant.two_factor) {
            SendDecision::Cooldown { .. } => Ok(Ok(None)),
            SendDecision::TooManySends => {
                refused(
                    tx,
                    "too_many_sends",
                    "the challenge used up its sends".to_owned(),
                )?;
                Ok(Err(DomainError::general(
                    "[TooManySends]",
                    format!(
                        "This login attempt already sent {} codes; log in again to get a new one.",
                        tenant.two_factor.max_sends_per_challenge
                    ),
                )))
            }
            SendDecision::Send { reuse } => {
                if let Err(refusal) = sms_limits::reserve(tx, &tenant.sms, user.id, &phone, now)? {
                    refused(tx, refusal.code(), refusal.message())?;
                    return Ok(Err(refusal.into_error("mobilePhone")));
                }
                let code = match (reuse, &challenge.code) {
                    (true, Some(live)) => codes::derive_code(&keyring, &raw, &live.nonce),
                    _ => {
                        let (issued, code) =
                            issue_code(&keyring, &raw, &id_digest, &method_id, &tenant, now)?;
                        challenge.code = Some(issued);
                        code
                    }
                };
                challenge.record_send(now);
                tx.put_challenge(&id_digest, &challenge)?;
                let outgoing = Outgoing {
                    user_id: user.id,
                    method_id: method_id.clone(),
                    to: phone,
                    code,
                };
                Ok(Ok(Some((tenant, outgoing))))
            }
        }
    })
    .await?;
    let Some((tenant, outgoing)) = planned else {
        return Ok(false);
    };
    deliver(app, &tenant, &outgoing, ip.as_deref()).await?;
    Ok(true)
}

/// What `/api/two-factor/login` was given.
#[derive(Clone, Debug, Default)]
pub struct CompleteCommand {
    pub two_factor_id: Option<String>,
    pub code: Option<String>,
    pub application_id: Option<ApplicationId>,
    pub trust_computer: bool,
    pub no_jwt: bool,
    pub ip: Option<String>,
}

/// How the second factor was proven.
enum Proof {
    Sms { method_id: String },
    Authenticator { method_id: String },
    Recovery,
}

/// Checks `code` against the challenge's live SMS code and the user's recovery codes.
fn prove(
    keyring: &Keyring,
    id_digest: &Digest,
    challenge: &Challenge,
    user: &mut User,
    code: &str,
    now: Timestamp,
) -> Option<Proof> {
    if is_numeric_code(code, CODE_LENGTH)
        && let Some(live) = challenge.live_code(now)
    {
        let entered = codes::code_digest(keyring, id_digest, code);
        if crate::crypto::keyring::digests_equal(&entered, &live.digest) {
            return Some(Proof::Sms {
                method_id: live.method_id.clone(),
            });
        }
    }
    if is_numeric_code(code, super::totp::CODE_LENGTH as usize) {
        let methods: Vec<Method> = user
            .two_factor
            .methods
            .iter()
            .filter(|m| m.kind.is_authenticator())
            .cloned()
            .collect();
        for method in methods {
            let last = user.two_factor.last_totp_step(&method.id);
            if let Some(step) = super::totp::verify_method(keyring, &method, last, code, now) {
                user.two_factor.use_totp_step(&method.id, step);
                return Some(Proof::Authenticator {
                    method_id: method.id,
                });
            }
        }
    }
    if let Some(normalized) = normalize_recovery_code(code) {
        let digest = codes::recovery_digest(keyring, user.id, &normalized);
        if user.two_factor.take_recovery_code(&digest) {
            return Some(Proof::Recovery);
        }
    }
    None
}

/// `/api/two-factor/login`.
pub async fn complete(app: &App, cmd: CompleteCommand) -> DomainResult<Authenticated> {
    let mut v = Violations::new();
    if is_blank(cmd.two_factor_id.as_deref()) {
        v.field("twoFactorId", "blank", "You must specify the twoFactorId.");
    }
    if is_blank(cmd.code.as_deref()) {
        v.field("code", "blank", "You must specify the code.");
    }
    v.into_result()?;
    let raw_id = cmd.two_factor_id.clone().unwrap_or_default();
    let code = cmd.code.clone().unwrap_or_default().trim().to_owned();
    if raw_id.len() > 128 || code.len() > 64 {
        return Err(DomainError::NotFound);
    }
    let keyring = app.keyring.clone();
    let id_digest = codes::challenge_digest(&keyring, &raw_id);
    let now = app.now();
    let trust_raw = if cmd.trust_computer {
        Some(random::token::<32>()?)
    } else {
        None
    };
    let cmd_for_txn = cmd.clone();
    let app_keyring = app.keyring.clone();
    let plan = write_then(&*app.store, move |tx| {
        let cmd = &cmd_for_txn;
        let Some((mut challenge, user)) = live_challenge(tx, &id_digest, now)? else {
            return Ok(Err(DomainError::NotFound));
        };
        let mut user = user;
        let tenant = tenant(tx)?;
        let ip = cmd
            .ip
            .as_deref()
            .or(challenge.ip.as_deref())
            .map(str::to_owned);
        let application_id = challenge.application_id.or(cmd.application_id);

        let Some(proof) = prove(&keyring, &id_digest, &challenge, &mut user, &code, now) else {
            // A wrong code: count it against the challenge and against the account.
            let lock = user.lockout.record_failure(&tenant.lockout, now);
            if lock.is_some() {
                tx.delete_refresh_tokens_of(user.id)?;
                tx.append_audit(
                    &AuditEvent::new(AuditKind::AccountLocked, now, "locked")
                        .user(user.id)
                        .ip(ip.as_deref()),
                )?;
            }
            users::save_user(tx, &user)?;
            match challenge.record_wrong_code(&tenant.two_factor) {
                WrongCode::Killed => {
                    tx.delete_challenge(&id_digest)?;
                    tx.append_audit(
                        &AuditEvent::new(
                            AuditKind::TwoFactorChallengeKilled,
                            now,
                            "too_many_wrong_codes",
                        )
                        .user(user.id)
                        .ip(ip.as_deref()),
                    )?;
                }
                WrongCode::Retry { remaining } => {
                    tx.put_challenge(&id_digest, &challenge)?;
                    tx.append_audit(
                        &AuditEvent::new(AuditKind::TwoFactorFailed, now, "wrong_code")
                            .user(user.id)
                            .ip(ip.as_deref())
                            .detail(format!("{remaining} attempts left")),
                    )?;
                }
            }
            return Ok(Err(DomainError::InvalidCode));
        };

        // The second factor is proven: the challenge is used up whatever happens next.
        tx.delete_challenge(&id_digest)?;
        let second = match &proof {
            Proof::Sms { method_id } => {
                user.two_factor.mark_used(method_id);
                AuthMethod::Sms
            }
            Proof::Authenticator { method_id } => {
                user.two_factor.mark_used(method_id);
                AuthMethod::Otp
            }
            Proof::Recovery => AuthMethod::RecoveryCode,
        };
        if !user.active {
            users::save_user(tx, &user)?;
            return Ok(Err(DomainError::UserDeactivated));
        }
        if user.expiry.is_some_and(|e| e <= now) {
            users::save_user(tx, &user)?;
            return Ok(Err(DomainError::UserExpired));
        }
        if let Some(lock) = user.lockout.active_lock(now) {
            users::save_user(tx, &user)?;
            tx.append_audit(
                &AuditEvent::new(AuditKind::LoginPrevented, now, "locked")
                    .user(user.id)
                    .ip(ip.as_deref()),
            )?;
            return Ok(Err(DomainError::LoginPrevented(vec![
                lock.for_user(user.id),
            ])));
        }
        let application = match application_id {
            Some(id) => tx.application(id)?,
            None => None,
        };
        let registered = user.record_login(application.as_ref().map(|a| a.id), now);
        let trust = match &trust_raw {
            Some(raw) => {
                let record = Trust {
                    user_id: user.id,
                    application_id,
                    created: now,
                    expires: now.plus(tenant.lifetimes.trust()),
                    security_stamp: user.security_stamp,
                };
                tx.put_trust(&codes::trust_digest(&keyring, raw), &record)?;
                Some(raw.clone())
            }
            None => None,
        };
        let amr = amr_with(Some(second));
        let refresh = tokens::maybe_refresh_token(
            &app_keyring,
            tx,
            &user,
            &tenant,
            application.as_ref(),
            registered,
            cmd.no_jwt,
            &amr,
            now,
            ip.as_deref(),
            now,
        )?;
        users::save_user(tx, &user)?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::TwoFactorSucceeded, now, "succeeded")
                .user(user.id)
                .application(application_id)
                .ip(ip.as_deref())
                .method(match proof {
                    Proof::Sms { .. } => "sms",
                    Proof::Authenticator { .. } => "authenticator",
                    Proof::Recovery => "recovery",
                }),
        )?;
        Ok(Ok((
            TokenPlan {
                user,
                tenant,
                application,
                registered,
                amr,
                auth_time: now,
                authentication_type: "PASSWORD",
                refresh,
            },
            trust,
        )))
    })
    .await?;
    let (plan, trust) = plan;
    let tokens = if cmd.no_jwt {
        None
    } else {
        Some(tokens::sign(app, &plan, now)?)
    };
    Ok(Authenticated {
        registered: plan.registered,
        user: plan.user,
        tokens,
        trust_id: trust,
    })
}

/// Whether a presented trust id lets this user skip the challenge.
pub(crate) fn is_trusted(
    keyring: &Keyring,
    tx: &dyn crate::store::ReadTxn,
    user: &User,
    raw: Option<&str>,
    now: Timestamp,
) -> DomainResult<bool> {
    let Some(raw) = raw.filter(|r| !r.is_empty() && r.len() <= 128) else {
        return Ok(false);
    };
    let digest = codes::trust_digest(keyring, raw);
    Ok(tx
        .trust(&digest)?
        .is_some_and(|t| t.is_valid_for(user, now)))
}

/// `/api/two-factor/status/{trustId}`: would this user be challenged?
pub async fn status(
    app: &App,
    user_id: UserId,
    raw_trust: Option<String>,
) -> DomainResult<(bool, Option<Trust>)> {
    let keyring = app.keyring.clone();
    let now = app.now();
    app.store
        .read(move |tx| {
            let user = tx.user(user_id)?.ok_or(DomainError::NotFound)?;
            if !user.has_two_factor() {
                return Ok((false, None));
            }
            let trust = match raw_trust
                .as_deref()
                .filter(|r| !r.is_empty() && r.len() <= 128)
            {
                Some(raw) => tx
                    .trust(&codes::trust_digest(&keyring, raw))?
                    .filter(|t| t.is_valid_for(&user, now)),
                None => None,
            };
            Ok((trust.is_none(), trust))
        })
        .await
}
