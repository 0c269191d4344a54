//! The store: every durable record, behind an interface shaped by what the domain needs.
//!
//! Work runs as a *job* inside one transaction: a read job sees a consistent snapshot; a
//! write job's changes commit together and are durable when [`Store::write`] returns. A job
//! that fails rolls back everything it did. Jobs are `FnMut` because a backend may run one
//! again (after a serialisation conflict, or when a batch it shared is retried), so jobs must
//! not have side effects outside the transaction.
//!
//! Backends: [`redb::RedbStore`] (embedded, the default) and [`postgres::PgStore`] (shared
//! by several nodes). Only backend modules know table
//! names and encodings.

pub mod postgres;
pub mod redb;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::domain::api_key::ApiKey;
use crate::domain::application::Application;
use crate::domain::audit::{AuditEvent, AuditQuery};
use crate::domain::ids::{ApiKeyId, ApplicationId, EventId, MessengerId, UserId};
use crate::domain::messenger::Messenger;
use crate::domain::secret::Digest;
use crate::domain::send_log::SendLog;
use crate::domain::signing_key::SigningKey;
use crate::domain::tenant::Tenant;
use crate::domain::time::Timestamp;
use crate::domain::token::RefreshToken;
use crate::domain::two_factor::challenge::Challenge;
use crate::domain::two_factor::trust::Trust;
use crate::domain::user::User;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// A unique index already holds this value for another record (`field` names it).
    #[error("duplicate value for {field}")]
    Conflict { field: &'static str },
    /// The store cannot take writes right now (disk full, read-only, database down).
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// A stored record could not be decoded.
    #[error("a stored record is corrupt: {0}")]
    Corrupt(String),
    /// The data was written by another schema version.
    #[error("the store has schema version {found}; this twofoldd needs {expected}")]
    SchemaMismatch { found: u32, expected: u32 },
    /// Another process holds the store.
    #[error("the store is in use by another process: {0}")]
    Locked(String),
    /// Any other backend failure.
    #[error("store failure: {0}")]
    Backend(String),
    /// The job asked for a rollback; its own error travels beside this.
    #[error("the transaction was rolled back")]
    Aborted,
    /// This backend cannot do what was asked (e.g. an online backup).
    #[error("not supported by this store: {0}")]
    Unsupported(String),
}

/// Returned by a job to roll its transaction back.
#[derive(Debug, Clone, Copy)]
pub struct Abort;

pub type ReadJob = Box<dyn FnMut(&dyn ReadTxn) -> Result<(), Abort> + Send>;
pub type WriteJob = Box<dyn FnMut(&mut dyn WriteTxn) -> Result<(), Abort> + Send>;

/// Install-wide facts kept beside the data.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InstallRecord {
    /// Fingerprint of the master key the data was written with.
    pub key_fingerprint: String,
    pub created: Timestamp,
    /// The kickstart file has been applied (it runs once, on an empty store).
    pub kickstarted: bool,
}

/// Reads, available in every transaction.
pub trait ReadTxn {
    fn install(&self) -> Result<Option<InstallRecord>, StoreError>;
    fn tenant(&self) -> Result<Option<Tenant>, StoreError>;

    fn user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    /// By lower-cased e-mail.
    fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
    /// By lower-cased username.
    fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// Users in id order after `after`, at most `limit`.
    fn users_page(&self, after: Option<UserId>, limit: usize) -> Result<Vec<User>, StoreError>;

    fn application(&self, id: ApplicationId) -> Result<Option<Application>, StoreError>;
    fn applications(&self) -> Result<Vec<Application>, StoreError>;

    fn api_key(&self, digest: &Digest) -> Result<Option<ApiKey>, StoreError>;
    fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;

    fn signing_keys(&self) -> Result<Vec<SigningKey>, StoreError>;

    fn refresh_token(&self, digest: &Digest) -> Result<Option<RefreshToken>, StoreError>;
    fn refresh_tokens_of(&self, user: UserId) -> Result<Vec<(Digest, RefreshToken)>, StoreError>;

    fn challenge(&self, digest: &Digest) -> Result<Option<Challenge>, StoreError>;
    fn trust(&self, digest: &Digest) -> Result<Option<Trust>, StoreError>;

    fn messenger(&self, id: MessengerId) -> Result<Option<Messenger>, StoreError>;
    fn messengers(&self) -> Result<Vec<Messenger>, StoreError>;

    fn send_log(&self, key: &str) -> Result<SendLog, StoreError>;

    /// Newest first.
    fn audit_events(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError>;

    // Whole-store traversal, in key order, for copying a store (migration, restore).
    fn refresh_tokens_page(
        &self,
        after: Option<Digest>,
        limit: usize,
    ) -> Result<Vec<(Digest, RefreshToken)>, StoreError>;
    fn challenges_page(
        &self,
        after: Option<Digest>,
        limit: usize,
    ) -> Result<Vec<(Digest, Challenge)>, StoreError>;
    fn trusts_page(
        &self,
        after: Option<Digest>,
        limit: usize,
    ) -> Result<Vec<(Digest, Trust)>, StoreError>;
    fn send_logs_page(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> Result<Vec<(String, SendLog)>, StoreError>;
    /// Oldest first.
    fn audit_page(
        &self,
        after: Option<EventId>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError>;
}

/// Writes, in a write transaction.
pub trait WriteTxn: ReadTxn {
    fn put_install(&mut self, record: &InstallRecord) -> Result<(), StoreError>;
    fn put_tenant(&mut self, tenant: &Tenant) -> Result<(), StoreError>;

    /// Inserts or replaces a user, keeping the e-mail and username indexes in step.
    /// Fails with [`StoreError::Conflict`] when another user holds the e-mail or username.
    fn put_user(&mut self, user: &User) -> Result<(), StoreError>;
    /// Removes a user with its indexes, refresh tokens and trusts.
    fn delete_user(&mut self, id: UserId) -> Result<bool, StoreError>;

    fn put_application(&mut self, application: &Application) -> Result<(), StoreError>;
    fn delete_application(&mut self, id: ApplicationId) -> Result<bool, StoreError>;

    fn put_api_key(&mut self, key: &ApiKey) -> Result<(), StoreError>;
    fn delete_api_key(&mut self, id: ApiKeyId) -> Result<bool, StoreError>;

    fn put_signing_key(&mut self, key: &SigningKey) -> Result<(), StoreError>;

    fn put_refresh_token(
        &mut self,
        digest: &Digest,
        token: &RefreshToken,
    ) -> Result<(), StoreError>;
    fn delete_refresh_token(&mut self, digest: &Digest) -> Result<bool, StoreError>;
    /// Revokes every refresh token of a user; returns how many.
    fn delete_refresh_tokens_of(&mut self, user: UserId) -> Result<usize, StoreError>;

    fn put_challenge(&mut self, digest: &Digest, challenge: &Challenge) -> Result<(), StoreError>;
    fn delete_challenge(&mut self, digest: &Digest) -> Result<bool, StoreError>;

    fn put_trust(&mut self, digest: &Digest, trust: &Trust) -> Result<(), StoreError>;
    fn delete_trust(&mut self, digest: &Digest) -> Result<bool, StoreError>;

    fn put_messenger(&mut self, messenger: &Messenger) -> Result<(), StoreError>;
    fn delete_messenger(&mut self, id: MessengerId) -> Result<bool, StoreError>;

    fn put_send_log(&mut self, key: &str, log: &SendLog) -> Result<(), StoreError>;

    fn append_audit(&mut self, event: &AuditEvent) -> Result<(), StoreError>;

    /// Deletes expired challenges, trusts, refresh tokens and audit events older than
    /// `audit_before`; returns how many records went.
    fn purge_expired(
        &mut self,
        now: Timestamp,
        audit_before: Timestamp,
    ) -> Result<usize, StoreError>;
}

/// How the store is doing, for `/api/status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreHealth {
    pub kind: &'static str,
    pub ok: bool,
    pub detail: Option<String>,
}

/// A storage backend.
pub trait Store: Send + Sync + 'static {
    fn kind(&self) -> &'static str;
    /// Runs `job` on a consistent snapshot.
    fn read_job(&self, job: ReadJob) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Runs `job` in a write transaction; `Ok` means committed and durable.
    fn write_job(&self, job: WriteJob) -> BoxFuture<'_, Result<(), StoreError>>;
    fn health(&self) -> BoxFuture<'_, StoreHealth>;
    /// Writes a consistent copy of every record to a new file at `path` while the store
    /// keeps serving (an online backup). Backends that cannot answer
    /// [`StoreError::Unsupported`].
    fn backup_to<'a>(&'a self, path: &'a std::path::Path) -> BoxFuture<'a, Result<(), StoreError>> {
        let _ = path;
        Box::pin(async move {
            Err(StoreError::Unsupported(format!(
                "online backup of the {} store",
                self.kind()
            )))
        })
    }
}

/// Carries a job's typed result out of the type-erased job.
fn finish<R, E: From<StoreError>>(
    outcome: Result<(), StoreError>,
    slot: &Mutex<Option<Result<R, E>>>,
) -> Result<R, E> {
    let result = slot.lock().ok().and_then(|mut s| s.take());
    match (outcome, result) {
        (Ok(()), Some(result)) => result,
        (Err(StoreError::Aborted), Some(Err(e))) => Err(e),
        (Err(e), _) => Err(E::from(e)),
        (Ok(()), None) => Err(E::from(StoreError::Backend(
            "a job finished without a result".to_owned(),
        ))),
    }
}

impl dyn Store {
    /// Runs `f` in a read transaction and returns its result.
    pub async fn read<R, E, F>(&self, mut f: F) -> Result<R, E>
    where
        F: FnMut(&dyn ReadTxn) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let slot = Arc::new(Mutex::new(None));
        let job_slot = Arc::clone(&slot);
        let job: ReadJob = Box::new(move |txn| {
            let result = f(txn);
            let failed = result.is_err();
            if let Ok(mut s) = job_slot.lock() {
                *s = Some(result);
            }
            if failed { Err(Abort) } else { Ok(()) }
        });
        let outcome = self.read_job(job).await;
        finish(outcome, &slot)
    }

    /// Runs `f` in a write transaction: committed when `f` returns `Ok`, rolled back when
    /// it returns `Err`. A use case that must persist something *and* fail (a wrong code
    /// counts an attempt) returns `Ok(Err(..))`.
    pub async fn write<R, E, F>(&self, mut f: F) -> Result<R, E>
    where
        F: FnMut(&mut dyn WriteTxn) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let slot = Arc::new(Mutex::new(None));
        let job_slot = Arc::clone(&slot);
        let job: WriteJob = Box::new(move |txn| {
            let result = f(txn);
            let failed = result.is_err();
            if let Ok(mut s) = job_slot.lock() {
                *s = Some(result);
            }
            if failed { Err(Abort) } else { Ok(()) }
        });
        let outcome = self.write_job(job).await;
        finish(outcome, &slot)
    }
}

pub mod copy;

#[cfg(any(test, feature = "test-support"))]
pub mod conformance;
