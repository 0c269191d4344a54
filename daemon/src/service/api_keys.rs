//! API keys: created by kickstart or by `POST /api/api-key`, stored as digests.

use crate::app::App;
use crate::crypto::random;
use crate::domain::api_key::{ApiKey, MIN_KEY_LENGTH};
use crate::domain::ids::ApiKeyId;
use crate::domain::{DomainError, DomainResult};
use crate::service::API_KEY_PURPOSE;

/// Creates a key; `raw` is generated when not given. Returns the record and the raw key,
/// which is never available again.
pub async fn create(
    app: &App,
    id: Option<ApiKeyId>,
    raw: Option<String>,
    description: Option<String>,
) -> DomainResult<(ApiKey, String)> {
    let raw = match raw {
        Some(raw) => {
            if raw.len() < MIN_KEY_LENGTH
                || raw.len() > 512
                || raw.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(DomainError::validation(
                    "apiKey.key",
                    "invalid",
                    format!(
                        "An API key must be {MIN_KEY_LENGTH} to 512 characters without spaces."
                    ),
                ));
            }
            raw
        }
        None => random::token::<32>()?,
    };
    let key = ApiKey {
        id: id.unwrap_or_else(ApiKeyId::random),
        digest: app.keyring.digest(API_KEY_PURPOSE, &[raw.as_bytes()]),
        description,
        prefix: raw.chars().take(4).collect(),
        inserted: app.now(),
    };
    let stored = key.clone();
    app.store
        .write(move |tx| {
            if tx.api_key(&stored.digest)?.is_some() {
                return Err(DomainError::validation(
                    "apiKey.key",
                    "duplicate",
                    "This API key already exists.",
                ));
            }
            if tx.api_keys()?.iter().any(|k| k.id == stored.id) {
                return Err(DomainError::validation(
                    "apiKeyId",
                    "duplicate",
                    "An API key with this id already exists.",
                ));
            }
            tx.put_api_key(&stored)?;
            Ok(())
        })
        .await?;
    Ok((key, raw))
}

pub async fn get(app: &App, id: ApiKeyId) -> DomainResult<ApiKey> {
    app.store
        .read(move |tx| tx.api_keys())
        .await?
        .into_iter()
        .find(|k| k.id == id)
        .ok_or(DomainError::NotFound)
}

pub async fn delete(app: &App, id: ApiKeyId) -> DomainResult<()> {
    let removed = app.store.write(move |tx| tx.delete_api_key(id)).await?;
    if removed {
        Ok(())
    } else {
        Err(DomainError::NotFound)
    }
}
