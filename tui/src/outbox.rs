//! Tails a console-provider outbox file (`<dir>/outbox.jsonl`, one JSON object per line:
//! `{"to","body","sentInstant","messageId","provider"}`) for the Phone panel.
//!
//! [`read_new`] is the IO half, run by the runtime when `App` emits `Effect::ReadOutbox`; its
//! result comes back as `Event::Outbox`. [`parse_chunk`] is the pure half and is where the rules
//! live: only complete lines are consumed (a line still being written is read next time), a bad
//! line is skipped and reported, and a file that shrank is read again from the start. Nothing here
//! runs inside `render` or `update`.

use std::io::SeekFrom;
use std::path::Path;

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// The most bytes one read takes; a long backlog is caught up over several ticks.
pub const MAX_READ_BYTES: u64 = 256 * 1024;

/// One message the console provider "sent".
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OutboxEntry {
    pub to: String,
    pub body: String,
    /// Epoch milliseconds.
    pub sent_instant: Option<i64>,
    pub message_id: Option<String>,
    pub provider: Option<String>,
}

/// What one read found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutboxRead {
    pub entries: Vec<OutboxEntry>,
    /// Where the next read starts.
    pub next_offset: u64,
    /// True when the file was shorter than the offset asked for, so reading restarted at 0 and the
    /// caller should drop what it showed before.
    pub restarted: bool,
    /// A problem worth showing (unreadable file, bad lines); `None` also when the file does not
    /// exist yet, which is normal before the first message.
    pub error: Option<String>,
}

/// Reads complete lines appended to `path` since `offset`.
pub async fn read_new(path: &Path, offset: u64) -> OutboxRead {
    let mut file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return OutboxRead {
                next_offset: 0,
                restarted: offset > 0,
                ..OutboxRead::default()
            };
        }
        Err(err) => {
            return OutboxRead {
                next_offset: offset,
                error: Some(format!("cannot open {}: {err}", path.display())),
                ..OutboxRead::default()
            };
        }
    };
    let len = match file.metadata().await {
        Ok(meta) => meta.len(),
        Err(err) => {
            return OutboxRead {
                next_offset: offset,
                error: Some(format!("cannot read {}: {err}", path.display())),
                ..OutboxRead::default()
            };
        }
    };
    let (start, restarted) = if len < offset {
        (0, true)
    } else {
        (offset, false)
    };
    if len == start {
        return OutboxRead {
            next_offset: start,
            restarted,
            ..OutboxRead::default()
        };
    }
    let mut buffer = Vec::new();
    let read = async {
        file.seek(SeekFrom::Start(start)).await?;
        (&mut file)
            .take(MAX_READ_BYTES)
            .read_to_end(&mut buffer)
            .await
    };
    if let Err(err) = read.await {
        return OutboxRead {
            next_offset: offset,
            error: Some(format!("cannot read {}: {err}", path.display())),
            ..OutboxRead::default()
        };
    }
    let (entries, consumed, error) = parse_chunk(&buffer);
    // A single line longer than a whole read can never complete: skip it rather than stall.
    let consumed = if consumed == 0 && buffer.len() as u64 >= MAX_READ_BYTES {
        buffer.len()
    } else {
        consumed
    };
    OutboxRead {
        entries,
        next_offset: start + consumed as u64,
        restarted,
        error,
    }
}

/// Parses the complete lines of `bytes`: returns the entries, how many bytes were consumed (up to
/// and including the last newline) and a note about lines that were not valid entries.
pub fn parse_chunk(bytes: &[u8]) -> (Vec<OutboxEntry>, usize, Option<String>) {
    let consumed = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |last_newline| last_newline + 1);
    let mut entries = Vec::new();
    let mut n_bad = 0_usize;
    for line in bytes[..consumed].split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<OutboxEntry>(line) {
            Ok(entry) => entries.push(entry),
            Err(_) => n_bad += 1,
        }
    }
    let error = (n_bad > 0).then(|| format!("skipped {n_bad} unreadable outbox line(s)"));
    (entries, consumed, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE_1: &str = r#"{"to":"+15551234567","body":"Your code is 123456","sentInstant":1700000000000,"messageId":"CO1","provider":"console"}"#;
    const LINE_2: &str = r#"{"to":"+15551234567","body":"Your code is 654321","sentInstant":1700000060000,"messageId":"CO2","provider":"console"}"#;

    #[test]
    fn parse_keeps_a_partial_last_line_for_later() {
        let text = format!("{LINE_1}\n{{\"to\":\"+1");
        let (entries, consumed, error) = parse_chunk(text.as_bytes());
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].body, "Your code is 123456");
        assert_eq!(consumed, LINE_1.len() + 1);
        assert_eq!(error, None);
    }

    #[test]
    fn parse_skips_and_reports_bad_lines() {
        let text = format!("not json\n{LINE_2}\n\n");
        let (entries, consumed, error) = parse_chunk(text.as_bytes());
        assert_eq!(entries.len(), 1);
        assert_eq!(consumed, text.len());
        assert_eq!(
            error.as_deref(),
            Some("skipped 1 unreadable outbox line(s)")
        );
    }

    #[tokio::test]
    async fn read_new_tails_appends_and_restarts_after_truncation() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("outbox.jsonl");

        let missing = read_new(&path, 0).await;
        assert_eq!(
            missing,
            OutboxRead::default(),
            "no file yet is not an error"
        );

        std::fs::write(&path, format!("{LINE_1}\n{{\"to\""))?;
        let first = read_new(&path, 0).await;
        assert_eq!(first.entries.len(), 1);
        assert_eq!(first.next_offset, LINE_1.len() as u64 + 1);

        std::fs::write(&path, format!("{LINE_1}\n{LINE_2}\n"))?;
        let second = read_new(&path, first.next_offset).await;
        assert_eq!(second.entries.len(), 1);
        assert_eq!(second.entries[0].message_id.as_deref(), Some("CO2"));
        assert!(!second.restarted);

        let unchanged = read_new(&path, second.next_offset).await;
        assert!(unchanged.entries.is_empty());
        assert_eq!(unchanged.next_offset, second.next_offset);

        std::fs::write(&path, format!("{LINE_2}\n"))?;
        let truncated = read_new(&path, second.next_offset).await;
        assert!(truncated.restarted);
        assert_eq!(truncated.entries.len(), 1);
        Ok(())
    }
}
