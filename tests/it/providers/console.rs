//! The console provider's outbox: exactly one JSON line per message, in the documented format, and no
//! interleaving when many sends run at once.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use providers::console::{ConsoleProvider, last_message_to, read_outbox};
use providers::{Sms, SmsProvider};

fn now_ms() -> u64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    u64::try_from(since_epoch.as_millis()).expect("fits")
}

#[tokio::test]
async fn each_message_is_one_json_line_with_the_documented_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("var/outbox.jsonl");
    let provider = ConsoleProvider::new(&path);
    assert_eq!(provider.kind(), "console");

    let before = now_ms();
    let first = provider
        .send(&Sms::new("+14155551234", "Your code is 111111"))
        .await
        .expect("written");
    let second = provider
        .send(&Sms::new("+447700900123", "Your code is 222222"))
        .await
        .expect("written");
    let after = now_ms();

    let text = std::fs::read_to_string(&path).expect("outbox created with its parent dirs");
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(text.ends_with('\n'));

    let line: serde_json::Value = serde_json::from_str(lines[0]).expect("a JSON line");
    let keys: BTreeSet<&str> = line
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["body", "messageId", "provider", "sentInstant", "to"])
    );
    assert_eq!(line["to"], "+14155551234");
    assert_eq!(line["body"], "Your code is 111111");
    assert_eq!(line["provider"], "console");
    assert_eq!(
        line["messageId"].as_str(),
        first.message_id.as_deref(),
        "the receipt carries the line's id"
    );
    let sent_instant = line["sentInstant"].as_u64().expect("epoch milliseconds");
    assert!((before..=after).contains(&sent_instant), "{sent_instant}");

    assert_ne!(first.message_id, second.message_id);
    let messages = read_outbox(&path).expect("readable");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].to, "+447700900123");
    let last = last_message_to(&path, "+14155551234")
        .expect("readable")
        .expect("a message");
    assert_eq!(last.body, "Your code is 111111");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sends_never_interleave() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("outbox.jsonl");
    let provider = Arc::new(ConsoleProvider::new(&path));
    let n_messages = 64;
    // Long bodies make a torn write likely if lines were written in pieces.
    let padding = "x".repeat(16 * 1024);

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n_messages {
        // Half the senders use a clone: clones share the lock.
        let provider: Arc<ConsoleProvider> = if i % 2 == 0 {
            Arc::clone(&provider)
        } else {
            Arc::new((*provider).clone())
        };
        let body = format!("code {i:06} {padding}");
        tasks.spawn(async move {
            provider
                .send(&Sms::new(format!("+1415555{i:04}"), body))
                .await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.expect("task ran").expect("written");
    }

    let text = std::fs::read_to_string(&path).expect("outbox");
    let mut bodies = BTreeSet::new();
    for line in text.split_terminator('\n') {
        let value: serde_json::Value =
            serde_json::from_str(line).expect("every line is one whole JSON message");
        bodies.insert(value["body"].as_str().expect("a body").to_owned());
    }
    let expected: BTreeSet<String> = (0..n_messages)
        .map(|i| format!("code {i:06} {padding}"))
        .collect();
    assert_eq!(bodies.len(), n_messages);
    assert!(bodies == expected, "bodies differ from those sent");
    assert_eq!(read_outbox(&path).expect("readable").len(), n_messages);
}
