//! Messenger use cases: create, read, replace, delete SMS provider configurations, and
//! "test configuration" — a real message through a saved or unsaved messenger, answered
//! with the provider's receipt or exactly what it objected to.

use std::collections::BTreeMap;

use providers::{
    Receipt, Sms, validate_account_sid, validate_e164_shape, validate_messaging_service_sid,
};

use crate::app::App;
use crate::domain::audit::{AuditEvent, AuditKind};
use crate::domain::ids::MessengerId;
use crate::domain::messenger::{
    GENERIC_PASSWORD_PURPOSE, Messenger, MessengerKind, TWILIO_TOKEN_PURPOSE,
};
use crate::domain::phone;
use crate::domain::validation::{Violations, is_blank};
use crate::domain::{DomainError, DomainResult};
use crate::service::sms::provider_error;
use crate::service::write_then;

/// What a caller may set on a messenger. Secrets left `None` on update keep the stored one.
#[derive(Clone, Debug, Default)]
pub struct MessengerDraft {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub url: Option<String>,
    pub account_sid: Option<String>,
    pub auth_token: Option<String>,
    pub from_phone_number: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub connect_timeout_ms: Option<u64>,
    pub read_timeout_ms: Option<u64>,
    pub debug: bool,
    pub data: serde_json::Value,
    pub fallback_messenger_id: Option<MessengerId>,
}

/// The text of a test message.
pub const TEST_MESSAGE: &str = "You've successfully configured the Twilio integration for twofold. You will receive two-factor codes from this number.";

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn check_url(field: &str, url: Option<&str>, v: &mut Violations) {
    match url {
        None => {
            v.field(field, "blank", "You must specify the URL.");
        }
        Some(url)
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.contains(char::is_whitespace) =>
        {
            v.field(
                field,
                "invalid",
                "The URL must start with https:// (or http:// for a local test server).",
            );
        }
        Some(_) => {}
    }
}

/// Builds the messenger from a draft, sealing secrets; `existing` supplies kept secrets.
pub(crate) fn build(
    app: &App,
    id: MessengerId,
    draft: &MessengerDraft,
    existing: Option<&Messenger>,
) -> DomainResult<Messenger> {
    let mut v = Violations::new();
    let name = non_empty(&draft.name).map(str::to_owned);
    if name.is_none() {
        v.field(
            "messenger.name",
            "blank",
            "You must specify the messenger.name.",
        );
    }
    let kind = match draft
        .kind
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("twilio") => {
            let url = non_empty(&draft.url)
                .unwrap_or("https://api.twilio.com")
                .trim_end_matches('/')
                .to_owned();
            check_url("messenger.url", Some(&url), &mut v);
            let sid = non_empty(&draft.account_sid).map(str::to_owned);
            match &sid {
                None => {
                    v.field(
                        "messenger.accountSID",
                        "blank",
                        "You must specify the Account SID (AC followed by 32 hex digits).",
                    );
                }
                Some(sid) if validate_account_sid(sid).is_err() => {
                    v.field(
                        "messenger.accountSID",
                        "invalid",
                        "An Account SID is AC followed by 32 hexadecimal digits.",
                    );
                }
                Some(_) => {}
            }
            let from = non_empty(&draft.from_phone_number).map(str::to_owned);
            let service = non_empty(&draft.messaging_service_sid).map(str::to_owned);
            match (&from, &service) {
                (None, None) => {
                    v.field(
                        "messenger.fromPhoneNumber",
                        "blank",
                        "Give a From phone number or a Messaging Service SID.",
                    );
                }
                (Some(_), Some(_)) => {
                    v.field(
                        "messenger.messagingServiceSid",
                        "invalid",
                        "Give either a From phone number or a Messaging Service SID, not both.",
                    );
                }
                _ => {}
            }
            if let Some(from) = &from
                && validate_e164_shape("fromPhoneNumber", from).is_err()
            {
                v.field(
                    "messenger.fromPhoneNumber",
                    "invalid",
                    "The From number must be in E.164 form, e.g. +15005550006.",
                );
            }
            if let Some(service) = &service
                && validate_messaging_service_sid(service).is_err()
            {
                v.field(
                    "messenger.messagingServiceSid",
                    "invalid",
                    "A Messaging Service SID is MG followed by 32 hexadecimal digits.",
                );
            }
            let kept = existing.and_then(|m| match &m.kind {
                MessengerKind::Twilio { auth_token, .. } => auth_token.clone(),
                _ => None,
            });
            let auth_token = match non_empty(&draft.auth_token) {
                Some(token) => Some(app.keyring.seal(TWILIO_TOKEN_PURPOSE, token.as_bytes())?),
                None => kept,
            };
            if auth_token.is_none() {
                v.field(
                    "messenger.authToken",
                    "blank",
                    "You must specify the Auth Token.",
                );
            }
            MessengerKind::Twilio {
                url,
                account_sid: sid.unwrap_or_default(),
                auth_token,
                from_phone_number: from,
                messaging_service_sid: service,
            }
        }
        Some("generic") => {
            let url = non_empty(&draft.url).map(str::to_owned);
            check_url("messenger.url", url.as_deref(), &mut v);
            let connect = draft.connect_timeout_ms.unwrap_or(2000);
            let read = draft.read_timeout_ms.unwrap_or(5000);
            if connect == 0 {
                v.field(
                    "messenger.connectTimeout",
                    "invalid",
                    "The connect timeout must be above zero.",
                );
            }
            if read == 0 {
                v.field(
                    "messenger.readTimeout",
                    "invalid",
                    "The read timeout must be above zero.",
                );
            }
            let kept = existing.and_then(|m| match &m.kind {
                MessengerKind::Generic { password, .. } => password.clone(),
                _ => None,
            });
            let password = match non_empty(&draft.password) {
                Some(password) => Some(
                    app.keyring
                        .seal(GENERIC_PASSWORD_PURPOSE, password.as_bytes())?,
                ),
                None => kept,
            };
            MessengerKind::Generic {
                url: url.unwrap_or_default(),
                headers: draft.headers.clone(),
                username: non_empty(&draft.username).map(str::to_owned),
                password,
                connect_timeout_ms: connect,
                read_timeout_ms: read,
            }
        }
        Some("console") => MessengerKind::Console,
        Some(other) => {
            v.field(
                "messenger.type",
                "invalid",
                format!("Unknown messenger type [{other}]; use Twilio, Generic or Console."),
            );
            MessengerKind::Console
        }
        None => {
            v.field(
                "messenger.type",
                "blank",
                "You must specify the messenger.type (Twilio, Generic or Console).",
            );
            MessengerKind::Console
        }
    };
    if draft.fallback_messenger_id == Some(id) {
        v.field(
            "messenger.fallbackMessengerId",
            "invalid",
            "A messenger cannot be its own fallback.",
        );
    }
    v.into_result()?;
    let now = app.now();
    Ok(Messenger {
        id,
        name: name.unwrap_or_default(),
        kind,
        debug: draft.debug,
        data: draft.data.clone(),
        fallback_messenger_id: draft.fallback_messenger_id,
        inserted: existing.map_or(now, |m| m.inserted),
        last_updated: now,
    })
}

fn check_references(tx: &dyn crate::store::ReadTxn, messenger: &Messenger) -> DomainResult<()> {
    if tx
        .messengers()?
        .iter()
        .any(|m| m.id != messenger.id && m.name.eq_ignore_ascii_case(&messenger.name))
    {
        return Err(DomainError::validation(
            "messenger.name",
            "duplicate",
            format!("A messenger named [{}] already exists.", messenger.name),
        ));
    }
    if let Some(fallback) = messenger.fallback_messenger_id
        && tx.messenger(fallback)?.is_none()
    {
        return Err(DomainError::validation(
            "messenger.fallbackMessengerId",
            "invalid",
            "No messenger has that id.",
        ));
    }
    Ok(())
}

pub async fn create(
    app: &App,
    id: Option<MessengerId>,
    draft: MessengerDraft,
) -> DomainResult<Messenger> {
    let id = id.unwrap_or_else(MessengerId::random);
    let messenger = build(app, id, &draft, None)?;
    let stored = messenger.clone();
    app.store
        .write(move |tx| {
            if tx.messenger(id)?.is_some() {
                return Err(DomainError::validation(
                    "messengerId",
                    "duplicate",
                    "A messenger with this id already exists.",
                ));
            }
            check_references(tx, &stored)?;
            tx.put_messenger(&stored)?;
            Ok(())
        })
        .await?;
    Ok(messenger)
}

pub async fn get(app: &App, id: MessengerId) -> DomainResult<Messenger> {
    app.store
        .read(move |tx| tx.messenger(id))
        .await?
        .ok_or(DomainError::NotFound)
}

pub async fn list(app: &App) -> DomainResult<Vec<Messenger>> {
    Ok(app.store.read(|tx| tx.messengers()).await?)
}

pub async fn update(app: &App, id: MessengerId, draft: MessengerDraft) -> DomainResult<Messenger> {
    let existing = get(app, id).await?;
    let messenger = build(app, id, &draft, Some(&existing))?;
    let stored = messenger.clone();
    app.store
        .write(move |tx| {
            if tx.messenger(id)?.is_none() {
                return Err(DomainError::NotFound);
            }
            check_references(tx, &stored)?;
            tx.put_messenger(&stored)?;
            Ok(())
        })
        .await?;
    Ok(messenger)
}

/// Refuses to delete the tenant's active SMS messenger or another's fallback.
pub async fn delete(app: &App, id: MessengerId) -> DomainResult<()> {
    write_then(&*app.store, move |tx| {
        if tx.messenger(id)?.is_none() {
            return Ok(Err(DomainError::NotFound));
        }
        let tenant = crate::service::tenant(tx)?;
        if tenant.two_factor.sms_messenger_id == Some(id) {
            return Ok(Err(DomainError::general(
                "[InUse]",
                "This messenger sends the tenant's two-factor codes; choose another in the tenant first.",
            )));
        }
        if tx.messengers()?.iter().any(|m| m.fallback_messenger_id == Some(id)) {
            return Ok(Err(DomainError::general("[InUse]", "Another messenger falls back to this one.")));
        }
        tx.delete_messenger(id)?;
        Ok(Ok(()))
    })
    .await
}

/// Sends a test message through `messenger` (saved or not) to `phone_number`.
pub async fn test(
    app: &App,
    messenger: &Messenger,
    phone_number: Option<String>,
) -> DomainResult<Receipt> {
    let Some(raw) = phone_number.filter(|p| !is_blank(Some(p))) else {
        return Err(DomainError::validation(
            "phoneNumber",
            "blank",
            "You must specify the phoneNumber to send the test message to.",
        ));
    };
    let number = phone::parse(&raw, None).map_err(|e| {
        DomainError::validation(
            "phoneNumber",
            "invalid",
            format!("The phoneNumber is {e}; use E.164, e.g. +12025550143."),
        )
    })?;
    let provider = app
        .sms
        .build(&app.keyring, messenger)
        .map_err(|e| provider_error(&e))?;
    let result = provider
        .send(&Sms::new(number.number.clone(), TEST_MESSAGE))
        .await;
    let masked = phone::mask(&number.number);
    let event = match &result {
        Ok(receipt) => {
            AuditEvent::new(AuditKind::MessengerTested, app.now(), "sent").detail(format!(
                "messenger {} to {masked}: {}",
                messenger.id,
                receipt.message_id.as_deref().unwrap_or("no id")
            ))
        }
        Err(e) => AuditEvent::new(AuditKind::MessengerTested, app.now(), "failed")
            .detail(format!("messenger {} to {masked}: {e}", messenger.id)),
    };
    let event = event.method(messenger.kind.type_name());
    if let Err(e) = app.store.write(move |tx| tx.append_audit(&event)).await {
        tracing::error!(error = %e, "could not record a messenger test");
    }
    result.map_err(|e| provider_error(&e))
}

/// Records a delivery report from a provider (Twilio's `StatusCallback`).
pub async fn record_delivery(
    app: &App,
    id: MessengerId,
    message_id: String,
    status: String,
    error_code: Option<String>,
) -> DomainResult<()> {
    let mut detail = format!("messenger {id}: message {message_id} is {status}");
    if let Some(code) = error_code.filter(|c| !c.is_empty()) {
        detail.push_str(&format!(" (error {code})"));
    }
    let event = AuditEvent::new(AuditKind::SmsDelivery, app.now(), status)
        .method("Twilio")
        .detail(detail);
    app.store.write(move |tx| tx.append_audit(&event)).await?;
    Ok(())
}
