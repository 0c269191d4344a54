//! User use cases: create, read, replace, delete, reactivate. Registrations are in
//! `registrations`; two-factor changes that need a code are in `two_factor`.

use crate::app::App;
use crate::crypto::random;
use crate::domain::ids::UserId;
use crate::domain::phone;
use crate::domain::secret::SecretString;
use crate::domain::tenant::DEFAULT_TENANT_ID;
use crate::domain::time::Timestamp;
use crate::domain::two_factor::{Method, MethodKind};
use crate::domain::user::{Profile, User, check_identity};
use crate::domain::validation::{Violations, is_blank};
use crate::domain::{DomainError, DomainResult};
use crate::store::{StoreError, WriteTxn};

/// What a caller may set on a user.
#[derive(Clone, Debug, Default)]
pub struct UserDraft {
    pub email: Option<String>,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub profile: Profile,
    pub verified: Option<bool>,
    pub expiry: Option<Timestamp>,
    pub password_change_required: bool,
    /// `None` leaves the methods as they are (on update); `Some` sets them.
    pub two_factor_methods: Option<Vec<MethodDraft>>,
}

/// A two-factor method set directly by an administrator (no code confirmation).
#[derive(Clone, Debug, Default)]
pub struct MethodDraft {
    pub id: Option<String>,
    pub method: Option<String>,
    pub mobile_phone: Option<String>,
    pub name: Option<String>,
}

/// How a user is looked up.
#[derive(Clone, Debug)]
pub enum Lookup {
    Email(String),
    Username(String),
    /// E-mail or username.
    LoginId(String),
}

/// Validates the parts of a draft that need no store, normalising phone numbers.
fn check_draft(app: &App, draft: &mut UserDraft, creating: bool) -> Result<(), Violations> {
    let mut v = Violations::new();
    check_identity(draft.email.as_deref(), draft.username.as_deref(), &mut v);
    if creating || draft.password.is_some() {
        app.password_rules().check(
            "user.password",
            draft.password.as_ref().map(SecretString::expose),
            &mut v,
        );
    }
    if let Some(raw) = draft
        .profile
        .mobile_phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        match phone::parse(raw, None) {
            Ok(parsed) => draft.profile.mobile_phone = Some(parsed.number),
            Err(e) => {
                v.field("user.mobilePhone", "invalid", format!("The user.mobilePhone property is {e}; use the international format, e.g. +12025550143."));
            }
        }
    }
    if let Some(methods) = &mut draft.two_factor_methods {
        for (index, method) in methods.iter_mut().enumerate() {
            let field = format!("user.twoFactor.methods[{index}]");
            match method.method.as_deref() {
                Some("sms") => match method
                    .mobile_phone
                    .as_deref()
                    .map(|p| phone::parse(p, None))
                {
                    Some(Ok(parsed)) => method.mobile_phone = Some(parsed.number),
                    Some(Err(e)) => {
                        v.field(
                            &format!("{field}.mobilePhone"),
                            "invalid",
                            format!("The mobile phone is {e}."),
                        );
                    }
                    None => {
                        v.field(
                            &format!("{field}.mobilePhone"),
                            "blank",
                            "An sms method needs a mobilePhone.",
                        );
                    }
                },
                Some(other) => {
                    v.field(
                        &format!("{field}.method"),
                        "invalid",
                        format!("Unsupported two-factor method [{other}]; use sms."),
                    );
                }
                None => {
                    v.field(
                        &format!("{field}.method"),
                        "blank",
                        "You must specify the method.",
                    );
                }
            }
        }
    }
    v.into_result()
}

fn build_methods(drafts: &[MethodDraft], existing: &[Method]) -> DomainResult<Vec<Method>> {
    let mut methods: Vec<Method> = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let phone = draft.mobile_phone.clone().unwrap_or_default();
        // Keep the id (and last-used flag) of a method that is already there.
        let same = existing.iter().find(|m| {
            draft.id.as_deref().is_some_and(|id| id == m.id)
                || m.kind.sms_phone() == Some(phone.as_str())
        });
        if methods
            .iter()
            .any(|m| m.kind.sms_phone() == Some(phone.as_str()))
        {
            continue;
        }
        methods.push(Method {
            id: match same {
                Some(m) => m.id.clone(),
                None => random::method_id()?,
            },
            name: draft
                .name
                .clone()
                .or_else(|| same.and_then(|m| m.name.clone())),
            last_used: same.is_some_and(|m| m.last_used),
            kind: MethodKind::Sms {
                mobile_phone: phone,
            },
        });
    }
    Ok(methods)
}

fn duplicate(field: &'static str, value: Option<&str>) -> DomainError {
    let what = if field.ends_with("email") {
        "email"
    } else {
        "username"
    };
    DomainError::validation(
        field,
        "duplicate",
        format!(
            "A User with {what} = [{}] already exists.",
            value.unwrap_or_default()
        ),
    )
}

/// Saves a user, turning an index conflict into FusionAuth's `[duplicate]` error.
pub(crate) fn save_user(tx: &mut dyn WriteTxn, user: &User) -> DomainResult<()> {
    match tx.put_user(user) {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict { field }) => Err(duplicate(
            if field == "user.email" {
                "user.email"
            } else {
                "user.username"
            },
            if field == "user.email" {
                user.email.as_deref()
            } else {
                user.username.as_deref()
            },
        )),
        Err(e) => Err(e.into()),
    }
}

/// Builds a new user record from a checked draft (the password already hashed).
pub(crate) fn new_user(
    id: UserId,
    draft: &UserDraft,
    password_hash: String,
    now: Timestamp,
) -> DomainResult<User> {
    let methods = build_methods(draft.two_factor_methods.as_deref().unwrap_or_default(), &[])?;
    Ok(User {
        id,
        tenant_id: DEFAULT_TENANT_ID,
        email: draft
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(|e| e.trim().to_lowercase()),
        username: draft.username.clone().filter(|u| !u.trim().is_empty()),
        password_hash: Some(password_hash),
        password_last_update: Some(now),
        profile: draft.profile.clone(),
        active: true,
        verified: draft.verified.unwrap_or(true),
        expiry: draft.expiry,
        password_change_required: draft.password_change_required,
        inserted: now,
        last_updated: now,
        last_login: None,
        registrations: Vec::new(),
        two_factor: crate::domain::two_factor::TwoFactor {
            methods,
            ..Default::default()
        },
        lockout: Default::default(),
        security_stamp: 0,
    })
}

/// Checks a creation request and hashes its password: the expensive, store-free part.
pub(crate) async fn prepare_create(
    app: &App,
    id: Option<UserId>,
    mut draft: UserDraft,
) -> DomainResult<(UserId, UserDraft, String)> {
    check_draft(app, &mut draft, true)?;
    let id = id.unwrap_or_else(UserId::random);
    let password = draft.password.clone().unwrap_or_default();
    let hash = app.passwords.hash(password.expose()).await?;
    Ok((id, draft, hash))
}

/// Inserts a prepared user inside a transaction, refusing a taken id.
pub(crate) fn insert_user(tx: &mut dyn WriteTxn, user: &User) -> DomainResult<()> {
    if tx.user(user.id)?.is_some() {
        return Err(DomainError::validation(
            "userId",
            "duplicate",
            format!("A User with Id = [{}] already exists.", user.id),
        ));
    }
    save_user(tx, user)
}

pub async fn create(app: &App, id: Option<UserId>, draft: UserDraft) -> DomainResult<User> {
    let (id, draft, hash) = prepare_create(app, id, draft).await?;
    let user = new_user(id, &draft, hash, app.now())?;
    let stored = user.clone();
    app.store.write(move |tx| insert_user(tx, &stored)).await?;
    Ok(user)
}

pub async fn get(app: &App, id: UserId) -> DomainResult<User> {
    app.store
        .read(move |tx| tx.user(id))
        .await?
        .ok_or(DomainError::NotFound)
}

pub async fn find(app: &App, lookup: Lookup) -> DomainResult<User> {
    let user = app
        .store
        .read(move |tx| match &lookup {
            Lookup::Email(email) => tx.user_by_email(&email.to_lowercase()),
            Lookup::Username(username) => tx.user_by_username(&username.to_lowercase()),
            Lookup::LoginId(login_id) => {
                let key = login_id.to_lowercase();
                match tx.user_by_email(&key)? {
                    Some(user) => Ok(Some(user)),
                    None => tx.user_by_username(&key),
                }
            }
        })
        .await?;
    user.ok_or(DomainError::NotFound)
}

/// Replaces a user's fields (PUT). The password changes only when one is given; a change
/// of password or methods moves the security stamp, which ends trusted devices.
pub async fn update(app: &App, id: UserId, mut draft: UserDraft) -> DomainResult<User> {
    check_draft(app, &mut draft, false)?;
    let new_hash = match &draft.password {
        Some(password) => Some(app.passwords.hash(password.expose()).await?),
        None => None,
    };
    let now = app.now();
    app.store
        .write(move |tx| {
            let mut user = tx.user(id)?.ok_or(DomainError::NotFound)?;
            user.email = draft
                .email
                .as_deref()
                .filter(|e| !is_blank(Some(e)))
                .map(|e| e.trim().to_lowercase());
            user.username = draft.username.clone().filter(|u| !u.trim().is_empty());
            user.profile = draft.profile.clone();
            if let Some(verified) = draft.verified {
                user.verified = verified;
            }
            user.expiry = draft.expiry;
            user.password_change_required = draft.password_change_required;
            let mut stamp_moves = false;
            if let Some(hash) = &new_hash {
                user.password_hash = Some(hash.clone());
                user.password_last_update = Some(now);
                user.lockout.clear();
                stamp_moves = true;
                tx.delete_refresh_tokens_of(id)?;
            }
            if let Some(methods) = &draft.two_factor_methods {
                let rebuilt = build_methods(methods, &user.two_factor.methods)?;
                let before: Vec<String> = user
                    .two_factor
                    .methods
                    .iter()
                    .map(|m| m.id.clone())
                    .collect();
                let after: Vec<String> = rebuilt.iter().map(|m| m.id.clone()).collect();
                if before != after {
                    stamp_moves = true;
                }
                user.two_factor.methods = rebuilt;
                if user.two_factor.methods.is_empty() {
                    user.two_factor.recovery_codes.clear();
                }
            }
            if stamp_moves {
                user.security_stamp = user.security_stamp.wrapping_add(1);
            }
            user.last_updated = now;
            save_user(tx, &user)?;
            Ok(user)
        })
        .await
}

/// Soft delete deactivates (login then answers 423) and revokes sessions; hard delete removes.
pub async fn delete(app: &App, id: UserId, hard: bool) -> DomainResult<()> {
    let now = app.now();
    app.store
        .write(move |tx| {
            if hard {
                return if tx.delete_user(id)? {
                    Ok(())
                } else {
                    Err(DomainError::NotFound)
                };
            }
            let mut user = tx.user(id)?.ok_or(DomainError::NotFound)?;
            user.active = false;
            user.last_updated = now;
            tx.delete_refresh_tokens_of(id)?;
            save_user(tx, &user)
        })
        .await
}

pub async fn reactivate(app: &App, id: UserId) -> DomainResult<User> {
    let now = app.now();
    app.store
        .write(move |tx| {
            let mut user = tx.user(id)?.ok_or(DomainError::NotFound)?;
            user.active = true;
            user.last_updated = now;
            save_user(tx, &user)?;
            Ok(user)
        })
        .await
}

/// The user's active "prevent login" actions (the failed-login lock).
pub async fn actions(
    app: &App,
    id: UserId,
) -> DomainResult<Vec<crate::domain::lockout::LockAction>> {
    let user = get(app, id).await?;
    Ok(user
        .lockout
        .active_lock(app.now())
        .map(|lock| lock.for_user(user.id))
        .into_iter()
        .collect())
}

/// Lifts the failed-login lock and starts the counters over (an administrator's action).
pub async fn unlock(app: &App, id: UserId) -> DomainResult<()> {
    let now = app.now();
    app.store
        .write(move |tx| {
            let mut user = tx.user(id)?.ok_or(DomainError::NotFound)?;
            if user.lockout.active_lock(now).is_none() {
                return Err(DomainError::NotFound);
            }
            user.lockout.clear();
            user.last_updated = now;
            save_user(tx, &user)?;
            tx.append_audit(
                &crate::domain::audit::AuditEvent::new(
                    crate::domain::audit::AuditKind::AccountUnlocked,
                    now,
                    "unlocked",
                )
                .user(id),
            )?;
            Ok(())
        })
        .await
}
