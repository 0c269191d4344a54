//! The master key: 32 random bytes kept outside the database (a file in the data directory
//! by default, or a file named in the configuration, e.g. a systemd credential). Losing it
//! makes sealed secrets and stored code/key hashes unusable; it is backed up separately.

use std::fs;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::{CryptoError, random};

pub type MasterKey = Zeroizing<[u8; 32]>;

/// Reads the key file, or creates it (mode 0600) when `create` is set and it is missing.
pub fn load_or_create(path: &Path, create: bool) -> Result<MasterKey, MasterKeyError> {
    match fs::read_to_string(path) {
        Ok(text) => {
            warn_if_readable_by_others(path);
            parse(&text).map_err(|reason| MasterKeyError::Invalid {
                path: path.display().to_string(),
                reason,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let key = Zeroizing::new(random::bytes::<32>().map_err(MasterKeyError::Crypto)?);
            write_new(path, &key).map_err(|e| MasterKeyError::Io {
                path: path.display().to_string(),
                source: e,
            })?;
            tracing::info!(path = %path.display(), "created a new master key");
            Ok(key)
        }
        Err(e) => Err(MasterKeyError::Io {
            path: path.display().to_string(),
            source: e,
        }),
    }
}

/// The file holds the key in base64 (whitespace ignored).
pub fn parse(text: &str) -> Result<MasterKey, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = Zeroizing::new(
        STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| "not base64".to_owned())?,
    );
    let key: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| format!("expected 32 bytes, found {}", bytes.len()))?;
    Ok(Zeroizing::new(key))
}

pub fn encode(key: &[u8; 32]) -> String {
    format!("{}\n", STANDARD.encode(key))
}

fn write_new(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut file = crate::private_file::create_new(path)?;
    file.write_all(encode(key).as_bytes())?;
    file.sync_all()
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", meta.permissions().mode() & 0o777),
                "the master key file is readable by other users; run chmod 600 on it"
            );
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("cannot read or write the master key file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the master key file {path} is invalid: {reason}")]
    Invalid { path: String, reason: String },
    #[error(transparent)]
    Crypto(CryptoError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys/master.key");
        let first = load_or_create(&path, true).expect("create");
        let second = load_or_create(&path, false).expect("read");
        assert_eq!(*first, *second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn missing_without_create_and_garbage_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(load_or_create(&dir.path().join("nope"), false).is_err());
        assert!(parse("dG9vIHNob3J0").is_err());
    }
}
