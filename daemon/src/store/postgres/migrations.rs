//! The schema: versioned SQL files in `daemon/migrations/`, applied in order at start-up.
//!
//! Nodes starting together take a session advisory lock first, so exactly one of them
//! applies a missing version while the others wait and then find it applied. A database
//! written by a newer twofoldd (a version this binary does not know) is refused.

use tokio_postgres::Client;

use crate::store::StoreError;

use super::errors::classify;

/// Every migration, in order: (version, SQL).
const MIGRATIONS: &[(u32, &str)] = &[(1, include_str!("../../../migrations/0001_initial.sql"))];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = 1;

/// `pg_advisory_lock` key held while migrating (the ASCII of "twofold").
const LOCK_KEY: i64 = 0x0074_776f_666f_6c64;

fn failed(e: &tokio_postgres::Error) -> StoreError {
    classify(e).error
}

/// Brings the database up to [`SCHEMA_VERSION`].
pub(super) async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .await
        .map_err(|e| failed(&e))?;
    let result = apply(client).await;
    // Dropping the connection would release the lock too; say so explicitly.
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await
        .map_err(|e| failed(&e));
    result.and(unlocked.map(|_| ()))
}

async fn apply(client: &mut Client) -> Result<(), StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS twofold_schema_migrations (\
                 version integer PRIMARY KEY, \
                 applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await
        .map_err(|e| failed(&e))?;
    let row = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM twofold_schema_migrations",
            &[],
        )
        .await
        .map_err(|e| failed(&e))?;
    let found: i32 = row.try_get(0).map_err(|e| failed(&e))?;
    let found = u32::try_from(found).unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaMismatch {
            found,
            expected: SCHEMA_VERSION,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        let txn = client.transaction().await.map_err(|e| failed(&e))?;
        txn.batch_execute(sql).await.map_err(|e| failed(&e))?;
        let version = i32::try_from(*version).unwrap_or(i32::MAX);
        txn.execute(
            "INSERT INTO twofold_schema_migrations (version) VALUES ($1)",
            &[&version],
        )
        .await
        .map_err(|e| failed(&e))?;
        txn.commit().await.map_err(|e| failed(&e))?;
        tracing::info!(version, "applied a PostgreSQL schema migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_and_end_at_the_schema_version() {
        for (index, (version, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version as usize, index + 1);
        }
        assert_eq!(MIGRATIONS.last().map(|(v, _)| *v), Some(SCHEMA_VERSION));
    }
}
