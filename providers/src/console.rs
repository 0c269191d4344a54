//! The console provider: the offline default. It appends each message as one JSON line to an outbox file and
//! logs a WARN on every send, so nobody mistakes it for delivery.
//!
//! Line format: `{"to":"+1…","body":"…","sentInstant":<epoch ms>,"messageId":"console-<hex>","provider":"console"}`.
//! Each line is written with a single `write_all` on a file opened in append mode, under a lock, so
//! concurrent sends never interleave. [`read_outbox`] reads the file back for tests and tools.
//!
//! It does not deliver anything, rotate or truncate the outbox, or log the body. The outbox file itself holds
//! the codes in clear: it is for development and tests only.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{ProviderError, Receipt, Sms, SmsProvider, mask_phone, validate_e164_shape};

/// Writes messages to an outbox file instead of sending them.
#[derive(Debug, Clone)]
pub struct ConsoleProvider {
    outbox_path: PathBuf,
    /// Serialises writers in this process (clones share it).
    lock: Arc<Mutex<()>>,
}

/// One line of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub to: String,
    /// The message text, code included.
    pub body: String,
    /// When it was written, in milliseconds since the Unix epoch.
    pub sent_instant: u64,
    pub message_id: String,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct OutboxLine<'a> {
    to: &'a str,
    body: &'a str,
    sent_instant: u64,
    message_id: &'a str,
    provider: &'static str,
}

impl ConsoleProvider {
    /// A provider writing to `outbox_path` (its parent directories are created on the first send). Logs a
    /// WARN: a daemon running this provider delivers no SMS.
    pub fn new(outbox_path: impl Into<PathBuf>) -> Self {
        let outbox_path = outbox_path.into();
        tracing::warn!(
            outbox = %outbox_path.display(),
            "console SMS provider active: messages are written to the outbox file and NOT delivered to any phone"
        );
        ConsoleProvider {
            outbox_path,
            lock: Arc::new(Mutex::new(())),
        }
    }

    pub fn outbox_path(&self) -> &Path {
        &self.outbox_path
    }
}

#[async_trait::async_trait]
impl SmsProvider for ConsoleProvider {
    fn kind(&self) -> &'static str {
        "console"
    }

    async fn send(&self, sms: &Sms) -> Result<Receipt, ProviderError> {
        validate_e164_shape("to", &sms.to)?;
        if sms.body.trim().is_empty() {
            return Err(ProviderError::Invalid {
                field: "body",
                message: "is empty".to_owned(),
            });
        }
        let message_id = format!("console-{}", random_hex());
        let sent_instant = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut line = serde_json::to_string(&OutboxLine {
            to: &sms.to,
            body: &sms.body,
            sent_instant,
            message_id: &message_id,
            provider: "console",
        })
        .map_err(|error| ProviderError::Io(format!("could not encode the message: {error}")))?;
        line.push('\n');

        let path = self.outbox_path.clone();
        let lock = Arc::clone(&self.lock);
        tokio::task::spawn_blocking(move || append_line(&lock, &path, &line))
            .await
            .map_err(|error| ProviderError::Io(format!("the writer task failed: {error}")))?
            .map_err(|error| {
                ProviderError::Io(format!(
                    "could not append to {}: {error}",
                    self.outbox_path.display()
                ))
            })?;

        tracing::warn!(
            to = %mask_phone(&sms.to),
            message_id = %message_id,
            outbox = %self.outbox_path.display(),
            "console SMS provider: message written to the outbox, NOT delivered"
        );
        Ok(Receipt {
            provider: "console",
            message_id: Some(message_id),
            status: Some("written".to_owned()),
            failed_over_from: None,
        })
    }
}

fn append_line(lock: &Mutex<()>, path: &Path, line: &str) -> std::io::Result<()> {
    // A poisoned lock only means another writer panicked; the file is still fine to append to.
    let _guard = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(line.as_bytes())
}

/// 32 hex characters, unique per call in practice. Not secret: from std's randomly keyed SipHash, the
/// clock and a counter.
fn random_hex() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut out = String::with_capacity(32);
    for half in 0u8..2 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(count);
        hasher.write_u128(nanos);
        hasher.write_u8(half);
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out
}

/// Reads every message of an outbox, oldest first. A missing file is an empty outbox; a line that is not a
/// message is an `InvalidData` error naming its line number.
pub fn read_outbox(path: impl AsRef<Path>) -> std::io::Result<Vec<OutboxMessage>> {
    let text = match std::fs::read_to_string(path.as_ref()) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|error| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("outbox line {}: {error}", index + 1),
                )
            })
        })
        .collect()
}

/// The newest message sent to `to`, if any: how tests read the code a daemon sent.
pub fn last_message_to(path: impl AsRef<Path>, to: &str) -> std::io::Result<Option<OutboxMessage>> {
    Ok(read_outbox(path)?
        .into_iter()
        .rev()
        .find(|message| message.to == to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_one_json_line_per_message() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/dir/outbox.jsonl");
        let provider = ConsoleProvider::new(&path);
        let receipt = provider
            .send(&Sms::new("+14155551234", "Your code is 482913"))
            .await
            .expect("written");
        assert_eq!(receipt.provider, "console");
        let message_id = receipt.message_id.expect("an id");
        assert!(message_id.starts_with("console-"));
        assert_eq!(message_id.len(), "console-".len() + 32);

        let text = std::fs::read_to_string(&path).expect("outbox exists");
        assert_eq!(text.lines().count(), 1);
        assert!(text.ends_with('\n'));
        let value: serde_json::Value = serde_json::from_str(text.trim_end()).expect("JSON");
        assert_eq!(value["to"], "+14155551234");
        assert_eq!(value["body"], "Your code is 482913");
        assert_eq!(value["provider"], "console");
        assert_eq!(value["messageId"], message_id.as_str());
        assert!(value["sentInstant"].as_u64().expect("epoch ms") > 1_600_000_000_000);

        let messages = read_outbox(&path).expect("readable");
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].body, "Your code is 482913");
        assert_eq!(messages[0].message_id, message_id);
    }

    #[test]
    fn a_missing_outbox_is_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("none.jsonl");
        assert_eq!(read_outbox(&path).expect("missing is fine"), Vec::new());
        assert_eq!(last_message_to(&path, "+1555").expect("fine"), None);
    }

    #[test]
    fn a_corrupt_line_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("outbox.jsonl");
        std::fs::write(
            &path,
            "{\"to\":\"+12\",\"body\":\"b\",\"sentInstant\":1,\"messageId\":\"m\"}\nnot json\n",
        )
        .expect("write");
        let error = read_outbox(&path).expect_err("corrupt");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("line 2"), "{error}");
    }

    #[tokio::test]
    async fn refuses_bad_numbers_and_empty_bodies() {
        let dir = tempfile::tempdir().expect("tempdir");
        let provider = ConsoleProvider::new(dir.path().join("o.jsonl"));
        assert!(matches!(
            provider.send(&Sms::new("555-1234", "code")).await,
            Err(ProviderError::Invalid { field: "to", .. })
        ));
        assert!(matches!(
            provider.send(&Sms::new("+14155551234", " ")).await,
            Err(ProviderError::Invalid { field: "body", .. })
        ));
    }

    #[tokio::test]
    async fn an_unwritable_outbox_is_an_io_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").expect("write");
        // The parent "directory" is a regular file.
        let provider = ConsoleProvider::new(blocker.join("outbox.jsonl"));
        let error = provider
            .send(&Sms::new("+14155551234", "Your code is 482913"))
            .await
            .expect_err("cannot write");
        assert!(matches!(error, ProviderError::Io(_)), "{error:?}");
        assert!(!error.to_string().contains("482913"));
        assert!(!error.is_transient());
    }

    #[test]
    fn ids_differ() {
        let a = random_hex();
        let b = random_hex();
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}
