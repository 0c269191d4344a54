//! Domain records over redb's byte tables: [`ReadTxn`]/[`WriteTxn`] for redb transactions.
//! The same code serves read and write transactions through the small [`Raw`] seam.

use std::ops::Bound;

use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::tables::{self, Tbl, id_key, prefix_end, user_digest_key};
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

pub(super) fn backend(e: impl std::fmt::Display) -> StoreError {
    let text = e.to_string();
    // No space or a read-only file: the disk cannot take writes now, but may later.
    let lower = text.to_lowercase();
    if lower.contains("no space") || lower.contains("read-only") || lower.contains("quota") {
        StoreError::Unavailable(text)
    } else {
        StoreError::Backend(text)
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Backend(e.to_string()))
}

type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// Byte-level access shared by read and write transactions.
pub(super) trait Raw {
    fn get(&self, table: Tbl, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Entries with `start <= key < end`, in key order (reversed when `reverse`), at most `limit`.
    fn range(
        &self,
        table: Tbl,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
        limit: usize,
    ) -> Result<Pairs, StoreError>;
}

fn collect_range<'a, T: ReadableTable<&'static [u8], &'static [u8]>>(
    table: &T,
    start: Bound<&'a [u8]>,
    end: Bound<&'a [u8]>,
    reverse: bool,
    limit: usize,
) -> Result<Pairs, StoreError> {
    let range = table.range::<&[u8]>((start, end)).map_err(backend)?;
    let mut out = Vec::new();
    let items: Box<dyn Iterator<Item = _>> = if reverse {
        Box::new(range.rev())
    } else {
        Box::new(range)
    };
    for item in items {
        if out.len() >= limit {
            break;
        }
        let (k, v): (redb::AccessGuard<'_, &[u8]>, redb::AccessGuard<'_, &[u8]>) =
            item.map_err(backend)?;
        out.push((k.value().to_vec(), v.value().to_vec()));
    }
    Ok(out)
}

impl Raw for ReadTransaction {
    fn get(&self, table: Tbl, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let table = self.open_table(table).map_err(backend)?;
        Ok(table.get(key).map_err(backend)?.map(|v| v.value().to_vec()))
    }

    fn range(
        &self,
        table: Tbl,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
        limit: usize,
    ) -> Result<Pairs, StoreError> {
        let table = self.open_table(table).map_err(backend)?;
        collect_range(&table, start, end, reverse, limit)
    }
}

/// A write transaction that remembers whether it changed anything.
pub(super) struct Writer<'t> {
    pub txn: &'t WriteTransaction,
    pub wrote: bool,
}

impl Raw for Writer<'_> {
    fn get(&self, table: Tbl, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let table = self.txn.open_table(table).map_err(backend)?;
        Ok(table.get(key).map_err(backend)?.map(|v| v.value().to_vec()))
    }

    fn range(
        &self,
        table: Tbl,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
        limit: usize,
    ) -> Result<Pairs, StoreError> {
        let table = self.txn.open_table(table).map_err(backend)?;
        collect_range(&table, start, end, reverse, limit)
    }
}

impl Writer<'_> {
    fn insert(&mut self, table: Tbl, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.wrote = true;
        let mut table = self.txn.open_table(table).map_err(backend)?;
        table.insert(key, value).map_err(backend)?;
        Ok(())
    }

    fn remove(&mut self, table: Tbl, key: &[u8]) -> Result<bool, StoreError> {
        self.wrote = true;
        let mut table = self.txn.open_table(table).map_err(backend)?;
        let removed = table.remove(key).map_err(backend)?.is_some();
        Ok(removed)
    }

    fn put<T: Serialize>(&mut self, table: Tbl, key: &[u8], value: &T) -> Result<(), StoreError> {
        let bytes = encode(value)?;
        self.insert(table, key, &bytes)
    }

    fn remove_prefix(&mut self, table: Tbl, prefix: &[u8]) -> Result<Vec<Vec<u8>>, StoreError> {
        let end = prefix_end(prefix);
        let keys: Vec<Vec<u8>> = self
            .range(
                table,
                Bound::Included(prefix),
                end.as_deref().map_or(Bound::Unbounded, Bound::Excluded),
                false,
                usize::MAX,
            )?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for key in &keys {
            self.remove(table, key)?;
        }
        Ok(keys)
    }
}

fn get_json<T: DeserializeOwned>(
    raw: &(impl Raw + ?Sized),
    table: Tbl,
    key: &[u8],
) -> Result<Option<T>, StoreError> {
    raw.get(table, key)?.map(|bytes| decode(&bytes)).transpose()
}

fn all_json<T: DeserializeOwned>(
    raw: &(impl Raw + ?Sized),
    table: Tbl,
) -> Result<Vec<T>, StoreError> {
    raw.range(table, Bound::Unbounded, Bound::Unbounded, false, usize::MAX)?
        .iter()
        .map(|(_, v)| decode(v))
        .collect()
}

fn page<T: DeserializeOwned>(
    raw: &(impl Raw + ?Sized),
    table: Tbl,
    after: Option<&[u8]>,
    limit: usize,
) -> Result<Vec<(Vec<u8>, T)>, StoreError> {
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    raw.range(table, start, Bound::Unbounded, false, limit)?
        .into_iter()
        .map(|(k, v)| decode(&v).map(|value| (k, value)))
        .collect()
}

fn digest_page<T: DeserializeOwned>(
    raw: &(impl Raw + ?Sized),
    table: Tbl,
    after: Option<Digest>,
    limit: usize,
) -> Result<Vec<(Digest, T)>, StoreError> {
    page(
        raw,
        table,
        after.as_ref().map(|d| d.as_bytes().as_slice()),
        limit,
    )?
    .into_iter()
    .map(|(k, v)| {
        Digest::from_slice(&k)
            .map(|d| (d, v))
            .ok_or_else(|| StoreError::Corrupt("digest key".to_owned()))
    })
    .collect()
}

fn user_via_index(
    raw: &(impl Raw + ?Sized),
    index: Tbl,
    key: &str,
) -> Result<Option<User>, StoreError> {
    let Some(id) = raw.get(index, key.as_bytes())? else {
        return Ok(None);
    };
    get_json(raw, tables::USERS, &id)
}

macro_rules! impl_read_txn {
    ($ty:ty) => {
        impl ReadTxn for $ty {
            fn install(&self) -> Result<Option<InstallRecord>, StoreError> {
                get_json(self, tables::META, tables::META_INSTALL)
            }

            fn tenant(&self) -> Result<Option<Tenant>, StoreError> {
                get_json(self, tables::TENANT, tables::TENANT_KEY)
            }

            fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
                get_json(self, tables::USERS, &id_key(id.as_u128()))
            }

            fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
                user_via_index(self, tables::USERS_BY_EMAIL, email)
            }

            fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
                user_via_index(self, tables::USERS_BY_USERNAME, username)
            }

            fn users_page(
                &self,
                after: Option<UserId>,
                limit: usize,
            ) -> Result<Vec<User>, StoreError> {
                let after_key = after.map(|id| id_key(id.as_u128()));
                let start = after_key
                    .as_ref()
                    .map_or(Bound::Unbounded, |k| Bound::Excluded(k.as_slice()));
                self.range(tables::USERS, start, Bound::Unbounded, false, limit)?
                    .iter()
                    .map(|(_, v)| decode(v))
                    .collect()
            }

            fn application(&self, id: ApplicationId) -> Result<Option<Application>, StoreError> {
                get_json(self, tables::APPLICATIONS, &id_key(id.as_u128()))
            }

            fn applications(&self) -> Result<Vec<Application>, StoreError> {
                all_json(self, tables::APPLICATIONS)
            }

            fn api_key(&self, digest: &Digest) -> Result<Option<ApiKey>, StoreError> {
                get_json(self, tables::API_KEYS, digest.as_bytes())
            }

            fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
                all_json(self, tables::API_KEYS)
            }

            fn signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
                all_json(self, tables::SIGNING_KEYS)
            }

            fn refresh_token(&self, digest: &Digest) -> Result<Option<RefreshToken>, StoreError> {
                get_json(self, tables::REFRESH_TOKENS, digest.as_bytes())
            }

            fn refresh_tokens_of(
                &self,
                user: UserId,
            ) -> Result<Vec<(Digest, RefreshToken)>, StoreError> {
                let prefix = id_key(user.as_u128());
                let end = prefix_end(&prefix);
                let index = self.range(
                    tables::REFRESH_TOKENS_BY_USER,
                    Bound::Included(&prefix),
                    end.as_deref().map_or(Bound::Unbounded, Bound::Excluded),
                    false,
                    usize::MAX,
                )?;
                let mut out = Vec::with_capacity(index.len());
                for (key, _) in index {
                    let Some(digest) = Digest::from_slice(&key[16..]) else {
                        return Err(StoreError::Corrupt("refresh token index key".to_owned()));
                    };
                    if let Some(token) = self.refresh_token(&digest)? {
                        out.push((digest, token));
                    }
                }
                Ok(out)
            }

            fn challenge(&self, digest: &Digest) -> Result<Option<Challenge>, StoreError> {
                get_json(self, tables::CHALLENGES, digest.as_bytes())
            }

            fn trust(&self, digest: &Digest) -> Result<Option<Trust>, StoreError> {
                get_json(self, tables::TRUSTS, digest.as_bytes())
            }

            fn messenger(&self, id: MessengerId) -> Result<Option<Messenger>, StoreError> {
                get_json(self, tables::MESSENGERS, &id_key(id.as_u128()))
            }

            fn messengers(&self) -> Result<Vec<Messenger>, StoreError> {
                all_json(self, tables::MESSENGERS)
            }

            fn send_log(&self, key: &str) -> Result<SendLog, StoreError> {
                Ok(get_json(self, tables::SEND_LOGS, key.as_bytes())?.unwrap_or_default())
            }

            fn audit_events(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
                let limit = if query.limit == 0 { 100 } else { query.limit };
                let mut out = Vec::new();
                let mut upper: Option<Vec<u8>> = None;
                // Newest first, in pages, filtering as we go.
                loop {
                    let end = upper.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
                    let page = self.range(tables::AUDIT, Bound::Unbounded, end, true, 512)?;
                    if page.is_empty() {
                        break;
                    }
                    for (key, value) in &page {
                        let event: AuditEvent = decode(value)?;
                        if query.since.is_some_and(|since| event.at < since) {
                            return Ok(out);
                        }
                        if query.matches(&event) {
                            out.push(event);
                            if out.len() >= limit {
                                return Ok(out);
                            }
                        }
                        upper = Some(key.clone());
                    }
                }
                Ok(out)
            }

            fn refresh_tokens_page(
                &self,
                after: Option<Digest>,
                limit: usize,
            ) -> Result<Vec<(Digest, RefreshToken)>, StoreError> {
                digest_page(self, tables::REFRESH_TOKENS, after, limit)
            }

            fn challenges_page(
                &self,
                after: Option<Digest>,
                limit: usize,
            ) -> Result<Vec<(Digest, Challenge)>, StoreError> {
                digest_page(self, tables::CHALLENGES, after, limit)
            }

            fn trusts_page(
                &self,
                after: Option<Digest>,
                limit: usize,
            ) -> Result<Vec<(Digest, Trust)>, StoreError> {
                digest_page(self, tables::TRUSTS, after, limit)
            }

            fn send_logs_page(
                &self,
                after: Option<String>,
                limit: usize,
            ) -> Result<Vec<(String, SendLog)>, StoreError> {
                page(
                    self,
                    tables::SEND_LOGS,
                    after.as_deref().map(str::as_bytes),
                    limit,
                )?
                .into_iter()
                .map(|(k, v)| {
                    String::from_utf8(k)
                        .map(|key| (key, v))
                        .map_err(|_| StoreError::Corrupt("send log key".to_owned()))
                })
                .collect()
            }

            fn audit_page(
                &self,
                after: Option<EventId>,
                limit: usize,
            ) -> Result<Vec<AuditEvent>, StoreError> {
                let after = after.map(|id| id_key(id.as_u128()));
                Ok(page(
                    self,
                    tables::AUDIT,
                    after.as_ref().map(|k| k.as_slice()),
                    limit,
                )?
                .into_iter()
                .map(|(_, event)| event)
                .collect())
            }
        }
    };
}

impl_read_txn!(ReadTransaction);
impl_read_txn!(Writer<'_>);

/// Points a unique index entry at `id`, failing when another record owns it.
fn claim_index(
    w: &mut Writer<'_>,
    index: Tbl,
    key: &str,
    id: &[u8],
    field: &'static str,
) -> Result<(), StoreError> {
    match w.get(index, key.as_bytes())? {
        Some(owner) if owner != id => Err(StoreError::Conflict { field }),
        Some(_) => Ok(()),
        None => w.insert(index, key.as_bytes(), id),
    }
}

impl WriteTxn for Writer<'_> {
    fn put_install(&mut self, record: &InstallRecord) -> Result<(), StoreError> {
        self.put(tables::META, tables::META_INSTALL, record)
    }

    fn put_tenant(&mut self, tenant: &Tenant) -> Result<(), StoreError> {
        self.put(tables::TENANT, tables::TENANT_KEY, tenant)
    }

    fn put_user(&mut self, user: &User) -> Result<(), StoreError> {
        let id = id_key(user.id.as_u128());
        let previous: Option<User> = get_json(self, tables::USERS, &id)?;
        let email = user.email.as_deref().map(str::to_lowercase);
        let username = user.username_key();
        if let Some(email) = &email {
            claim_index(self, tables::USERS_BY_EMAIL, email, &id, "user.email")?;
        }
        if let Some(username) = &username {
            claim_index(
                self,
                tables::USERS_BY_USERNAME,
                username,
                &id,
                "user.username",
            )?;
        }
        if let Some(previous) = previous {
            let old_email = previous.email.as_deref().map(str::to_lowercase);
            if old_email.is_some()
                && old_email != email
                && let Some(old) = old_email
            {
                self.remove(tables::USERS_BY_EMAIL, old.as_bytes())?;
            }
            let old_username = previous.username_key();
            if old_username.is_some()
                && old_username != username
                && let Some(old) = old_username
            {
                self.remove(tables::USERS_BY_USERNAME, old.as_bytes())?;
            }
        }
        self.put(tables::USERS, &id, user)
    }

    fn delete_user(&mut self, id: UserId) -> Result<bool, StoreError> {
        let key = id_key(id.as_u128());
        let Some(user) = get_json::<User>(self, tables::USERS, &key)? else {
            return Ok(false);
        };
        if let Some(email) = user.email.as_deref() {
            self.remove(tables::USERS_BY_EMAIL, email.to_lowercase().as_bytes())?;
        }
        if let Some(username) = user.username_key() {
            self.remove(tables::USERS_BY_USERNAME, username.as_bytes())?;
        }
        self.delete_refresh_tokens_of(id)?;
        for index_key in self.remove_prefix(tables::TRUSTS_BY_USER, &key)? {
            self.remove(tables::TRUSTS, &index_key[16..])?;
        }
        self.remove(tables::USERS, &key)
    }

    fn put_application(&mut self, application: &Application) -> Result<(), StoreError> {
        self.put(
            tables::APPLICATIONS,
            &id_key(application.id.as_u128()),
            application,
        )
    }

    fn delete_application(&mut self, id: ApplicationId) -> Result<bool, StoreError> {
        self.remove(tables::APPLICATIONS, &id_key(id.as_u128()))
    }

    fn put_api_key(&mut self, key: &ApiKey) -> Result<(), StoreError> {
        self.put(tables::API_KEYS, key.digest.as_bytes(), key)
    }

    fn delete_api_key(&mut self, id: ApiKeyId) -> Result<bool, StoreError> {
        let keys: Vec<ApiKey> = all_json(self, tables::API_KEYS)?;
        match keys.into_iter().find(|k| k.id == id) {
            Some(key) => self.remove(tables::API_KEYS, key.digest.as_bytes()),
            None => Ok(false),
        }
    }

    fn put_signing_key(&mut self, key: &SigningKey) -> Result<(), StoreError> {
        self.put(tables::SIGNING_KEYS, key.kid.as_bytes(), key)
    }

    fn put_refresh_token(
        &mut self,
        digest: &Digest,
        token: &RefreshToken,
    ) -> Result<(), StoreError> {
        self.put(tables::REFRESH_TOKENS, digest.as_bytes(), token)?;
        self.insert(
            tables::REFRESH_TOKENS_BY_USER,
            &user_digest_key(token.user_id, digest),
            &[],
        )
    }

    fn delete_refresh_token(&mut self, digest: &Digest) -> Result<bool, StoreError> {
        let Some(token) = self.refresh_token(digest)? else {
            return Ok(false);
        };
        self.remove(
            tables::REFRESH_TOKENS_BY_USER,
            &user_digest_key(token.user_id, digest),
        )?;
        self.remove(tables::REFRESH_TOKENS, digest.as_bytes())
    }

    fn delete_refresh_tokens_of(&mut self, user: UserId) -> Result<usize, StoreError> {
        let keys = self.remove_prefix(tables::REFRESH_TOKENS_BY_USER, &id_key(user.as_u128()))?;
        for key in &keys {
            self.remove(tables::REFRESH_TOKENS, &key[16..])?;
        }
        Ok(keys.len())
    }

    fn put_challenge(&mut self, digest: &Digest, challenge: &Challenge) -> Result<(), StoreError> {
        self.put(tables::CHALLENGES, digest.as_bytes(), challenge)
    }

    fn delete_challenge(&mut self, digest: &Digest) -> Result<bool, StoreError> {
        self.remove(tables::CHALLENGES, digest.as_bytes())
    }

    fn put_trust(&mut self, digest: &Digest, trust: &Trust) -> Result<(), StoreError> {
        self.put(tables::TRUSTS, digest.as_bytes(), trust)?;
        self.insert(
            tables::TRUSTS_BY_USER,
            &user_digest_key(trust.user_id, digest),
            &[],
        )
    }

    fn delete_trust(&mut self, digest: &Digest) -> Result<bool, StoreError> {
        let Some(trust) = self.trust(digest)? else {
            return Ok(false);
        };
        self.remove(
            tables::TRUSTS_BY_USER,
            &user_digest_key(trust.user_id, digest),
        )?;
        self.remove(tables::TRUSTS, digest.as_bytes())
    }

    fn put_messenger(&mut self, messenger: &Messenger) -> Result<(), StoreError> {
        self.put(
            tables::MESSENGERS,
            &id_key(messenger.id.as_u128()),
            messenger,
        )
    }

    fn delete_messenger(&mut self, id: MessengerId) -> Result<bool, StoreError> {
        self.remove(tables::MESSENGERS, &id_key(id.as_u128()))
    }

    fn put_send_log(&mut self, key: &str, log: &SendLog) -> Result<(), StoreError> {
        if log.sends.is_empty() {
            self.remove(tables::SEND_LOGS, key.as_bytes()).map(|_| ())
        } else {
            self.put(tables::SEND_LOGS, key.as_bytes(), log)
        }
    }

    fn append_audit(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        self.put(tables::AUDIT, &id_key(event.id.as_u128()), event)
    }

    fn purge_expired(
        &mut self,
        now: Timestamp,
        audit_before: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut purged = 0;
        let challenges = self.range(
            tables::CHALLENGES,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
            usize::MAX,
        )?;
        for (key, value) in challenges {
            let challenge: Challenge = decode(&value)?;
            if challenge.expires <= now {
                self.remove(tables::CHALLENGES, &key)?;
                purged += 1;
            }
        }
        let trusts = self.range(
            tables::TRUSTS,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
            usize::MAX,
        )?;
        for (key, value) in trusts {
            let trust: Trust = decode(&value)?;
            if trust.expires <= now
                && let Some(digest) = Digest::from_slice(&key)
            {
                self.delete_trust(&digest)?;
                purged += 1;
            }
        }
        let tokens = self.range(
            tables::REFRESH_TOKENS,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
            usize::MAX,
        )?;
        for (key, value) in tokens {
            let token: RefreshToken = decode(&value)?;
            if token.expires <= now
                && let Some(digest) = Digest::from_slice(&key)
            {
                self.delete_refresh_token(&digest)?;
                purged += 1;
            }
        }
        // Audit keys are UUID v7: the first 48 bits are the millisecond timestamp.
        let cutoff = (u128::try_from(audit_before.millis().max(0)).unwrap_or(0)) << 80;
        let cutoff_key = id_key(cutoff);
        let old = self.range(
            tables::AUDIT,
            Bound::Unbounded,
            Bound::Excluded(&cutoff_key),
            false,
            usize::MAX,
        )?;
        for (key, _) in old {
            self.remove(tables::AUDIT, &key)?;
            purged += 1;
        }
        Ok(purged)
    }
}
