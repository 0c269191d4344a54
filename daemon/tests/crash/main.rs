//! Crash safety of the real binary: SIGKILL `twofoldd` again and again while it writes
//! (user creation, logins, code verification), restart it on the same data directory, and
//! check that every acknowledged write survived, no consumed code works twice, and the
//! store always opens.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const KEY: &str = "crash-test-api-key-0123456789-0123456789";
const CYCLES: usize = 20;

struct Running {
    child: Child,
    url: String,
}

/// Starts the binary on port 0 and waits (bounded) for its "ready" log line, which names
/// the address it bound.
fn start(dir: &Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_twofoldd"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--kickstart")
        .arg(dir.join("kickstart.json"))
        .env("TWOFOLD_SECURITY__ARGON2_MEMORY_KIB", "256")
        .env("TWOFOLD_SECURITY__ARGON2_ITERATIONS", "1")
        .env("TWOFOLD_RATE_LIMITS__ENABLED", "false")
        .env("TWOFOLD_LOG_LEVEL", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut lines = BufReader::new(stderr).lines();
    let listen = loop {
        assert!(Instant::now() < deadline, "the daemon did not become ready");
        match lines.next() {
            Some(Ok(line)) if line.contains("twofoldd is ready") => {
                let event: Value = serde_json::from_str(&line).unwrap();
                break event["listen"].as_str().unwrap().to_owned();
            }
            Some(Ok(_)) => {}
            _ => panic!(
                "the daemon exited before it was ready: {:?}",
                child.try_wait()
            ),
        }
    };
    // Keep draining stderr so the daemon never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    Running {
        child,
        url: format!("http://{listen}"),
    }
}

fn kill(mut running: Running) {
    running.child.kill().unwrap();
    running.child.wait().unwrap();
}

async fn post(http: &reqwest::Client, url: String, key: bool, body: Value) -> Option<(u16, Value)> {
    let mut request = http.post(url).json(&body);
    if key {
        request = request.header("Authorization", KEY);
    }
    let response = request.send().await.ok()?;
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    Some((status, body))
}

fn code_in(outbox: &Path, phone: &str) -> Option<String> {
    let text = std::fs::read_to_string(outbox).ok()?;
    let line = text.lines().rev().find(|l| l.contains(phone))?;
    let message: Value = serde_json::from_str(line).ok()?;
    message["body"]
        .as_str()?
        .split_whitespace()
        .next()
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_repeated_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kickstart.json"),
        json!({"apiKeys": [{"key": KEY}]}).to_string(),
    )
    .unwrap();
    let outbox = dir.path().join("data").join("outbox.jsonl");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let running = start(dir.path());
    let (status, app) = post(
        &http,
        format!("{}/api/application", running.url),
        true,
        json!({"application": {"name": "Crash"}}),
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let app = app["application"]["id"].as_str().unwrap().to_owned();
    kill(running);

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut consumed: Vec<(String, String)> = Vec::new();
    for cycle in 0..CYCLES {
        let running = start(dir.path());
        let url = running.url.clone();

        // Every acknowledged write so far is there, and no consumed code works again.
        let so_far = acknowledged.lock().unwrap().clone();
        for email in so_far {
            let (status, _) = post(
                &http,
                format!("{url}/api/login"),
                false,
                json!({"loginId": email, "password": "crash password"}),
            )
            .await
            .unwrap();
            assert!(
                status == 200 || status == 242,
                "{email} lost after cycle {cycle}: {status}"
            );
        }
        for (two_factor_id, code) in &consumed {
            let (status, _) = post(
                &http,
                format!("{url}/api/two-factor/login"),
                false,
                json!({"twoFactorId": two_factor_id, "code": code}),
            )
            .await
            .unwrap();
            assert_eq!(
                status, 404,
                "a consumed code worked again after cycle {cycle}"
            );
        }

        // A two-factor login completed, then recorded as consumed.
        let phone = format!("+1202555{:04}", 1000 + cycle);
        let email = format!("mfa{cycle}@example.com");
        let body = json!({"user": {"email": email, "password": "crash password",
                                   "twoFactor": {"methods": [{"method": "sms", "mobilePhone": phone}]}},
                          "registration": {"applicationId": app}});
        let (status, _) = post(&http, format!("{url}/api/user/registration"), true, body)
            .await
            .unwrap();
        assert_eq!(status, 200);
        acknowledged.lock().unwrap().push(email.clone());
        let (status, challenge) = post(
            &http,
            format!("{url}/api/login"),
            false,
            json!({"loginId": email, "password": "crash password"}),
        )
        .await
        .unwrap();
        assert_eq!(status, 242);
        let two_factor_id = challenge["twoFactorId"].as_str().unwrap().to_owned();
        let code = code_in(&outbox, &phone).expect("the code is in the outbox");
        let (status, _) = post(
            &http,
            format!("{url}/api/two-factor/login"),
            false,
            json!({"twoFactorId": two_factor_id, "code": code}),
        )
        .await
        .unwrap();
        assert_eq!(status, 200);
        consumed.push((two_factor_id, code));

        // Concurrent writers; the kill lands while some are in flight.
        let (acked, mut acks) = tokio::sync::mpsc::unbounded_channel::<()>();
        let mut writers = Vec::new();
        for writer in 0..4 {
            let http = http.clone();
            let url = url.clone();
            let app = app.clone();
            let acknowledged = Arc::clone(&acknowledged);
            let acked = acked.clone();
            writers.push(tokio::spawn(async move {
                for n in 0.. {
                    let email = format!("c{cycle}-w{writer}-{n}@example.com");
                    let body = json!({"user": {"email": email, "password": "crash password"}, "registration": {"applicationId": app}});
                    match post(&http, format!("{url}/api/user/registration"), true, body).await {
                        Some((200, _)) => {
                            acknowledged.lock().unwrap().push(email);
                            let _ = acked.send(());
                        }
                        Some(_) => {}
                        None => return,
                    }
                }
            }));
        }
        drop(acked);
        for _ in 0..20 + cycle {
            if tokio::time::timeout(Duration::from_secs(20), acks.recv())
                .await
                .ok()
                .flatten()
                .is_none()
            {
                break;
            }
        }
        kill(running);
        for writer in writers {
            writer.await.unwrap();
        }
    }

    let running = start(dir.path());
    let all = acknowledged.lock().unwrap().clone();
    let total = all.len();
    for email in all {
        let (status, _) = post(
            &http,
            format!("{}/api/login", running.url),
            false,
            json!({"loginId": email, "password": "crash password"}),
        )
        .await
        .unwrap();
        assert!(status == 200 || status == 242, "{email} lost: {status}");
    }
    println!("{total} acknowledged users survived {CYCLES} SIGKILLs");
    kill(running);
}
