//! The embedded store: one redb file, `<data-dir>/twofold.redb`.
//!
//! Reads run inline on a snapshot (microseconds). Writes go to one writer thread that takes
//! whatever jobs are waiting and commits them together (group commit): one fsync for the
//! batch, and each caller is answered only after that fsync. When a job in a batch fails
//! after writing, the batch is rolled back and every job is run again in its own transaction,
//! so one job's failure never leaks into another's.
//!
//! Before each commit the writer checks the free space on the data volume: below the
//! configured floor it refuses writes (`StoreError::Unavailable`, a 503) instead of letting
//! redb hit "no space left", which would leave the open database unusable until restart.
//! Reads go on, and writes resume by themselves once space is back.

mod backup;
mod records;
mod tables;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

use redb::{Database, ReadableDatabase, ReadableTable};
use tokio::sync::oneshot;

use crate::store::{BoxFuture, ReadJob, ReadTxn, Store, StoreError, StoreHealth, WriteJob};
use records::{Writer, backend};

/// The most jobs one commit carries.
const MAX_BATCH: usize = 128;

pub const FILE_NAME: &str = "twofold.redb";

struct Pending {
    job: WriteJob,
    done: oneshot::Sender<Result<(), StoreError>>,
}

pub struct RedbStore {
    db: Arc<Database>,
    /// `None` once dropping: closing the channel ends the writer thread.
    writer: Option<mpsc::Sender<Pending>>,
    thread: Option<std::thread::JoinHandle<()>>,
    path: PathBuf,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore")
            .field("path", &self.path)
            .finish()
    }
}

impl RedbStore {
    /// Opens (or creates) the store in `data_dir`, creating tables and checking the schema.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        Self::open_with(data_dir, 0)
    }

    /// Like [`RedbStore::open`], refusing writes while the volume has less than
    /// `min_free_bytes` free (0: no floor).
    pub fn open_with(data_dir: &Path, min_free_bytes: u64) -> Result<Self, StoreError> {
        Self::open_tuned(data_dir, min_free_bytes, None)
    }

    /// Like [`RedbStore::open_with`], with redb's page cache capped at `cache_bytes` (`None`:
    /// redb's default).
    pub fn open_tuned(
        data_dir: &Path,
        min_free_bytes: u64,
        cache_bytes: Option<usize>,
    ) -> Result<Self, StoreError> {
        // The data directory holds everything worth stealing: only its owner may enter.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(data_dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        Self::open_file_tuned(&data_dir.join(FILE_NAME), min_free_bytes, cache_bytes)
    }

    pub fn open_file(path: &Path, min_free_bytes: u64) -> Result<Self, StoreError> {
        Self::open_file_tuned(path, min_free_bytes, None)
    }

    fn open_file_tuned(
        path: &Path,
        min_free_bytes: u64,
        cache_bytes: Option<usize>,
    ) -> Result<Self, StoreError> {
        let mut builder = redb::Builder::new();
        if let Some(bytes) = cache_bytes {
            builder.set_cache_size(bytes);
        }
        let db = builder.create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => {
                StoreError::Locked(path.display().to_string())
            }
            other => backend(format!("cannot open {}: {other}", path.display())),
        })?;
        prepare(&db)?;
        let db = Arc::new(db);
        let (writer, jobs) = mpsc::channel::<Pending>();
        let writer_db = Arc::clone(&db);
        let guard = SpaceGuard {
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            min_free_bytes,
        };
        let thread = std::thread::Builder::new()
            .name("redb-writer".to_owned())
            .spawn(move || write_loop(&writer_db, &jobs, &guard))
            .map_err(|e| StoreError::Backend(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            db,
            writer: Some(writer),
            thread: Some(thread),
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_now(&self, mut job: ReadJob) -> Result<(), StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        match job(&txn as &dyn ReadTxn) {
            Ok(()) => Ok(()),
            Err(_) => Err(StoreError::Aborted),
        }
    }
}

impl Drop for RedbStore {
    /// Finishes queued writes and closes the file, so the same process can open it again
    /// (a restart in tests, a restore).
    fn drop(&mut self) {
        self.writer.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Creates missing tables and records or checks the schema version.
fn prepare(db: &Database) -> Result<(), StoreError> {
    let txn = db.begin_write().map_err(backend)?;
    {
        for table in tables::ALL {
            txn.open_table(*table).map_err(backend)?;
        }
        let mut meta = txn.open_table(tables::META).map_err(backend)?;
        let found = meta
            .get(tables::META_SCHEMA_VERSION)
            .map_err(backend)?
            .map(|v| v.value().to_vec());
        match found {
            None => {
                meta.insert(
                    tables::META_SCHEMA_VERSION,
                    tables::SCHEMA_VERSION.to_le_bytes().as_slice(),
                )
                .map_err(backend)?;
            }
            Some(bytes) => {
                let found = <[u8; 4]>::try_from(bytes.as_slice())
                    .map(u32::from_le_bytes)
                    .map_err(|_| StoreError::Corrupt("schema version".to_owned()))?;
                if found != tables::SCHEMA_VERSION {
                    return Err(StoreError::SchemaMismatch {
                        found,
                        expected: tables::SCHEMA_VERSION,
                    });
                }
            }
        }
    }
    txn.commit().map_err(backend)
}

/// Refuses writes while the data volume is nearly full.
struct SpaceGuard {
    dir: PathBuf,
    min_free_bytes: u64,
}

impl SpaceGuard {
    fn check(&self) -> Result<(), StoreError> {
        if self.min_free_bytes == 0 {
            return Ok(());
        }
        match nix::sys::statvfs::statvfs(&self.dir) {
            Ok(stats) => {
                let free = stats
                    .blocks_available()
                    .saturating_mul(stats.fragment_size());
                if free < self.min_free_bytes {
                    Err(StoreError::Unavailable(format!(
                        "only {free} bytes are free on the data volume (the floor is {})",
                        self.min_free_bytes
                    )))
                } else {
                    Ok(())
                }
            }
            // Not knowing is no reason to stop writing.
            Err(_) => Ok(()),
        }
    }
}

fn write_loop(db: &Database, jobs: &mpsc::Receiver<Pending>, guard: &SpaceGuard) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        if let Err(e) = guard.check() {
            tracing::warn!(error = %e, "refusing writes");
            for pending in batch {
                let _ = pending.done.send(Err(e.clone()));
            }
            continue;
        }
        run_batch(db, batch);
    }
}

enum BatchFailure {
    /// A job failed after writing: the batch must be redone job by job.
    Poisoned,
    Store(StoreError),
}

fn run_batch(db: &Database, mut batch: Vec<Pending>) {
    if batch.len() > 1 {
        match try_together(db, &mut batch) {
            Ok(results) => {
                for (pending, result) in batch.into_iter().zip(results) {
                    let _ = pending.done.send(result);
                }
                return;
            }
            Err(BatchFailure::Store(e)) => {
                for pending in batch {
                    let _ = pending.done.send(Err(e.clone()));
                }
                return;
            }
            Err(BatchFailure::Poisoned) => {}
        }
    }
    for mut pending in batch {
        let result = run_alone(db, &mut pending.job);
        let _ = pending.done.send(result);
    }
}

fn try_together(
    db: &Database,
    batch: &mut [Pending],
) -> Result<Vec<Result<(), StoreError>>, BatchFailure> {
    let txn = db
        .begin_write()
        .map_err(|e| BatchFailure::Store(backend(e)))?;
    let mut results = Vec::with_capacity(batch.len());
    for pending in batch.iter_mut() {
        let mut writer = Writer {
            txn: &txn,
            wrote: false,
        };
        match (pending.job)(&mut writer) {
            Ok(()) => results.push(Ok(())),
            Err(_) if writer.wrote => return Err(BatchFailure::Poisoned),
            Err(_) => results.push(Err(StoreError::Aborted)),
        }
    }
    txn.commit().map_err(|e| BatchFailure::Store(backend(e)))?;
    Ok(results)
}

fn run_alone(db: &Database, job: &mut WriteJob) -> Result<(), StoreError> {
    let txn = db.begin_write().map_err(backend)?;
    let mut writer = Writer {
        txn: &txn,
        wrote: false,
    };
    match job(&mut writer) {
        Ok(()) => txn.commit().map_err(backend),
        Err(_) => {
            txn.abort().map_err(backend)?;
            Err(StoreError::Aborted)
        }
    }
}

impl Store for RedbStore {
    fn kind(&self) -> &'static str {
        "redb"
    }

    fn read_job(&self, job: ReadJob) -> BoxFuture<'_, Result<(), StoreError>> {
        let result = self.read_now(job);
        Box::pin(std::future::ready(result))
    }

    fn write_job(&self, job: WriteJob) -> BoxFuture<'_, Result<(), StoreError>> {
        let (done, answer) = oneshot::channel();
        let sent = match &self.writer {
            Some(writer) => writer.send(Pending { job, done }).map_err(|_| ()),
            None => Err(()),
        };
        Box::pin(async move {
            if sent.is_err() {
                return Err(StoreError::Backend(
                    "the writer thread has stopped".to_owned(),
                ));
            }
            answer.await.unwrap_or_else(|_| {
                Err(StoreError::Backend(
                    "the writer thread dropped a job".to_owned(),
                ))
            })
        })
    }

    fn health(&self) -> BoxFuture<'_, StoreHealth> {
        let ok = self.db.begin_read().is_ok();
        Box::pin(std::future::ready(StoreHealth {
            kind: "redb",
            ok,
            detail: (!ok).then(|| "cannot begin a read transaction".to_owned()),
        }))
    }

    fn backup_to<'a>(&'a self, path: &'a Path) -> BoxFuture<'a, Result<(), StoreError>> {
        let db = Arc::clone(&self.db);
        let path = path.to_owned();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || backup::snapshot(&db, &path))
                .await
                .map_err(|e| StoreError::Backend(format!("the backup task failed: {e}")))?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance;

    fn open() -> (tempfile::TempDir, Arc<dyn Store>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = RedbStore::open(dir.path()).expect("open");
        (dir, Arc::new(store))
    }

    #[tokio::test]
    async fn conformance_suite() {
        let (_dir, store) = open();
        conformance::run_all(store).await;
    }

    #[tokio::test]
    async fn concurrent_writers_lose_nothing_and_consume_once() {
        let (_dir, store) = open();
        conformance::concurrent_nodes_stay_correct(Arc::clone(&store), store).await;
    }

    #[tokio::test]
    async fn copying_between_stores_keeps_every_record() {
        let (_a, from) = open();
        let (_b, to) = open();
        conformance::copy_preserves_everything(from, to).await;
    }

    #[test]
    fn dropping_the_store_closes_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(RedbStore::open(dir.path()).expect("open"));
        drop(RedbStore::open(dir.path()).expect("reopen after drop"));
    }

    #[test]
    fn a_second_open_of_the_same_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let _first = RedbStore::open(dir.path()).expect("open");
        assert!(matches!(
            RedbStore::open(dir.path()),
            Err(StoreError::Locked(_))
        ));
    }

    #[test]
    fn a_different_schema_version_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        {
            let db = Database::create(&path).expect("create");
            let txn = db.begin_write().expect("txn");
            {
                let mut meta = txn.open_table(tables::META).expect("meta");
                meta.insert(tables::META_SCHEMA_VERSION, 99u32.to_le_bytes().as_slice())
                    .expect("insert");
            }
            txn.commit().expect("commit");
        }
        assert!(matches!(
            RedbStore::open(dir.path()),
            Err(StoreError::SchemaMismatch { found: 99, .. })
        ));
    }
}
