//! Tokens: issuing access tokens (signed JWTs) and refresh tokens (random, stored as
//! digests, rotated on every use), validating access tokens, and logging out.

use std::time::Duration;

use crate::app::App;
use crate::crypto::{Keyring, random};
use crate::domain::application::Application;
use crate::domain::ids::RefreshTokenId;
use crate::domain::tenant::Tenant;
use crate::domain::time::Timestamp;
use crate::domain::token::{AccessClaims, AuthMethod, RefreshToken};
use crate::domain::user::User;
use crate::domain::{DomainError, DomainResult};
use crate::service::tenant;
use crate::service::write_then;
use crate::store::WriteTxn;

/// Digest purpose of refresh tokens.
pub const REFRESH_TOKEN_PURPOSE: &str = "refresh-token";

/// What a successful authentication hands out.
#[derive(Clone, Debug)]
pub struct IssuedTokens {
    pub access_token: String,
    pub expires: Timestamp,
    pub refresh: Option<(String, RefreshTokenId)>,
}

/// Everything needed to sign an access token after the transaction committed.
#[derive(Clone, Debug)]
pub struct TokenPlan {
    pub user: User,
    pub tenant: Tenant,
    pub application: Option<Application>,
    pub registered: bool,
    pub amr: Vec<AuthMethod>,
    pub auth_time: Timestamp,
    pub authentication_type: &'static str,
    pub refresh: Option<(String, RefreshTokenId)>,
}

fn access_ttl(tenant: &Tenant, application: Option<&Application>) -> Duration {
    application
        .and_then(|a| a.jwt_configuration.time_to_live_in_seconds)
        .map_or_else(
            || tenant.lifetimes.access_token(),
            |s| Duration::from_secs(u64::from(s)),
        )
}

fn refresh_ttl(tenant: &Tenant, application: &Application) -> Duration {
    application
        .jwt_configuration
        .refresh_token_time_to_live_in_minutes
        .map_or_else(
            || tenant.lifetimes.refresh_token(),
            |m| Duration::from_secs(u64::from(m) * 60),
        )
}

/// Creates a refresh token inside the transaction when the application hands them out.
#[allow(clippy::too_many_arguments)]
pub(crate) fn maybe_refresh_token(
    keyring: &Keyring,
    tx: &mut dyn WriteTxn,
    user: &User,
    tenant: &Tenant,
    application: Option<&Application>,
    registered: bool,
    no_jwt: bool,
    amr: &[AuthMethod],
    auth_time: Timestamp,
    ip: Option<&str>,
    now: Timestamp,
) -> DomainResult<Option<(String, RefreshTokenId)>> {
    let Some(application) = application else {
        return Ok(None);
    };
    if !registered || no_jwt || !application.login_configuration.generate_refresh_tokens {
        return Ok(None);
    }
    let raw = random::token::<32>()?;
    let record = RefreshToken {
        id: RefreshTokenId::random(),
        user_id: user.id,
        application_id: application.id,
        tenant_id: tenant.id,
        inserted: now,
        expires: now.plus(refresh_ttl(tenant, application)),
        auth_time,
        amr: amr.to_vec(),
        ip: ip.map(str::to_owned),
    };
    let digest = keyring.digest(REFRESH_TOKEN_PURPOSE, &[raw.as_bytes()]);
    tx.put_refresh_token(&digest, &record)?;
    Ok(Some((raw, record.id)))
}

/// Signs the access token described by `plan`.
pub fn sign(app: &App, plan: &TokenPlan, now: Timestamp) -> DomainResult<IssuedTokens> {
    let ttl = access_ttl(&plan.tenant, plan.application.as_ref());
    let expires = now.plus(ttl);
    let registration = plan
        .application
        .as_ref()
        .filter(|_| plan.registered)
        .and_then(|a| plan.user.registration(a.id));
    let claims = AccessClaims {
        aud: plan.application.as_ref().map(|a| a.id.to_string()),
        exp: expires.secs(),
        iat: now.secs(),
        iss: plan.tenant.issuer.clone(),
        sub: plan.user.id.to_string(),
        jti: uuid::Uuid::new_v4().to_string(),
        authentication_type: plan.authentication_type.to_owned(),
        email: plan.user.email.clone(),
        email_verified: plan.user.verified,
        preferred_username: plan.user.username.clone(),
        application_id: registration.map(|r| r.application_id.to_string()),
        roles: registration.map(|r| r.roles.clone()),
        auth_time: plan.auth_time.secs(),
        tid: plan.tenant.id.to_string(),
        amr: plan.amr.clone(),
        sid: plan.refresh.as_ref().map(|(_, id)| id.to_string()),
    };
    let access_token = app.jwt().sign(&claims)?;
    Ok(IssuedTokens {
        access_token,
        expires,
        refresh: plan.refresh.clone(),
    })
}

/// Exchanges a refresh token for a new access token and a new refresh token (the old one
/// is consumed in the same transaction, so it works exactly once).
pub async fn refresh(app: &App, raw: &str) -> DomainResult<IssuedTokens> {
    let invalid = || {
        DomainError::validation(
            "refreshToken",
            "invalid",
            "The refresh token is invalid or expired.",
        )
    };
    if raw.is_empty() || raw.len() > 256 {
        return Err(invalid());
    }
    let digest = app.keyring.digest(REFRESH_TOKEN_PURPOSE, &[raw.as_bytes()]);
    let now = app.now();
    let new_raw = random::token::<32>()?;
    let new_digest = app
        .keyring
        .digest(REFRESH_TOKEN_PURPOSE, &[new_raw.as_bytes()]);
    let plan = write_then(&*app.store, move |tx| {
        let Some(old) = tx.refresh_token(&digest)? else {
            return Ok(Err(invalid()));
        };
        tx.delete_refresh_token(&digest)?;
        if old.expires <= now {
            return Ok(Err(invalid()));
        }
        let user = match tx.user(old.user_id)? {
            Some(user) if user.active && user.lockout.active_lock(now).is_none() => user,
            _ => return Ok(Err(invalid())),
        };
        let Some(application) = tx.application(old.application_id)?.filter(|a| a.active) else {
            return Ok(Err(invalid()));
        };
        if !application.login_configuration.allow_token_refresh
            || user.registration(application.id).is_none()
        {
            return Ok(Err(invalid()));
        }
        let tenant = tenant(tx)?;
        let record = RefreshToken {
            id: RefreshTokenId::random(),
            inserted: now,
            expires: now.plus(refresh_ttl(&tenant, &application)),
            ..old.clone()
        };
        tx.put_refresh_token(&new_digest, &record)?;
        Ok(Ok(TokenPlan {
            user,
            tenant,
            application: Some(application),
            registered: true,
            amr: old.amr.clone(),
            auth_time: old.auth_time,
            authentication_type: "REFRESH_TOKEN",
            refresh: Some((new_raw.clone(), record.id)),
        }))
    })
    .await?;
    sign(app, &plan, now)
}

/// Checks an access token's signature and expiry against the daemon's clock.
pub fn validate(app: &App, token: &str) -> DomainResult<AccessClaims> {
    let claims: AccessClaims = app
        .jwt()
        .verify(token)
        .map_err(|_| DomainError::Unauthorized)?;
    if claims.exp <= app.now().secs() {
        return Err(DomainError::Unauthorized);
    }
    Ok(claims)
}

/// Revokes one refresh token, or with `global` every token of its user.
pub async fn logout(app: &App, raw: Option<String>, global: bool) -> DomainResult<()> {
    let Some(raw) = raw.filter(|r| !r.is_empty() && r.len() <= 256) else {
        return Ok(());
    };
    let digest = app.keyring.digest(REFRESH_TOKEN_PURPOSE, &[raw.as_bytes()]);
    app.store
        .write(move |tx| {
            if let Some(token) = tx.refresh_token(&digest)? {
                if global {
                    tx.delete_refresh_tokens_of(token.user_id)?;
                } else {
                    tx.delete_refresh_token(&digest)?;
                }
            }
            Ok(())
        })
        .await
}
