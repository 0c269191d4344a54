//! `twofoldd backup`: asks a running daemon for a consistent copy of its store
//! (`GET /api/system/backup`, API key required), writes it to a new file, and checks that
//! the file opens as a store. The master key is not in the copy: back it up separately.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::store::Store;
use crate::store::redb::RedbStore;

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The daemon's base URL, e.g. http://127.0.0.1:9011.
    #[arg(long)]
    url: String,
    /// An API key. Prefer TWOFOLD_API_KEY or --api-key-file: the command line is visible to
    /// other users.
    #[arg(long, env = "TWOFOLD_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// A file holding the API key.
    #[arg(long, conflicts_with = "api_key")]
    api_key_file: Option<PathBuf>,
    /// Where to write the backup (must not exist).
    #[arg(long)]
    out: PathBuf,
}

impl std::fmt::Debug for BackupArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupArgs")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "********"))
            .field("api_key_file", &self.api_key_file)
            .field("out", &self.out)
            .finish()
    }
}

fn api_key(args: &BackupArgs) -> anyhow::Result<String> {
    match (&args.api_key, &args.api_key_file) {
        (Some(key), _) => Ok(key.clone()),
        (None, Some(file)) => Ok(std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?
            .trim()
            .to_owned()),
        (None, None) => anyhow::bail!("an API key is needed: --api-key-file or TWOFOLD_API_KEY"),
    }
}

fn create_private(path: &Path) -> anyhow::Result<std::fs::File> {
    crate::private_file::create_new(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

/// Opens the file as a store and counts its users: a backup that does not open is no backup.
pub async fn verify(path: &Path) -> anyhow::Result<(String, usize)> {
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(
        RedbStore::open_file(path, 0)
            .with_context(|| format!("{} is not a valid store", path.display()))?,
    );
    let (install, users) = store
        .read(|tx| {
            let mut count = 0;
            let mut after = None;
            loop {
                let page = tx.users_page(after, 1000)?;
                let Some(last) = page.last() else { break };
                after = Some(last.id);
                count += page.len();
            }
            Ok::<_, crate::store::StoreError>((tx.install()?, count))
        })
        .await?;
    let install = install.context("the file holds no install record: not a twofold store")?;
    Ok((install.key_fingerprint, users))
}

pub async fn run(args: &BackupArgs) -> anyhow::Result<()> {
    if args.out.exists() {
        anyhow::bail!("{} already exists; choose a new file", args.out.display());
    }
    let key = api_key(args)?;
    let url = format!("{}/api/system/backup", args.url.trim_end_matches('/'));
    let mut response = reqwest::Client::new()
        .get(&url)
        .header(reqwest::header::AUTHORIZATION, key)
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = response.status();
    if !status.is_success() {
        anyhow::bail!("{url} answered {status}");
    }
    let partial = args.out.with_extension("partial");
    let mut file = create_private(&partial)?;
    let mut bytes = 0usize;
    let written = async {
        while let Some(chunk) = response.chunk().await? {
            file.write_all(&chunk)?;
            bytes += chunk.len();
        }
        file.sync_all()?;
        anyhow::Ok(())
    }
    .await;
    let checked = match written {
        Ok(()) => verify(&partial).await,
        Err(e) => Err(e),
    };
    let (fingerprint, users) = match checked {
        Ok(found) => found,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, &args.out)?;
    println!(
        "wrote {} ({bytes} bytes, {users} users, master key fingerprint {fingerprint})",
        args.out.display()
    );
    println!("the master key is not in the backup: keep a copy of master.key separately");
    Ok(())
}
