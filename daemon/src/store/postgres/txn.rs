//! Domain records over PostgreSQL rows: [`ReadTxn`]/[`WriteTxn`] for one transaction.
//!
//! Each record is a JSON document (`doc`, the serde form of the domain record) beside the
//! key columns it is found, ordered or purged by; the schema is in `daemon/migrations/`.
//! The methods are synchronous, as the traits are: each statement is run to completion on
//! the store's runtime from the job's blocking thread. The first driver error dooms the
//! transaction; it is kept in [`PgTxn::failure`] so the runner can roll back and, for
//! conflicts, run the job again.

use std::cell::RefCell;

use deadpool_postgres::Transaction;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::runtime::Handle;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::errors::{Failure, classify, corrupt};
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
use crate::store::{InstallRecord, ReadTxn, StoreError, WriteTxn};

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

const INSTALL_KEY: &str = "install";
const TENANT_KEY: &str = "default";
const EMAIL_TAKEN: &str = "SELECT 1 FROM twofold_users WHERE email_key = $1 AND id <> $2";
const USERNAME_TAKEN: &str = "SELECT 1 FROM twofold_users WHERE username_key = $1 AND id <> $2";
/// Audit events are read newest first in pages of this many while filtering.
const AUDIT_SCAN: i64 = 512;

/// One open transaction, read-only or read-write.
pub(super) struct PgTxn<'t, 'c> {
    txn: &'t Transaction<'c>,
    runtime: &'t Handle,
    failure: RefCell<Option<Failure>>,
}

impl<'t, 'c> PgTxn<'t, 'c> {
    pub fn new(txn: &'t Transaction<'c>, runtime: &'t Handle) -> Self {
        Self {
            txn,
            runtime,
            failure: RefCell::new(None),
        }
    }

    /// The driver error that doomed this transaction, if any.
    pub fn take_failure(&self) -> Option<Failure> {
        self.failure.borrow_mut().take()
    }

    fn fail(&self, e: &tokio_postgres::Error) -> StoreError {
        let failure = classify(e);
        let error = failure.error.clone();
        self.failure.borrow_mut().get_or_insert(failure);
        error
    }

    fn doomed(&self) -> Result<(), StoreError> {
        match self.failure.borrow().as_ref() {
            Some(f) => Err(f.error.clone()),
            None => Ok(()),
        }
    }

    fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        self.doomed()?;
        let txn = self.txn;
        self.runtime
            .block_on(async move {
                let statement = txn.prepare_cached(sql).await?;
                txn.query(&statement, params).await
            })
            .map_err(|e| self.fail(&e))
    }

    fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
        self.doomed()?;
        let txn = self.txn;
        self.runtime
            .block_on(async move {
                let statement = txn.prepare_cached(sql).await?;
                txn.execute(&statement, params).await
            })
            .map_err(|e| self.fail(&e))
    }

    /// The first column of each row, decoded as JSON.
    fn docs<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<T>, StoreError> {
        self.query(sql, params)?
            .iter()
            .map(|row| doc(row, 0))
            .collect()
    }

    fn one<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.docs(sql, params)?.into_iter().next())
    }

    /// Rows of (digest key, document).
    fn digest_docs<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<(Digest, T)>, StoreError> {
        self.query(sql, params)?
            .iter()
            .map(|row| Ok((digest(row, 0)?, doc(row, 1)?)))
            .collect()
    }
}

fn doc<T: DeserializeOwned>(row: &Row, index: usize) -> Result<T, StoreError> {
    let text: &str = row.try_get(index).map_err(|e| corrupt("record", e))?;
    serde_json::from_str(text).map_err(|e| corrupt("record", e))
}

fn digest(row: &Row, index: usize) -> Result<Digest, StoreError> {
    let bytes: &[u8] = row.try_get(index).map_err(|e| corrupt("digest key", e))?;
    Digest::from_slice(bytes).ok_or_else(|| StoreError::Corrupt("digest key".to_owned()))
}

fn json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(e.to_string()))
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl ReadTxn for PgTxn<'_, '_> {
    fn install(&self) -> Result<Option<InstallRecord>, StoreError> {
        self.one(
            "SELECT doc::text FROM twofold_meta WHERE key = $1",
            &[&INSTALL_KEY],
        )
    }

    fn tenant(&self) -> Result<Option<Tenant>, StoreError> {
        self.one(
            "SELECT doc::text FROM twofold_tenant WHERE key = $1",
            &[&TENANT_KEY],
        )
    }

    fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.one(
            "SELECT doc::text FROM twofold_users WHERE id = $1",
            &[&id.0],
        )
    }

    fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.one(
            "SELECT doc::text FROM twofold_users WHERE email_key = $1",
            &[&email],
        )
    }

    fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.one(
            "SELECT doc::text FROM twofold_users WHERE username_key = $1",
            &[&username],
        )
    }

    fn users_page(&self, after: Option<UserId>, limit_: usize) -> Result<Vec<User>, StoreError> {
        let after: Option<Uuid> = after.map(|id| id.0);
        self.docs(
            "SELECT doc::text FROM twofold_users WHERE ($1::uuid IS NULL OR id > $1) \
             ORDER BY id LIMIT $2",
            &[&after, &limit(limit_)],
        )
    }

    fn application(&self, id: ApplicationId) -> Result<Option<Application>, StoreError> {
        self.one(
            "SELECT doc::text FROM twofold_applications WHERE id = $1",
            &[&id.0],
        )
    }

    fn applications(&self) -> Result<Vec<Application>, StoreError> {
        self.docs(
            "SELECT doc::text FROM twofold_applications ORDER BY id",
            &[],
        )
    }

    fn api_key(&self, digest: &Digest) -> Result<Option<ApiKey>, StoreError> {
        let key: &[u8] = digest.as_bytes();
        self.one(
            "SELECT doc::text FROM twofold_api_keys WHERE digest = $1",
            &[&key],
        )
    }

    fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.docs(
            "SELECT doc::text FROM twofold_api_keys ORDER BY digest",
            &[],
        )
    }

    fn signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        self.docs(
            "SELECT doc::text FROM twofold_signing_keys ORDER BY kid",
            &[],
        )
    }

    fn refresh_token(&self, digest: &Digest) -> Result<Option<RefreshToken>, StoreError> {
        let key: &[u8] = digest.as_bytes();
        self.one(
            "SELECT doc::text FROM twofold_refresh_tokens WHERE digest = $1",
            &[&key],
        )
    }

    fn refresh_tokens_of(&self, user: UserId) -> Result<Vec<(Digest, RefreshToken)>, StoreError> {
        self.digest_docs(
            "SELECT digest, doc::text FROM twofold_refresh_tokens WHERE user_id = $1 \
             ORDER BY digest",
            &[&user.0],
        )
    }

    fn challenge(&self, digest: &Digest) -> Result<Option<Challenge>, StoreError> {
        let key: &[u8] = digest.as_bytes();
        self.one(
            "SELECT doc::text FROM twofold_challenges WHERE digest = $1",
            &[&key],
        )
    }

    fn trust(&self, digest: &Digest) -> Result<Option<Trust>, StoreError> {
        let key: &[u8] = digest.as_bytes();
        self.one(
            "SELECT doc::text FROM twofold_trusts WHERE digest = $1",
            &[&key],
        )
    }

    fn messenger(&self, id: MessengerId) -> Result<Option<Messenger>, StoreError> {
        self.one(
            "SELECT doc::text FROM twofold_messengers WHERE id = $1",
            &[&id.0],
        )
    }

    fn messengers(&self) -> Result<Vec<Messenger>, StoreError> {
        self.docs("SELECT doc::text FROM twofold_messengers ORDER BY id", &[])
    }

    fn send_log(&self, key: &str) -> Result<SendLog, StoreError> {
        Ok(self
            .one(
                "SELECT doc::text FROM twofold_send_logs WHERE key = $1",
                &[&key],
            )?
            .unwrap_or_default())
    }

    fn audit_events(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        let wanted = if query.limit == 0 { 100 } else { query.limit };
        let mut out = Vec::new();
        let mut before: Option<Uuid> = None;
        // Newest first, in pages, filtering as we go.
        loop {
            let page: Vec<AuditEvent> = self.docs(
                "SELECT doc::text FROM twofold_audit_events \
                 WHERE ($1::uuid IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
                &[&before, &AUDIT_SCAN],
            )?;
            let Some(last) = page.last() else {
                return Ok(out);
            };
            before = Some(last.id.0);
            for event in page {
                if query.since.is_some_and(|since| event.at < since) {
                    return Ok(out);
                }
                if query.matches(&event) {
                    out.push(event);
                    if out.len() >= wanted {
                        return Ok(out);
                    }
                }
            }
        }
    }

    fn refresh_tokens_page(
        &self,
        after: Option<Digest>,
        limit_: usize,
    ) -> Result<Vec<(Digest, RefreshToken)>, StoreError> {
        let after: Option<&[u8]> = after.as_ref().map(|d| d.as_bytes().as_slice());
        self.digest_docs(
            "SELECT digest, doc::text FROM twofold_refresh_tokens \
             WHERE ($1::bytea IS NULL OR digest > $1) ORDER BY digest LIMIT $2",
            &[&after, &limit(limit_)],
        )
    }

    fn challenges_page(
        &self,
        after: Option<Digest>,
        limit_: usize,
    ) -> Result<Vec<(Digest, Challenge)>, StoreError> {
        let after: Option<&[u8]> = after.as_ref().map(|d| d.as_bytes().as_slice());
        self.digest_docs(
            "SELECT digest, doc::text FROM twofold_challenges \
             WHERE ($1::bytea IS NULL OR digest > $1) ORDER BY digest LIMIT $2",
            &[&after, &limit(limit_)],
        )
    }

    fn trusts_page(
        &self,
        after: Option<Digest>,
        limit_: usize,
    ) -> Result<Vec<(Digest, Trust)>, StoreError> {
        let after: Option<&[u8]> = after.as_ref().map(|d| d.as_bytes().as_slice());
        self.digest_docs(
            "SELECT digest, doc::text FROM twofold_trusts \
             WHERE ($1::bytea IS NULL OR digest > $1) ORDER BY digest LIMIT $2",
            &[&after, &limit(limit_)],
        )
    }

    fn send_logs_page(
        &self,
        after: Option<String>,
        limit_: usize,
    ) -> Result<Vec<(String, SendLog)>, StoreError> {
        self.query(
            "SELECT key, doc::text FROM twofold_send_logs \
             WHERE ($1::text IS NULL OR key > $1) ORDER BY key LIMIT $2",
            &[&after, &limit(limit_)],
        )?
        .iter()
        .map(|row| {
            let key: String = row.try_get(0).map_err(|e| corrupt("send log key", e))?;
            Ok((key, doc(row, 1)?))
        })
        .collect()
    }

    fn audit_page(
        &self,
        after: Option<EventId>,
        limit_: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let after: Option<Uuid> = after.map(|id| id.0);
        self.docs(
            "SELECT doc::text FROM twofold_audit_events \
             WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2",
            &[&after, &limit(limit_)],
        )
    }
}

impl PgTxn<'_, '_> {
    /// Fails with a conflict on `field` when `sql` (taking the value and the user id) finds
    /// another user holding the value.
    fn claimed_by_other(
        &self,
        sql: &str,
        value: &str,
        id: Uuid,
        field: &'static str,
    ) -> Result<(), StoreError> {
        if self.query(sql, &[&value, &id])?.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Conflict { field })
        }
    }
}

impl WriteTxn for PgTxn<'_, '_> {
    fn put_install(&mut self, record: &InstallRecord) -> Result<(), StoreError> {
        let doc = json(record)?;
        self.execute(
            "INSERT INTO twofold_meta (key, doc) VALUES ($1, $2::text::json) \
             ON CONFLICT (key) DO UPDATE SET doc = EXCLUDED.doc",
            &[&INSTALL_KEY, &doc],
        )
        .map(|_| ())
    }

    fn put_tenant(&mut self, tenant: &Tenant) -> Result<(), StoreError> {
        let doc = json(tenant)?;
        self.execute(
            "INSERT INTO twofold_tenant (key, doc) VALUES ($1, $2::text::json) \
             ON CONFLICT (key) DO UPDATE SET doc = EXCLUDED.doc",
            &[&TENANT_KEY, &doc],
        )
        .map(|_| ())
    }

    fn put_user(&mut self, user: &User) -> Result<(), StoreError> {
        let id = user.id.0;
        let email = user.email.as_deref().map(str::to_lowercase);
        let username = user.username_key();
        if let Some(email) = &email {
            self.claimed_by_other(EMAIL_TAKEN, email, id, "user.email")?;
        }
        if let Some(username) = &username {
            self.claimed_by_other(USERNAME_TAKEN, username, id, "user.username")?;
        }
        let doc = json(user)?;
        // A unique violation here means another node claimed the value since the check
        // above: the job runs again and the check then reports the conflict.
        self.execute(
            "INSERT INTO twofold_users (id, email_key, username_key, doc) \
             VALUES ($1, $2, $3, $4::text::json) \
             ON CONFLICT (id) DO UPDATE SET email_key = EXCLUDED.email_key, \
             username_key = EXCLUDED.username_key, doc = EXCLUDED.doc",
            &[&id, &email, &username, &doc],
        )
        .map(|_| ())
    }

    fn delete_user(&mut self, id: UserId) -> Result<bool, StoreError> {
        self.execute(
            "DELETE FROM twofold_refresh_tokens WHERE user_id = $1",
            &[&id.0],
        )?;
        self.execute("DELETE FROM twofold_trusts WHERE user_id = $1", &[&id.0])?;
        Ok(self.execute("DELETE FROM twofold_users WHERE id = $1", &[&id.0])? > 0)
    }

    fn put_application(&mut self, application: &Application) -> Result<(), StoreError> {
        let doc = json(application)?;
        self.execute(
            "INSERT INTO twofold_applications (id, doc) VALUES ($1, $2::text::json) \
             ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc",
            &[&application.id.0, &doc],
        )
        .map(|_| ())
    }

    fn delete_application(&mut self, id: ApplicationId) -> Result<bool, StoreError> {
        Ok(self.execute("DELETE FROM twofold_applications WHERE id = $1", &[&id.0])? > 0)
    }

    fn put_api_key(&mut self, key: &ApiKey) -> Result<(), StoreError> {
        let doc = json(key)?;
        let digest: &[u8] = key.digest.as_bytes();
        self.execute(
            "INSERT INTO twofold_api_keys (digest, id, doc) VALUES ($1, $2, $3::text::json) \
             ON CONFLICT (digest) DO UPDATE SET id = EXCLUDED.id, doc = EXCLUDED.doc",
            &[&digest, &key.id.0, &doc],
        )
        .map(|_| ())
    }

    fn delete_api_key(&mut self, id: ApiKeyId) -> Result<bool, StoreError> {
        Ok(self.execute("DELETE FROM twofold_api_keys WHERE id = $1", &[&id.0])? > 0)
    }

    fn put_signing_key(&mut self, key: &SigningKey) -> Result<(), StoreError> {
        let doc = json(key)?;
        self.execute(
            "INSERT INTO twofold_signing_keys (kid, doc) VALUES ($1, $2::text::json) \
             ON CONFLICT (kid) DO UPDATE SET doc = EXCLUDED.doc",
            &[&key.kid, &doc],
        )
        .map(|_| ())
    }

    fn put_refresh_token(
        &mut self,
        digest: &Digest,
        token: &RefreshToken,
    ) -> Result<(), StoreError> {
        let doc = json(token)?;
        let key: &[u8] = digest.as_bytes();
        self.execute(
            "INSERT INTO twofold_refresh_tokens (digest, user_id, expires, doc) \
             VALUES ($1, $2, $3, $4::text::json) \
             ON CONFLICT (digest) DO UPDATE SET user_id = EXCLUDED.user_id, \
             expires = EXCLUDED.expires, doc = EXCLUDED.doc",
            &[&key, &token.user_id.0, &token.expires.millis(), &doc],
        )
        .map(|_| ())
    }

    fn delete_refresh_token(&mut self, digest: &Digest) -> Result<bool, StoreError> {
        let key: &[u8] = digest.as_bytes();
        Ok(self.execute(
            "DELETE FROM twofold_refresh_tokens WHERE digest = $1",
            &[&key],
        )? > 0)
    }

    fn delete_refresh_tokens_of(&mut self, user: UserId) -> Result<usize, StoreError> {
        self.execute(
            "DELETE FROM twofold_refresh_tokens WHERE user_id = $1",
            &[&user.0],
        )
        .map(count)
    }

    fn put_challenge(&mut self, digest: &Digest, challenge: &Challenge) -> Result<(), StoreError> {
        let doc = json(challenge)?;
        let key: &[u8] = digest.as_bytes();
        self.execute(
            "INSERT INTO twofold_challenges (digest, expires, doc) VALUES ($1, $2, $3::text::json) \
             ON CONFLICT (digest) DO UPDATE SET expires = EXCLUDED.expires, doc = EXCLUDED.doc",
            &[&key, &challenge.expires.millis(), &doc],
        )
        .map(|_| ())
    }

    fn delete_challenge(&mut self, digest: &Digest) -> Result<bool, StoreError> {
        let key: &[u8] = digest.as_bytes();
        Ok(self.execute("DELETE FROM twofold_challenges WHERE digest = $1", &[&key])? > 0)
    }

    fn put_trust(&mut self, digest: &Digest, trust: &Trust) -> Result<(), StoreError> {
        let doc = json(trust)?;
        let key: &[u8] = digest.as_bytes();
        self.execute(
            "INSERT INTO twofold_trusts (digest, user_id, expires, doc) \
             VALUES ($1, $2, $3, $4::text::json) \
             ON CONFLICT (digest) DO UPDATE SET user_id = EXCLUDED.user_id, \
             expires = EXCLUDED.expires, doc = EXCLUDED.doc",
            &[&key, &trust.user_id.0, &trust.expires.millis(), &doc],
        )
        .map(|_| ())
    }

    fn delete_trust(&mut self, digest: &Digest) -> Result<bool, StoreError> {
        let key: &[u8] = digest.as_bytes();
        Ok(self.execute("DELETE FROM twofold_trusts WHERE digest = $1", &[&key])? > 0)
    }

    fn put_messenger(&mut self, messenger: &Messenger) -> Result<(), StoreError> {
        let doc = json(messenger)?;
        self.execute(
            "INSERT INTO twofold_messengers (id, doc) VALUES ($1, $2::text::json) \
             ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc",
            &[&messenger.id.0, &doc],
        )
        .map(|_| ())
    }

    fn delete_messenger(&mut self, id: MessengerId) -> Result<bool, StoreError> {
        Ok(self.execute("DELETE FROM twofold_messengers WHERE id = $1", &[&id.0])? > 0)
    }

    fn put_send_log(&mut self, key: &str, log: &SendLog) -> Result<(), StoreError> {
        if log.sends.is_empty() {
            return self
                .execute("DELETE FROM twofold_send_logs WHERE key = $1", &[&key])
                .map(|_| ());
        }
        let doc = json(log)?;
        self.execute(
            "INSERT INTO twofold_send_logs (key, doc) VALUES ($1, $2::text::json) \
             ON CONFLICT (key) DO UPDATE SET doc = EXCLUDED.doc",
            &[&key, &doc],
        )
        .map(|_| ())
    }

    fn append_audit(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        let doc = json(event)?;
        self.execute(
            "INSERT INTO twofold_audit_events (id, doc) VALUES ($1, $2::text::json) \
             ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc",
            &[&event.id.0, &doc],
        )
        .map(|_| ())
    }

    fn purge_expired(
        &mut self,
        now: Timestamp,
        audit_before: Timestamp,
    ) -> Result<usize, StoreError> {
        let now = now.millis();
        let mut purged = 0;
        for sql in [
            "DELETE FROM twofold_challenges WHERE expires <= $1",
            "DELETE FROM twofold_trusts WHERE expires <= $1",
            "DELETE FROM twofold_refresh_tokens WHERE expires <= $1",
        ] {
            purged += count(self.execute(sql, &[&now])?);
        }
        // Audit ids are UUID v7: the first 48 bits are the millisecond timestamp.
        let cutoff =
            Uuid::from_u128(u128::try_from(audit_before.millis().max(0)).unwrap_or(0) << 80);
        purged +=
            count(self.execute("DELETE FROM twofold_audit_events WHERE id < $1", &[&cutoff])?);
        Ok(purged)
    }
}
