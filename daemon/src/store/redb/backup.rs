//! Online backup: one read transaction (a consistent snapshot, taken while writers go on)
//! copied table by table into a new redb file. The copy holds every write committed before
//! the snapshot began and none after. This module does not restore (see `twofoldd restore`).

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable};

use super::records::backend;
use super::tables;
use crate::store::StoreError;

/// Writes the snapshot to `path`, which must not exist yet (created with mode 0600).
pub(super) fn snapshot(db: &Database, path: &Path) -> Result<(), StoreError> {
    let snapshot = db.begin_read().map_err(backend)?;
    crate::private_file::create_new(path)
        .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", path.display())))?;
    let copy = || -> Result<(), StoreError> {
        let target = Database::create(path).map_err(backend)?;
        let txn = target.begin_write().map_err(backend)?;
        for definition in tables::ALL {
            let source = snapshot.open_table(*definition).map_err(backend)?;
            let mut dest = txn.open_table(*definition).map_err(backend)?;
            for entry in source.iter().map_err(backend)? {
                let (key, value) = entry.map_err(backend)?;
                dest.insert(key.value(), value.value()).map_err(backend)?;
            }
        }
        txn.commit().map_err(backend)?;
        Ok(())
    };
    copy().inspect_err(|_| {
        let _ = std::fs::remove_file(path);
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::domain::time::Timestamp;
    use crate::store::redb::RedbStore;
    use crate::store::{InstallRecord, Store, StoreError};

    #[tokio::test]
    async fn a_backup_opens_as_a_store_with_the_same_records_and_never_overwrites() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> =
            Arc::new(RedbStore::open(&dir.path().join("data")).expect("open"));
        let record = InstallRecord {
            key_fingerprint: "abcd".to_owned(),
            created: Timestamp::from_millis(1_700_000_000_000),
            kickstarted: true,
        };
        let written = record.clone();
        store
            .write(move |tx| tx.put_install(&written))
            .await
            .expect("write");
        let path = dir.path().join("backup.redb");
        store.backup_to(&path).await.expect("backup");
        assert!(matches!(
            store.backup_to(&path).await,
            Err(StoreError::Backend(_))
        ));
        // The live store keeps working after the snapshot.
        store
            .write(|tx| {
                tx.put_install(&InstallRecord {
                    key_fingerprint: "changed".to_owned(),
                    created: Timestamp::from_millis(0),
                    kickstarted: false,
                })
            })
            .await
            .expect("write after backup");
        let copy: Arc<dyn Store> = Arc::new(RedbStore::open_file(&path, 0).expect("opens"));
        let found = copy.read(|tx| tx.install()).await.expect("read");
        assert_eq!(found, Some(record));
    }

    #[test]
    fn a_store_without_online_backup_answers_501() {
        let error = crate::http::error::ApiError::from(StoreError::Unsupported("x".to_owned()));
        assert_eq!(error.status(), 501);
    }
}
