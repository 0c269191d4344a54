//! How PostgreSQL failures become [`StoreError`]s, and which of them a write job may be run
//! again after (serialisation conflicts, deadlocks, a unique index raced by another node,
//! a pooled connection that died before the transaction reached its commit).
//! Messages name the failure, never the connection URL or its password.

use tokio_postgres::error::SqlState;

use crate::store::StoreError;

/// A failure seen inside a transaction: the transaction is lost either way.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub error: StoreError,
    /// Running the job again in a new transaction may succeed.
    pub retry: bool,
}

/// Classifies a driver error.
pub(super) fn classify(e: &tokio_postgres::Error) -> Failure {
    // A pooled connection found dead before anything was committed: try a fresh one.
    let connection_lost = e.is_closed();
    let Some(code) = e.code() else {
        // No SQLSTATE: an I/O failure, a closed connection or a timeout.
        return Failure {
            error: StoreError::Unavailable(format!("PostgreSQL: {e}")),
            retry: connection_lost,
        };
    };
    let text = e
        .as_db_error()
        .map_or_else(|| e.to_string(), |db| db.message().to_owned());
    let code_text = code.code();
    if *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::UNIQUE_VIOLATION
    {
        Failure {
            error: StoreError::Unavailable(format!(
                "PostgreSQL kept reporting conflicts ({code_text}): {text}"
            )),
            retry: true,
        }
    } else if code_text.starts_with("08")
        || code_text.starts_with("53")
        || code_text.starts_with("57P")
        || *code == SqlState::READ_ONLY_SQL_TRANSACTION
    {
        // Connection exceptions, out of resources, shutting down, a read-only standby.
        Failure {
            error: StoreError::Unavailable(format!("PostgreSQL ({code_text}): {text}")),
            retry: false,
        }
    } else {
        Failure {
            error: StoreError::Backend(format!("PostgreSQL ({code_text}): {text}")),
            retry: false,
        }
    }
}

/// A pool failure: no connection could be had.
pub(super) fn pool(e: &deadpool_postgres::PoolError) -> StoreError {
    StoreError::Unavailable(format!("cannot get a PostgreSQL connection: {e}"))
}

pub(super) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}
