//! The redb file's layout: every table name and key encoding lives here and nowhere else.
//! All tables map byte keys to byte values; values are JSON documents of domain records
//! (`#[serde(default)]` on new fields keeps old records readable).

use redb::TableDefinition;

use crate::domain::ids::UserId;
use crate::domain::secret::Digest;

pub type Tbl = TableDefinition<'static, &'static [u8], &'static [u8]>;

/// Bumped when a change needs a migration; checked at open.
pub const SCHEMA_VERSION: u32 = 1;

/// `schema_version` (u32 LE), `install` (JSON).
pub const META: Tbl = TableDefinition::new("meta");
pub const TENANT: Tbl = TableDefinition::new("tenant");
/// User id (16 bytes, big-endian) → user.
pub const USERS: Tbl = TableDefinition::new("users");
/// Lower-cased e-mail → user id.
pub const USERS_BY_EMAIL: Tbl = TableDefinition::new("users_by_email");
/// Lower-cased username → user id.
pub const USERS_BY_USERNAME: Tbl = TableDefinition::new("users_by_username");
pub const APPLICATIONS: Tbl = TableDefinition::new("applications");
/// Key digest → API key record.
pub const API_KEYS: Tbl = TableDefinition::new("api_keys");
/// Key id → signing key.
pub const SIGNING_KEYS: Tbl = TableDefinition::new("signing_keys");
/// Token digest → refresh token.
pub const REFRESH_TOKENS: Tbl = TableDefinition::new("refresh_tokens");
/// User id ++ token digest → empty.
pub const REFRESH_TOKENS_BY_USER: Tbl = TableDefinition::new("refresh_tokens_by_user");
/// twoFactorId digest → challenge.
pub const CHALLENGES: Tbl = TableDefinition::new("two_factor_challenges");
/// Trust id digest → trust.
pub const TRUSTS: Tbl = TableDefinition::new("two_factor_trusts");
/// User id ++ trust digest → empty.
pub const TRUSTS_BY_USER: Tbl = TableDefinition::new("two_factor_trusts_by_user");
pub const MESSENGERS: Tbl = TableDefinition::new("messengers");
/// Limit key → send log.
pub const SEND_LOGS: Tbl = TableDefinition::new("sms_send_logs");
/// Event id (UUID v7, time-ordered) → audit event.
pub const AUDIT: Tbl = TableDefinition::new("audit_events");

pub const ALL: &[Tbl] = &[
    META,
    TENANT,
    USERS,
    USERS_BY_EMAIL,
    USERS_BY_USERNAME,
    APPLICATIONS,
    API_KEYS,
    SIGNING_KEYS,
    REFRESH_TOKENS,
    REFRESH_TOKENS_BY_USER,
    CHALLENGES,
    TRUSTS,
    TRUSTS_BY_USER,
    MESSENGERS,
    SEND_LOGS,
    AUDIT,
];

pub const META_SCHEMA_VERSION: &[u8] = b"schema_version";
pub const META_INSTALL: &[u8] = b"install";
pub const TENANT_KEY: &[u8] = b"default";

pub fn id_key(id: u128) -> [u8; 16] {
    id.to_be_bytes()
}

/// Index key for per-user secondary tables: user id, then the record's digest.
pub fn user_digest_key(user: UserId, digest: &Digest) -> [u8; 48] {
    let mut key = [0u8; 48];
    key[..16].copy_from_slice(&id_key(user.as_u128()));
    key[16..].copy_from_slice(digest.as_bytes());
    key
}

/// The exclusive upper bound of all keys starting with `prefix` (`None`: no bound).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_bounds_the_prefix() {
        assert_eq!(prefix_end(&[1, 2]), Some(vec![1, 3]));
        assert_eq!(prefix_end(&[1, 255]), Some(vec![2]));
        assert_eq!(prefix_end(&[255, 255]), None);
    }
}
