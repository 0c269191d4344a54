//! Reads SMS codes from the console provider's outbox while it grows: a file offset, the
//! unfinished tail of the last read, and the latest code per phone number. Each poll reads
//! only the bytes appended since the previous one.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use providers::console::OutboxMessage;

pub struct OutboxTail {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
    latest: HashMap<String, String>,
}

impl OutboxTail {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            offset: 0,
            partial: Vec::new(),
            latest: HashMap::new(),
        }
    }

    /// Reads what was appended since the last call.
    pub fn poll(&mut self) -> anyhow::Result<()> {
        let mut file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        file.seek(SeekFrom::Start(self.offset))?;
        let mut fresh = Vec::new();
        let read = file.read_to_end(&mut fresh)?;
        self.offset += read as u64;
        self.partial.extend_from_slice(&fresh);
        let Some(end) = self.partial.iter().rposition(|&b| b == b'\n') else {
            return Ok(());
        };
        let complete: Vec<u8> = self.partial.drain(..=end).collect();
        for line in complete.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let message: OutboxMessage = serde_json::from_slice(line)?;
            if let Some(code) = first_code(&message.body) {
                self.latest.insert(message.to, code);
            }
        }
        Ok(())
    }

    /// The latest code sent to `phone`, reading new lines first (so an older, unclaimed code
    /// is never handed out); each code is handed out once.
    pub fn code_for(&mut self, phone: &str) -> anyhow::Result<Option<String>> {
        self.poll()?;
        Ok(self.latest.remove(phone))
    }
}

/// The first run of exactly six digits.
fn first_code(body: &str) -> Option<String> {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_appended_lines_and_keeps_the_latest_code() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("outbox.jsonl");
        let line = |to: &str, code: &str| {
            format!(
                "{{\"to\":\"{to}\",\"body\":\"{code} is your code\",\"sentInstant\":1,\"messageId\":\"m\"}}\n"
            )
        };
        let mut tail = OutboxTail::new(path.clone());
        assert_eq!(tail.code_for("+1").expect("poll"), None);
        std::fs::write(&path, line("+1", "123456") + &line("+2", "222222")).expect("write");
        assert_eq!(
            tail.code_for("+1").expect("poll").as_deref(),
            Some("123456")
        );
        assert_eq!(
            tail.code_for("+1").expect("poll"),
            None,
            "a code is handed out once"
        );
        let mut more = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        std::io::Write::write_all(&mut more, line("+2", "333333").as_bytes()).expect("append");
        assert_eq!(
            tail.code_for("+2").expect("poll").as_deref(),
            Some("333333")
        );
    }
}
