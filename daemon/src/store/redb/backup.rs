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
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
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
