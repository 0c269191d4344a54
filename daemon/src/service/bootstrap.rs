//! Start-up: open the store, load the master key and check it matches the data, make sure
//! the tenant and a signing key exist, start the hashing pool. Everything that can be wrong
//! with an install is found here, before the listener opens.

use std::sync::Arc;

use crate::app::App;
use crate::clock::Clock;
use crate::config::{Config, StoreKind};
use crate::crypto::jwt::{self, JwtKeys, KeyMaterial};
use crate::crypto::master_key::{self, MasterKeyError};
use crate::crypto::password::{HashPool, PoolConfig};
use crate::crypto::{CryptoError, Keyring};
use crate::domain::ids::MessengerId;
use crate::domain::messenger::{Messenger, MessengerKind};
use crate::domain::signing_key::SigningKey;
use crate::domain::tenant::Tenant;
use crate::service::sms::SmsGateway;
use crate::store::postgres::{PgSettings, PgStore};
use crate::store::redb::RedbStore;
use crate::store::{InstallRecord, Store, StoreError};

/// Sealing purpose of JWT private keys.
pub const SIGNING_KEY_PURPOSE: &str = "jwt/signing-key";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error(
        "the master key at {path} does not match the one this data was written with \
         (fingerprint {found}, data expects {expected}); restore the matching key file"
    )]
    WrongMasterKey {
        path: String,
        found: String,
        expected: String,
    },
    #[error(
        "the data directory holds data but the master key file {path} is missing; \
         restore it from your backup (it is not stored in the database)"
    )]
    MissingMasterKey { path: String },
    #[error("key material: {0}")]
    Crypto(#[from] CryptoError),
    #[error("{0}")]
    Other(String),
}

/// Opens the configured store.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StartError> {
    match config.store.kind {
        StoreKind::Redb => {
            let cache = usize::try_from(config.store.cache_mib.saturating_mul(1024 * 1024)).ok();
            let store =
                RedbStore::open_tuned(&config.store.data_dir, config.store.min_free_bytes, cache)?;
            warn_if_open_to_others(&config.store.data_dir);
            Ok(Arc::new(store))
        }
        StoreKind::Postgres => {
            let url = config.store.url.clone().ok_or_else(|| {
                StartError::Other("store.url is required for the postgres store".to_owned())
            })?;
            let store = PgStore::open(&PgSettings {
                url,
                pool_size: config.store.pool_size,
                connect_timeout: std::time::Duration::from_secs(config.store.connect_timeout_secs),
            })
            .await?;
            Ok(Arc::new(store))
        }
    }
}

/// The data directory holds the master key and every record: warn when others can read it.
fn warn_if_open_to_others(dir: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(dir)
            && meta.permissions().mode() & 0o007 != 0
        {
            tracing::warn!(
                path = %dir.display(),
                mode = format!("{:o}", meta.permissions().mode() & 0o777),
                "the data directory is open to other users; run chmod 700 on it"
            );
        }
    }
}

/// Builds the daemon's state from a validated configuration.
pub async fn build(
    config: Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> Result<Arc<App>, StartError> {
    let config = Arc::new(config);
    let now = clock.now();
    let install = store.read(|tx| tx.install()).await?;
    let key_path = config.master_key_path();
    let master = match master_key::load_or_create(&key_path, install.is_none()) {
        Ok(key) => key,
        Err(MasterKeyError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Err(StartError::MissingMasterKey {
                path: key_path.display().to_string(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let keyring = Keyring::from_master(&master);
    // Decided inside one write: of nodes starting together on an empty shared store, one
    // records its key and the others find that record (and refuse a different key).
    let ours = InstallRecord {
        key_fingerprint: keyring.fingerprint().to_owned(),
        created: now,
        kickstarted: false,
    };
    let record = store
        .write(move |tx| match tx.install()? {
            Some(existing) => Ok::<_, StoreError>(existing),
            None => {
                tx.put_install(&ours)?;
                Ok(ours.clone())
            }
        })
        .await?;
    if record.key_fingerprint != keyring.fingerprint() {
        return Err(StartError::WrongMasterKey {
            path: key_path.display().to_string(),
            found: keyring.fingerprint().to_owned(),
            expected: record.key_fingerprint,
        });
    }

    let issuer = config.security.issuer.clone();
    store
        .write(move |tx| {
            let mut tenant = match tx.tenant()? {
                Some(tenant) => tenant,
                None => Tenant::new_default(issuer.clone(), now),
            };
            // A fresh install sends codes to the console outbox until a real messenger is set.
            if tenant.two_factor.sms_messenger_id.is_none() && tx.messengers()?.is_empty() {
                let console = Messenger {
                    id: MessengerId::random(),
                    name: "Console (offline outbox)".to_owned(),
                    kind: MessengerKind::Console,
                    debug: false,
                    data: serde_json::Value::Null,
                    fallback_messenger_id: None,
                    inserted: now,
                    last_updated: now,
                };
                tx.put_messenger(&console)?;
                tenant.two_factor.sms_messenger_id = Some(console.id);
            }
            tx.put_tenant(&tenant)?;
            Ok::<_, StoreError>(())
        })
        .await?;
    warn_if_console(&*store, &config).await?;

    let jwt = load_signing_keys(&config, &*store, &keyring, now).await?;

    let passwords = HashPool::start(PoolConfig {
        cost: config.argon2_cost(),
        workers: config.hash_workers(),
        queue: config.hash_queue(),
        nice: config.security.hash_nice,
    })?;

    let sms = SmsGateway::new(config.outbox_path(), config.sms.public_url.clone());
    Ok(Arc::new(App::new(
        config, store, clock, keyring, passwords, sms, jwt,
    )))
}

/// Loads the signing keys, generating an active one of the configured algorithm when there
/// is none (first start, or the algorithm was changed: old keys keep verifying).
async fn load_signing_keys(
    config: &Config,
    store: &dyn Store,
    keyring: &Keyring,
    now: crate::domain::time::Timestamp,
) -> Result<JwtKeys, StartError> {
    let wanted = config.security.jwt_algorithm;
    let mut stored = store.read(|tx| tx.signing_keys()).await?;
    let has_active =
        move |keys: &[SigningKey]| keys.iter().any(|k| k.active && k.algorithm == wanted);
    if !has_active(&stored) {
        let generated = tokio::task::spawn_blocking(move || jwt::generate(wanted))
            .await
            .map_err(|e| StartError::Other(format!("key generation failed: {e}")))??;
        let new_key = SigningKey {
            kid: generated.kid.clone(),
            algorithm: wanted,
            sealed_secret: keyring.seal(SIGNING_KEY_PURPOSE, &generated.secret)?,
            inserted: now,
            active: true,
        };
        // Checked again inside the write: a node starting at the same time on a shared
        // store may have added one meanwhile, and then its key is used by every node.
        let (keys, added) = store
            .write(move |tx| {
                let mut keys = tx.signing_keys()?;
                if has_active(&keys) {
                    return Ok::<_, StoreError>((keys, false));
                }
                for key in &mut keys {
                    key.active = false;
                    tx.put_signing_key(key)?;
                }
                tx.put_signing_key(&new_key)?;
                keys.push(new_key.clone());
                Ok((keys, true))
            })
            .await?;
        if added {
            tracing::info!(kid = %generated.kid, algorithm = %wanted, "generated a new JWT signing key");
        }
        stored = keys;
    }
    let mut active = None;
    let mut others = Vec::new();
    for key in stored {
        let material = KeyMaterial {
            kid: key.kid.clone(),
            algorithm: key.algorithm,
            secret: keyring.open(SIGNING_KEY_PURPOSE, &key.sealed_secret)?,
        };
        if key.active && key.algorithm == wanted && active.is_none() {
            active = Some(material);
        } else {
            others.push(material);
        }
    }
    let active = active.ok_or_else(|| StartError::Other("no active signing key".to_owned()))?;
    Ok(JwtKeys::new(&active, &others)?)
}

/// Says loudly when two-factor codes go to the console outbox instead of phones.
pub async fn warn_if_console(store: &dyn Store, config: &Config) -> Result<(), StoreError> {
    let active = store
        .read(|tx| {
            let Some(tenant) = tx.tenant()? else {
                return Ok(None);
            };
            match tenant.two_factor.sms_messenger_id {
                Some(id) => tx.messenger(id),
                None => Ok(None),
            }
        })
        .await?;
    if let Some(messenger) = active
        && matches!(messenger.kind, MessengerKind::Console)
    {
        tracing::warn!(
            outbox = %config.outbox_path().display(),
            "the active SMS messenger is the console: codes are written to the outbox file, not sent to phones"
        );
    }
    Ok(())
}
