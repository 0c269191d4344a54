//! `POST /api/login`: check the password (always paying for one hash, so unknown users and
//! wrong passwords look and take the same), then in one transaction apply the account's
//! state (lock 409, deactivated 423, expired 410), and either start a two-factor challenge
//! (242) or finish the login (200, or 202 when not registered for the application).

use crate::app::App;
use crate::domain::audit::{AuditEvent, AuditKind};
use crate::domain::ids::{ApplicationId, UserId};
use crate::domain::secret::SecretString;
use crate::domain::token::amr_with;
use crate::domain::user::User;
use crate::domain::validation::{Violations, is_blank};
use crate::domain::{DomainError, DomainResult};
use crate::service::tokens::{self, IssuedTokens, TokenPlan};
use crate::service::two_factor::challenge::{self, SendStatus, Started};
use crate::service::write_then;
use crate::service::{tenant, users};

/// Whether the caller presented an API key, and whether it was good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiKeyState {
    Absent,
    Valid,
    Invalid,
}

#[derive(Clone, Debug)]
pub struct LoginCommand {
    pub login_id: Option<String>,
    pub password: Option<SecretString>,
    pub application_id: Option<ApplicationId>,
    pub ip: Option<String>,
    pub no_jwt: bool,
    pub two_factor_trust_id: Option<String>,
    pub api_key: ApiKeyState,
}

/// A completed authentication.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub user: User,
    /// False when an application was named and the user is not registered for it (202).
    pub registered: bool,
    /// `None` with `noJWT`.
    pub tokens: Option<IssuedTokens>,
    /// A new trust id when the client asked to trust this device.
    pub trust_id: Option<String>,
}

#[derive(Clone, Debug)]
pub enum LoginOutcome {
    Authenticated(Box<Authenticated>),
    TwoFactorRequired(Box<Started>),
}

enum Step {
    Done(Box<TokenPlan>),
    Challenge(
        Box<(
            Started,
            Option<challenge::Outgoing>,
            crate::domain::tenant::Tenant,
        )>,
    ),
}

pub async fn login(app: &App, cmd: LoginCommand) -> DomainResult<LoginOutcome> {
    let mut v = Violations::new();
    if is_blank(cmd.login_id.as_deref()) {
        v.field("loginId", "blank", "You must specify the loginId.");
    }
    if cmd.password.as_ref().is_none_or(SecretString::is_empty) {
        v.field("password", "blank", "You must specify the password.");
    }
    v.into_result()?;
    let login_id = cmd.login_id.clone().unwrap_or_default();
    let password = cmd.password.clone().unwrap_or_default();
    if password.expose().chars().count() > app.config.security.password_max_length {
        // Longer than any password we accept: it cannot match, but costs the same.
        let _ = app.passwords.verify("", None).await?;
        return Err(DomainError::BadCredentials);
    }

    let application_id = cmd.application_id;
    let key = login_id.to_lowercase();
    let (application, tenant, user) = app
        .store
        .read(move |tx| {
            let application = match application_id {
                Some(id) => tx.application(id)?,
                None => None,
            };
            let user = match tx.user_by_email(&key)? {
                Some(user) => Some(user),
                None => tx.user_by_username(&key)?,
            };
            Ok::<_, DomainError>((application, tenant(tx)?, user))
        })
        .await?;

    if let Some(id) = application_id {
        match &application {
            None => {
                return Err(DomainError::validation(
                    "applicationId",
                    "invalid",
                    format!("No Application exists for the Id [{id}]."),
                ));
            }
            Some(a) if !a.active => {
                return Err(DomainError::validation(
                    "applicationId",
                    "inactive",
                    "The application is not active.",
                ));
            }
            Some(_) => {}
        }
    }
    let key_required = application
        .as_ref()
        .map_or(tenant.login.require_authentication, |a| {
            a.login_configuration.require_authentication
        });
    match cmd.api_key {
        ApiKeyState::Invalid => return Err(DomainError::Unauthorized),
        ApiKeyState::Absent if key_required => return Err(DomainError::Unauthorized),
        _ => {}
    }

    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = app
        .passwords
        .verify(password.expose(), stored_hash.clone())
        .await?;
    let user_id = user.as_ref().map(|u| u.id);
    if !verified.matches {
        record_failure(app, user_id, cmd.ip.clone(), application_id).await?;
        return Err(DomainError::BadCredentials);
    }
    let Some(user_id) = user_id else {
        return Err(DomainError::BadCredentials);
    };
    // Rehash with the configured cost; skipped (not failed) when the pool is busy.
    let rehash = if verified.needs_rehash {
        app.passwords.hash(password.expose()).await.ok()
    } else {
        None
    };

    let now = app.now();
    let keyring = app.keyring.clone();
    let ip = cmd.ip.clone();
    let no_jwt = cmd.no_jwt;
    let trust_raw = cmd.two_factor_trust_id.clone();
    let step = write_then(&*app.store, move |tx| {
        let Some(mut user) = tx.user(user_id)? else {
            return Ok(Err(DomainError::BadCredentials));
        };
        if user.password_hash != stored_hash {
            // The password changed while we were hashing.
            return Ok(Err(DomainError::BadCredentials));
        }
        let audit = |kind, outcome: &str| {
            AuditEvent::new(kind, now, outcome)
                .user(user_id)
                .application(application_id)
                .ip(ip.as_deref())
                .method("password")
        };
        if !user.active {
            tx.append_audit(&audit(AuditKind::LoginPrevented, "deactivated"))?;
            return Ok(Err(DomainError::UserDeactivated));
        }
        if user.expiry.is_some_and(|e| e <= now) {
            tx.append_audit(&audit(AuditKind::LoginPrevented, "expired"))?;
            return Ok(Err(DomainError::UserExpired));
        }
        if let Some(lock) = user.lockout.active_lock(now) {
            tx.append_audit(&audit(AuditKind::LoginPrevented, "locked"))?;
            return Ok(Err(DomainError::LoginPrevented(vec![
                lock.for_user(user_id),
            ])));
        }
        if let Some(hash) = &rehash {
            user.password_hash = Some(hash.clone());
        }
        let tenant = tenant.clone();
        if user.has_two_factor()
            && !challenge::is_trusted(&keyring, tx, &user, trust_raw.as_deref(), now)?
        {
            let (started, outgoing) = challenge::begin(
                &keyring,
                tx,
                &user,
                &tenant,
                application_id,
                ip.as_deref(),
                now,
            )?;
            if rehash.is_some() {
                users::save_user(tx, &user)?;
            }
            return Ok(Ok(Step::Challenge(Box::new((started, outgoing, tenant)))));
        }
        let registered = user.record_login(application.as_ref().map(|a| a.id), now);
        let amr = amr_with(None);
        let refresh = tokens::maybe_refresh_token(
            &keyring,
            tx,
            &user,
            &tenant,
            application.as_ref(),
            registered,
            no_jwt,
            &amr,
            now,
            ip.as_deref(),
            now,
        )?;
        users::save_user(tx, &user)?;
        tx.append_audit(&audit(
            AuditKind::LoginSucceeded,
            if registered {
                "succeeded"
            } else {
                "not_registered"
            },
        ))?;
        Ok(Ok(Step::Done(Box::new(TokenPlan {
            user,
            tenant,
            application: application.clone(),
            registered,
            amr,
            auth_time: now,
            authentication_type: "PASSWORD",
            refresh,
        }))))
    })
    .await?;

    match step {
        Step::Done(plan) => {
            let tokens = if cmd.no_jwt {
                None
            } else {
                Some(tokens::sign(app, &plan, now)?)
            };
            Ok(LoginOutcome::Authenticated(Box::new(Authenticated {
                registered: plan.registered,
                user: plan.user,
                tokens,
                trust_id: None,
            })))
        }
        Step::Challenge(boxed) => {
            let (mut started, outgoing, tenant) = *boxed;
            if let Some(outgoing) = outgoing
                && let Err(e) = challenge::deliver(app, &tenant, &outgoing, cmd.ip.as_deref()).await
            {
                // The user still reaches code entry and can ask for a resend (FusionAuth #1754).
                tracing::debug!(error = %e, "the login code was not delivered");
                started.send = Some((
                    outgoing.method_id.clone(),
                    SendStatus::NotSent {
                        reason: "[ProviderError]".to_owned(),
                    },
                ));
            }
            Ok(LoginOutcome::TwoFactorRequired(Box::new(started)))
        }
    }
}

/// A wrong password: counts toward the lockout when the user exists, and is audited either
/// way, so both cases do the same work.
async fn record_failure(
    app: &App,
    user_id: Option<UserId>,
    ip: Option<String>,
    application_id: Option<ApplicationId>,
) -> DomainResult<()> {
    let now = app.now();
    app.store
        .write(move |tx| {
            let tenant = tenant(tx)?;
            if let Some(id) = user_id
                && let Some(mut user) = tx.user(id)?
            {
                if user.lockout.record_failure(&tenant.lockout, now).is_some() {
                    tx.delete_refresh_tokens_of(id)?;
                    tx.append_audit(
                        &AuditEvent::new(AuditKind::AccountLocked, now, "locked")
                            .user(id)
                            .ip(ip.as_deref()),
                    )?;
                }
                users::save_user(tx, &user)?;
            }
            let mut event = AuditEvent::new(AuditKind::LoginFailed, now, "bad_credentials")
                .application(application_id)
                .ip(ip.as_deref())
                .method("password");
            event.user_id = user_id;
            tx.append_audit(&event)?;
            Ok(())
        })
        .await
}
