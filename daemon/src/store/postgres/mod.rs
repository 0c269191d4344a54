//! The shared store: PostgreSQL, so several twofoldd nodes serve one state.
//!
//! Jobs are synchronous closures (the store traits are), so each runs on a blocking thread
//! of the store's own small Tokio runtime, which also drives the pooled connections
//! (`deadpool-postgres`): a statement inside a job is sent and awaited from that thread.
//! The caller's runtime only awaits the job's completion.
//!
//! Write jobs run in `SERIALIZABLE` transactions: two nodes that read and then change the
//! same records (a code being used, a refresh token being exchanged, a lockout counter)
//! cannot both commit; PostgreSQL aborts one and that job is run again on fresh data, a
//! bounded number of times. Read jobs run in read-only `REPEATABLE READ` snapshots.
//! A database that cannot be reached gives [`StoreError::Unavailable`] (503) and the pool
//! connects again by itself once it is back.
//!
//! Not here: the schema (see [`migrations`]), row encoding (see [`txn`]).

mod errors;
pub mod migrations;
mod txn;

use std::time::Duration;

use deadpool_postgres::{
    Manager, ManagerConfig, Pool, RecyclingMethod, Runtime as PoolRuntime, Timeouts,
};
use tokio::runtime::{Handle, Runtime};
use tokio_postgres::IsolationLevel;
use tokio_postgres::NoTls;

use crate::domain::secret::SecretString;
use crate::store::{BoxFuture, ReadJob, ReadTxn, Store, StoreError, StoreHealth, WriteJob};
use errors::{Failure, classify};
use txn::PgTxn;

/// How often a write job is tried when PostgreSQL reports a serialisation conflict.
const MAX_ATTEMPTS: u32 = 12;

/// Where and how to connect.
#[derive(Clone, Debug)]
pub struct PgSettings {
    /// `postgres://user:password@host:port/database` (or a key=value connection string).
    pub url: SecretString,
    /// Connections per node.
    pub pool_size: usize,
    pub connect_timeout: Duration,
}

pub struct PgStore {
    pool: Pool,
    /// `None` once dropping.
    runtime: Option<Runtime>,
    handle: Handle,
    /// host:port/database, without credentials: for logs and errors.
    target: String,
    /// The longest a health check waits for an answer.
    health_timeout: Duration,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .finish()
    }
}

/// Host, port and database of a connection config; never the user or password.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("(default database)");
    format!("{host}:{port}/{db}")
}

impl PgStore {
    /// Connects, applies missing schema migrations (under an advisory lock) and opens the
    /// pool. Fails with [`StoreError::Unavailable`] when the database cannot be reached.
    pub async fn open(settings: &PgSettings) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = settings
            .url
            .expose()
            .parse()
            // The parser's message names the bad part, never the password.
            .map_err(|e| StoreError::Backend(format!("invalid PostgreSQL URL: {e}")))?;
        config.connect_timeout(settings.connect_timeout);
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        if config.get_application_name().is_none() {
            config.application_name("twofoldd");
        }
        let target = describe(&config);
        let pool_size = settings.pool_size.max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(pool_size)
            .thread_name("twofold-pg")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Backend(format!("cannot start the store runtime: {e}")))?;
        let handle = runtime.handle().clone();

        let migrate_config = config.clone();
        let migrated = handle
            .spawn(async move {
                let (mut client, connection) = migrate_config
                    .connect(NoTls)
                    .await
                    .map_err(|e| classify(&e).error)?;
                let driver = tokio::spawn(connection);
                let result = migrations::migrate(&mut client).await;
                drop(client);
                let _ = driver.await;
                result
            })
            .await;
        let done = match migrated {
            Ok(result) => result,
            Err(e) => Err(StoreError::Backend(format!(
                "the migration task failed: {e}"
            ))),
        };
        if let Err(e) = done {
            runtime.shutdown_background();
            return Err(match e {
                StoreError::Unavailable(m) => {
                    StoreError::Unavailable(format!("cannot reach PostgreSQL at {target}: {m}"))
                }
                other => other,
            });
        }

        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let timeouts = Timeouts {
            wait: Some(Duration::from_secs(30)),
            create: Some(settings.connect_timeout),
            recycle: Some(settings.connect_timeout),
        };
        let pool = match Pool::builder(manager)
            .max_size(pool_size)
            .timeouts(timeouts)
            .runtime(PoolRuntime::Tokio1)
            .build()
        {
            Ok(pool) => pool,
            Err(e) => {
                runtime.shutdown_background();
                return Err(StoreError::Backend(format!("cannot build the pool: {e}")));
            }
        };
        tracing::info!(target = %target, pool_size, "opened the PostgreSQL store");
        Ok(Self {
            pool,
            runtime: Some(runtime),
            handle,
            target,
            health_timeout: settings.connect_timeout,
        })
    }

    /// Runs `work` on a blocking thread of the store's runtime and awaits it.
    fn blocking<F>(&self, work: F) -> BoxFuture<'_, Result<(), StoreError>>
    where
        F: FnOnce(&Pool, &Handle) -> Result<(), StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let handle = self.handle.clone();
        let task = self.handle.spawn_blocking(move || work(&pool, &handle));
        Box::pin(async move {
            task.await.unwrap_or_else(|e| {
                Err(StoreError::Backend(format!(
                    "a store job did not finish: {e}"
                )))
            })
        })
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.pool.close();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// One try of a job: `Err` when the transaction was lost to a driver failure.
type Attempt = Result<Result<(), StoreError>, Failure>;

fn unavailable(error: StoreError) -> Failure {
    Failure {
        error,
        retry: false,
    }
}

/// A pooled connection; the pool reconnects after an outage, so failing here is "unavailable".
fn checkout(pool: &Pool, rt: &Handle) -> Result<deadpool_postgres::Object, Failure> {
    rt.block_on(pool.get())
        .map_err(|e| unavailable(errors::pool(&e)))
}

fn read_once(pool: &Pool, rt: &Handle, job: &mut ReadJob) -> Attempt {
    let mut client = checkout(pool, rt)?;
    let txn = rt
        .block_on(
            client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start(),
        )
        .map_err(|e| classify(&e))?;
    let reader = PgTxn::new(&txn, rt);
    let outcome = job(&reader as &dyn ReadTxn);
    let failure = reader.take_failure();
    drop(reader);
    // Nothing to keep: ending a read-only transaction either way is the same.
    let ended = rt.block_on(txn.rollback());
    if let Some(failure) = failure {
        return Err(failure);
    }
    if let Err(e) = ended {
        // The job's answer is complete; a connection lost after it does not change it.
        tracing::debug!(error = %e, "ending a read transaction failed");
    }
    Ok(outcome.map_err(|_| StoreError::Aborted))
}

fn write_once(pool: &Pool, rt: &Handle, job: &mut WriteJob) -> Attempt {
    let mut client = checkout(pool, rt)?;
    let txn = rt
        .block_on(
            client
                .build_transaction()
                .isolation_level(IsolationLevel::Serializable)
                .start(),
        )
        .map_err(|e| classify(&e))?;
    let mut writer = PgTxn::new(&txn, rt);
    let outcome = job(&mut writer);
    let failure = writer.take_failure();
    drop(writer);
    if let Some(failure) = failure {
        let _ = rt.block_on(txn.rollback());
        return Err(failure);
    }
    if outcome.is_err() {
        let _ = rt.block_on(txn.rollback());
        return Ok(Err(StoreError::Aborted));
    }
    match rt.block_on(txn.commit()) {
        Ok(()) => Ok(Ok(())),
        Err(e) => {
            let mut failure = classify(&e);
            // Only a refusal PostgreSQL reported is known to have rolled back; a connection
            // lost during the commit leaves its outcome unknown, so it is not run again.
            failure.retry = failure.retry && e.code().is_some();
            Err(failure)
        }
    }
}

/// A short random pause before try `attempt` (1-based), so conflicting nodes drift apart.
fn backoff(attempt: u32) {
    let ceiling_ms = 1u64 << attempt.min(6);
    let jitter = getrandom::u64().unwrap_or(0) % (ceiling_ms * 1000);
    std::thread::sleep(Duration::from_micros(jitter));
}

fn run_read(pool: &Pool, rt: &Handle, mut job: ReadJob) -> Result<(), StoreError> {
    // A read is safe to repeat: once more when a pooled connection turned out to be dead.
    match read_once(pool, rt, &mut job) {
        Ok(result) => result,
        Err(failure) if failure.retry => match read_once(pool, rt, &mut job) {
            Ok(result) => result,
            Err(failure) => Err(failure.error),
        },
        Err(failure) => Err(failure.error),
    }
}

fn run_write(pool: &Pool, rt: &Handle, mut job: WriteJob) -> Result<(), StoreError> {
    let mut attempt = 1;
    loop {
        match write_once(pool, rt, &mut job) {
            Ok(result) => return result,
            Err(failure) if failure.retry && attempt < MAX_ATTEMPTS => {
                backoff(attempt);
                attempt += 1;
            }
            Err(failure) => {
                if failure.retry {
                    tracing::warn!(attempts = attempt, error = %failure.error, "a write kept conflicting");
                }
                return Err(failure.error);
            }
        }
    }
}

impl Store for PgStore {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn read_job(&self, job: ReadJob) -> BoxFuture<'_, Result<(), StoreError>> {
        self.blocking(move |pool, rt| run_read(pool, rt, job))
    }

    fn write_job(&self, job: WriteJob) -> BoxFuture<'_, Result<(), StoreError>> {
        self.blocking(move |pool, rt| run_write(pool, rt, job))
    }

    fn health(&self) -> BoxFuture<'_, StoreHealth> {
        let pool = self.pool.clone();
        let limit = self.health_timeout;
        let task = self.handle.spawn(async move {
            let check = async {
                let client = pool.get().await.map_err(|e| errors::pool(&e).to_string())?;
                client
                    .simple_query("SELECT 1")
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(&e).error.to_string())
            };
            tokio::time::timeout(limit, check)
                .await
                .unwrap_or_else(|_| Err(format!("PostgreSQL did not answer within {limit:?}")))
        });
        Box::pin(async move {
            let result = task
                .await
                .unwrap_or_else(|e| Err(format!("the health check did not finish: {e}")));
            StoreHealth {
                kind: "postgres",
                ok: result.is_ok(),
                detail: result.err(),
            }
        })
    }
}
