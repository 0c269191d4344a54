//! Registrations: a user's membership of an application, with roles. Logging in to an
//! application the user is not registered for answers 202.

use crate::app::App;
use crate::domain::ids::{ApplicationId, RegistrationId, UserId};
use crate::domain::user::{Registration, User};
use crate::domain::validation::Violations;
use crate::domain::{DomainError, DomainResult};
use crate::service::users::{self, UserDraft};
use crate::store::WriteTxn;

#[derive(Clone, Debug, Default)]
pub struct RegistrationDraft {
    pub application_id: Option<ApplicationId>,
    pub roles: Vec<String>,
    pub username: Option<String>,
    pub data: serde_json::Value,
    pub timezone: Option<String>,
    pub preferred_languages: Vec<String>,
}

/// Adds the registration to `user` inside the transaction, checking the application and roles.
fn add_registration(
    tx: &mut dyn WriteTxn,
    user: &mut User,
    draft: &RegistrationDraft,
    now: crate::domain::time::Timestamp,
) -> DomainResult<Registration> {
    let Some(application_id) = draft.application_id else {
        return Err(DomainError::validation(
            "registration.applicationId",
            "blank",
            "You must specify the registration.applicationId property.",
        ));
    };
    let Some(application) = tx.application(application_id)? else {
        return Err(DomainError::validation(
            "registration.applicationId",
            "invalid",
            format!("No Application exists for the Id [{application_id}]."),
        ));
    };
    if user.registration(application_id).is_some() {
        return Err(DomainError::Validation(Violations::one_general(
            "[duplicate]registration",
            "The user is already registered for this application.",
        )));
    }
    let unknown: Vec<&String> = draft
        .roles
        .iter()
        .filter(|r| !application.has_role(r))
        .collect();
    if !unknown.is_empty() {
        return Err(DomainError::validation(
            "registration.roles",
            "invalid",
            format!("The application has no role named {unknown:?}."),
        ));
    }
    let roles = if draft.roles.is_empty() {
        application.default_roles()
    } else {
        let mut roles = draft.roles.clone();
        roles.dedup();
        roles
    };
    let registration = Registration {
        id: RegistrationId::random(),
        application_id,
        roles,
        username: draft.username.clone(),
        data: draft.data.clone(),
        timezone: draft.timezone.clone(),
        preferred_languages: draft.preferred_languages.clone(),
        inserted: now,
        last_updated: None,
        last_login: None,
        verified: true,
    };
    user.registrations.push(registration.clone());
    user.last_updated = now;
    Ok(registration)
}

/// Registers an existing user.
pub async fn register(
    app: &App,
    user_id: UserId,
    draft: RegistrationDraft,
) -> DomainResult<(User, Registration)> {
    let now = app.now();
    app.store
        .write(move |tx| {
            let mut user = tx.user(user_id)?.ok_or(DomainError::NotFound)?;
            let registration = add_registration(tx, &mut user, &draft, now)?;
            users::save_user(tx, &user)?;
            Ok((user, registration))
        })
        .await
}

/// Creates a user and registers them, in one transaction.
pub async fn create_with_user(
    app: &App,
    user_id: Option<UserId>,
    user_draft: UserDraft,
    draft: RegistrationDraft,
) -> DomainResult<(User, Registration)> {
    let (id, user_draft, hash) = users::prepare_create(app, user_id, user_draft).await?;
    let now = app.now();
    let user = users::new_user(id, &user_draft, hash, now)?;
    app.store
        .write(move |tx| {
            let mut user = user.clone();
            let registration = add_registration(tx, &mut user, &draft, now)?;
            users::insert_user(tx, &user)?;
            Ok((user, registration))
        })
        .await
}

pub async fn get(
    app: &App,
    user_id: UserId,
    application_id: ApplicationId,
) -> DomainResult<Registration> {
    let user = app
        .store
        .read(move |tx| tx.user(user_id))
        .await?
        .ok_or(DomainError::NotFound)?;
    user.registration(application_id)
        .cloned()
        .ok_or(DomainError::NotFound)
}

pub async fn delete(app: &App, user_id: UserId, application_id: ApplicationId) -> DomainResult<()> {
    let now = app.now();
    app.store
        .write(move |tx| {
            let mut user = tx.user(user_id)?.ok_or(DomainError::NotFound)?;
            let before = user.registrations.len();
            user.registrations
                .retain(|r| r.application_id != application_id);
            if user.registrations.len() == before {
                return Err(DomainError::NotFound);
            }
            user.last_updated = now;
            // Sessions for that application end with the registration.
            for (digest, token) in tx.refresh_tokens_of(user_id)? {
                if token.application_id == application_id {
                    tx.delete_refresh_token(&digest)?;
                }
            }
            users::save_user(tx, &user)
        })
        .await
}
