//! `twofoldd restore --in FILE --data-dir DIR`: puts a backup in place of the store, with
//! the daemon stopped. Refuses when the data directory's master key is missing or is not
//! the key the backup was written with (keys are backed up separately), and when the store
//! is in use. The previous store file is kept beside it, never deleted.

use std::path::PathBuf;

use anyhow::Context;

use crate::crypto::Keyring;
use crate::crypto::master_key;
use crate::store::redb::{FILE_NAME, RedbStore};

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// The backup file (from `twofoldd backup`).
    #[arg(long = "in")]
    input: PathBuf,
    /// The data directory to restore into.
    #[arg(long)]
    data_dir: PathBuf,
    /// The master key file [default: <data-dir>/master.key].
    #[arg(long)]
    master_key_file: Option<PathBuf>,
}

/// The restored file belongs to whoever owns the data directory (the service's user, when
/// an operator restores as root).
fn give_to_owner_of_dir(file: &std::path::Path, dir: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata(dir)
            && let Err(e) = std::os::unix::fs::chown(file, Some(meta.uid()), Some(meta.gid()))
        {
            eprintln!(
                "twofoldd: warning: cannot give {} to the data directory's owner: {e}",
                file.display()
            );
        }
    }
}

pub async fn run(args: &RestoreArgs) -> anyhow::Result<()> {
    let key_path = args
        .master_key_file
        .clone()
        .unwrap_or_else(|| args.data_dir.join("master.key"));
    let master = master_key::load_or_create(&key_path, false).with_context(|| {
        format!(
            "the master key {} is needed (it is not in the backup; restore it from where you keep it)",
            key_path.display()
        )
    })?;
    let fingerprint = Keyring::from_master(&master).fingerprint().to_owned();

    let live = args.data_dir.join(FILE_NAME);
    if live.exists() {
        // Opening fails while a daemon holds the file.
        drop(RedbStore::open_file(&live, 0).with_context(|| {
            format!(
                "{} is in use or unreadable: stop twofoldd first",
                live.display()
            )
        })?);
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(&args.data_dir)
        .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    let staged = args.data_dir.join(format!("{FILE_NAME}.restoring"));
    let _ = std::fs::remove_file(&staged);
    std::fs::copy(&args.input, &staged).with_context(|| {
        format!(
            "cannot copy {} to {}",
            args.input.display(),
            staged.display()
        )
    })?;
    give_to_owner_of_dir(&staged, &args.data_dir);
    let checked = super::backup::verify(&staged).await;
    let (expected, users) = match checked {
        Ok(found) => found,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    if expected != fingerprint {
        let _ = std::fs::remove_file(&staged);
        anyhow::bail!(
            "the master key {} (fingerprint {fingerprint}) is not the one this backup was written \
             with (fingerprint {expected}); put the matching key file in place first. Nothing was changed.",
            key_path.display()
        );
    }
    if live.exists() {
        let kept = args.data_dir.join(format!(
            "{FILE_NAME}.before-restore-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        ));
        std::fs::rename(&live, &kept)?;
        println!("kept the previous store as {}", kept.display());
    }
    std::fs::rename(&staged, &live)?;
    println!(
        "restored {} ({users} users) into {}",
        args.input.display(),
        live.display()
    );
    Ok(())
}
