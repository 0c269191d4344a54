//! Use cases: what the API does, step by step, over the store, the hashing pool, the
//! signing keys and the SMS providers. Handlers in `api` turn requests into calls here and
//! outcomes into responses; nothing here knows HTTP. Every write a use case makes is one
//! transaction.

pub mod api_keys;
pub mod applications;
pub mod bootstrap;
pub mod login;
pub mod messengers;
pub mod registrations;
pub mod sms;
pub mod sms_limits;
pub mod tenants;
pub mod tokens;
pub mod two_factor;
pub mod users;

use crate::app::App;
use crate::crypto::password::PoolError;
use crate::domain::api_key::ApiKey;
use crate::domain::tenant::Tenant;
use crate::domain::{DomainError, DomainResult};
use crate::store::{ReadTxn, Store, WriteTxn};

/// Digest purpose of API keys.
pub const API_KEY_PURPOSE: &str = "api-key";

/// The tenant, which bootstrap guarantees exists.
pub fn tenant(tx: &dyn ReadTxn) -> DomainResult<Tenant> {
    tx.tenant()?
        .ok_or_else(|| DomainError::Internal("the tenant record is missing".to_owned()))
}

impl From<PoolError> for DomainError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Overloaded { retry_after } => DomainError::Overloaded { retry_after },
            PoolError::Crypto(e) => DomainError::Internal(e.to_string()),
            PoolError::Stopped => DomainError::Internal("the hashing pool stopped".to_owned()),
        }
    }
}

impl From<crate::crypto::CryptoError> for DomainError {
    fn from(e: crate::crypto::CryptoError) -> Self {
        DomainError::Internal(e.to_string())
    }
}

/// Finds the API key record for a raw key, if it is one of ours.
pub async fn authenticate_api_key(app: &App, raw: &str) -> DomainResult<Option<ApiKey>> {
    if raw.is_empty() || raw.len() > 512 {
        return Ok(None);
    }
    let digest = app.keyring.digest(API_KEY_PURPOSE, &[raw.as_bytes()]);
    Ok(app.store.read(move |tx| tx.api_key(&digest)).await?)
}

/// A write whose job may commit and still fail: the job returns `Ok(Err(e))` to keep what it
/// wrote (a wrong code still counts an attempt) and `Err(e)` to roll back.
pub(crate) async fn write_then<R, F>(store: &dyn Store, f: F) -> DomainResult<R>
where
    F: FnMut(&mut dyn WriteTxn) -> DomainResult<DomainResult<R>> + Send + 'static,
    R: Send + 'static,
{
    store.write(f).await?
}
