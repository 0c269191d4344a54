//! `twofoldd migrate --from <A> --to <B>`: copies a whole install between stores, each a
//! redb data directory or a PostgreSQL URL (`postgres://…`; the word `postgres` means the
//! URL in `TWOFOLD_STORE__URL` or the file named by `TWOFOLD_STORE__URL_FILE`, so the
//! password stays off the command line). Run it with the daemons stopped. The target must
//! be empty. The master key is not in the store: copy the key file to the new place.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::domain::secret::SecretString;
use crate::store::copy::{CopyReport, copy_all};
use crate::store::postgres::{PgSettings, PgStore};
use crate::store::redb::RedbStore;
use crate::store::{Store, StoreError};

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// Source: a redb data directory, a postgres:// URL, or `postgres` (URL from the environment).
    #[arg(long)]
    from: String,
    /// Target, empty: a redb data directory, a postgres:// URL, or `postgres`.
    #[arg(long)]
    to: String,
    /// Seconds to wait for PostgreSQL to answer.
    #[arg(long, default_value_t = 10)]
    connect_timeout_secs: u64,
}

/// Where a store is, as given on the command line.
enum Place {
    Redb(PathBuf),
    Postgres(SecretString),
}

impl Place {
    fn parse(arg: &str) -> anyhow::Result<Self> {
        if arg.starts_with("postgres://") || arg.starts_with("postgresql://") {
            return Ok(Self::Postgres(SecretString::new(arg)));
        }
        if arg == "postgres" {
            if let Ok(url) = std::env::var("TWOFOLD_STORE__URL") {
                return Ok(Self::Postgres(SecretString::new(url)));
            }
            if let Ok(file) = std::env::var("TWOFOLD_STORE__URL_FILE") {
                let url = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read TWOFOLD_STORE__URL_FILE={file}"))?;
                return Ok(Self::Postgres(SecretString::new(url.trim_end())));
            }
            bail!("`postgres` needs TWOFOLD_STORE__URL or TWOFOLD_STORE__URL_FILE to be set");
        }
        Ok(Self::Redb(PathBuf::from(arg)))
    }

    fn describe(&self) -> String {
        match self {
            Self::Redb(dir) => format!("redb store in {}", dir.display()),
            Self::Postgres(_) => "PostgreSQL store".to_owned(),
        }
    }

    async fn open(&self, timeout: Duration) -> anyhow::Result<Arc<dyn Store>> {
        Ok(match self {
            Self::Redb(dir) => Arc::new(
                RedbStore::open_with(dir, 0)
                    .with_context(|| format!("cannot open the redb store in {}", dir.display()))?,
            ),
            Self::Postgres(url) => Arc::new(
                PgStore::open(&PgSettings {
                    url: url.clone(),
                    pool_size: 4,
                    connect_timeout: timeout,
                })
                .await
                .context("cannot open the PostgreSQL store")?,
            ),
        })
    }
}

pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let from = Place::parse(&args.from)?;
    let to = Place::parse(&args.to)?;
    let timeout = Duration::from_secs(args.connect_timeout_secs.max(1));
    let report = migrate(&from, &to, timeout).await?;
    println!(
        "copied {} users, {} applications, {} API keys, {} signing keys, {} messengers, \
         {} refresh tokens, {} two-factor challenges, {} trusted devices, {} SMS send logs, \
         {} audit events from the {} to the {}",
        report.users,
        report.applications,
        report.api_keys,
        report.signing_keys,
        report.messengers,
        report.refresh_tokens,
        report.challenges,
        report.trusts,
        report.send_logs,
        report.audit_events,
        from.describe(),
        to.describe(),
    );
    println!(
        "the master key is not part of the store: give every node that serves the new store \
         the key file the old install used (security.master_key_file, default <data_dir>/master.key)"
    );
    Ok(())
}

/// Copies the install at `from` (a data directory or PostgreSQL URL, as on the command
/// line) into the empty store at `to`.
pub async fn copy_install(
    from: &str,
    to: &str,
    connect_timeout: Duration,
) -> anyhow::Result<CopyReport> {
    migrate(&Place::parse(from)?, &Place::parse(to)?, connect_timeout).await
}

async fn migrate(from: &Place, to: &Place, timeout: Duration) -> anyhow::Result<CopyReport> {
    if let (Place::Redb(a), Place::Redb(b)) = (from, to)
        && a == b
    {
        bail!("--from and --to are the same directory");
    }
    let source = from.open(timeout).await?;
    let target = to.open(timeout).await?;

    if source.read(|tx| tx.install()).await?.is_none() {
        bail!(
            "the source ({}) holds no install: nothing to migrate",
            from.describe()
        );
    }
    let target_used = target
        .read(|tx| {
            Ok::<_, StoreError>(tx.install()?.is_some() || !tx.users_page(None, 1)?.is_empty())
        })
        .await?;
    if target_used {
        bail!(
            "the target ({}) already holds an install; migrate only into an empty store",
            to.describe()
        );
    }
    copy_all(&*source, &*target)
        .await
        .context("copying failed; the target is incomplete: empty it before trying again")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_urls_or_directories_and_urls_never_print() {
        match Place::parse("postgres://twofold:hunter2@db/twofold") {
            Ok(place @ Place::Postgres(_)) => assert!(!place.describe().contains("hunter2")),
            _ => panic!("a postgres URL"),
        }
        assert!(matches!(
            Place::parse("postgresql://db/twofold"),
            Ok(Place::Postgres(_))
        ));
        assert!(matches!(
            Place::parse("/var/lib/twofold"),
            Ok(Place::Redb(dir)) if dir == std::path::Path::new("/var/lib/twofold")
        ));
    }
}
