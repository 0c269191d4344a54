//! The daemon as a process: persistence across restarts, kickstart, status.

use std::sync::Arc;

use daemon::clock::ManualClock;
use daemon::{Daemon, DaemonError, Options};
use jsonwebtoken::Validation;
use reqwest::Method;
use serde_json::{Value, json};
use tests::harness::{TestDaemon, test_config};
use tokio::net::TcpListener;

#[tokio::test]
async fn users_and_signing_keys_survive_a_restart() {
    let mut daemon = TestDaemon::start().await;
    let app = daemon.create_application("App").await;
    daemon
        .create_user("persist@example.com", "still here after", &app, None)
        .await;
    let before = daemon
        .login("persist@example.com", "still here after", Some(&app))
        .await
        .expect(200);
    let old_token = before["token"].as_str().unwrap().to_owned();

    daemon.restart().await;

    daemon
        .login("persist@example.com", "still here after", Some(&app))
        .await
        .expect(200);
    // The old token still verifies against the published keys.
    let mut validation = Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.validate_aud = false;
    daemon.verify_with_jwks(&old_token, &validation).await;
    // The kickstart ran once: its key still works, nothing was created twice.
    daemon
        .admin(Method::GET, "/api/application", None)
        .await
        .expect(200);
}

#[tokio::test]
async fn status_reports_the_store() {
    let daemon = TestDaemon::start().await;
    let status = daemon
        .anonymous(Method::GET, "/api/status", None)
        .await
        .expect(200);
    assert_eq!(status["status"], json!("ok"));
    assert_eq!(status["store"]["kind"], json!("redb"));
    assert!(status["version"].as_str().is_some());
}

async fn start_with_kickstart(
    kickstart: Value,
) -> (tempfile::TempDir, Result<Daemon, DaemonError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kickstart.json");
    std::fs::write(&path, kickstart.to_string()).unwrap();
    let config = test_config(dir.path().join("data"), path);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let clock = Arc::new(ManualClock::starting_now());
    let result = Daemon::start_on(listener, config, Options { clock }).await;
    (dir, result)
}

#[tokio::test]
async fn kickstart_requests_create_the_install() {
    let key = "kickstart-key-0123456789-0123456789-xyz";
    let app = uuid::Uuid::new_v4();
    let (_dir, daemon) = start_with_kickstart(json!({
        "variables": {"appId": app.to_string(), "adminEmail": "admin@example.com"},
        "apiKeys": [{"key": key}],
        "requests": [
            {"method": "POST", "url": "/api/application/#{appId}", "body": {"application": {"name": "Kicked"}}},
            {"method": "POST", "url": "/api/user/registration",
             "body": {"user": {"email": "#{adminEmail}", "password": "password123"}, "registration": {"applicationId": "#{appId}"}}}
        ]
    }))
    .await;
    let daemon = daemon.expect("starts");
    let http = reqwest::Client::new();
    let reply = http
        .post(format!("{}/api/login", daemon.url()))
        .json(&json!({"loginId": "admin@example.com", "password": "password123", "applicationId": app}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    daemon.shutdown().await;
}

#[tokio::test]
async fn a_broken_kickstart_stops_start_up_naming_the_request_and_leaves_nothing() {
    let (dir, result) = start_with_kickstart(json!({
        "apiKeys": [{"key": "kickstart-key-0123456789-0123456789-xyz"}],
        "requests": [
            {"method": "POST", "url": "/api/application", "body": {"application": {"name": "Fine"}}},
            {"method": "POST", "url": "/api/user", "body": {"user": {"email": "bad", "password": "x"}}}
        ]
    }))
    .await;
    let Err(error) = result else {
        panic!("start-up must fail")
    };
    let message = error.to_string();
    assert!(
        message.contains("#1") && message.contains("POST /api/user"),
        "{message}"
    );
    assert!(message.contains("[notEmail]user.email"), "{message}");

    // All or nothing: with a good file the same directory starts clean.
    let good = dir.path().join("kickstart.json");
    std::fs::write(&good, json!({"apiKeys": [{"key": "kickstart-key-0123456789-0123456789-xyz"}],
        "requests": [{"method": "POST", "url": "/api/application", "body": {"application": {"name": "Fine"}}}]}).to_string()).unwrap();
    let config = test_config(dir.path().join("data"), good);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let daemon = Daemon::start_on(listener, config, Options::default())
        .await
        .expect("starts");
    let apps: Value = reqwest::Client::new()
        .get(format!("{}/api/application", daemon.url()))
        .header("Authorization", "kickstart-key-0123456789-0123456789-xyz")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(apps["applications"].as_array().map(Vec::len), Some(1));
    daemon.shutdown().await;
}

#[tokio::test]
async fn a_wrong_or_missing_master_key_refuses_to_start() {
    let daemon = TestDaemon::start().await;
    daemon.create_application("App").await;
    let dir = daemon.stop().await;
    let data = dir.path().join("data");
    std::fs::write(
        data.join("master.key"),
        daemon::crypto::master_key::encode(&[9u8; 32]),
    )
    .unwrap();
    let start = |kickstart: &str| {
        let config = test_config(data.clone(), dir.path().join(kickstart));
        async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            Daemon::start_on(listener, config, Options::default()).await
        }
    };
    let error = start("kickstart.json")
        .await
        .err()
        .expect("refuses a wrong key");
    assert!(error.to_string().contains("does not match"), "{error}");
    std::fs::remove_file(data.join("master.key")).unwrap();
    let error = start("kickstart.json")
        .await
        .err()
        .expect("refuses a missing key");
    assert!(error.to_string().contains("missing"), "{error}");
}

#[tokio::test]
async fn a_login_rehashes_a_password_stored_with_old_parameters() {
    let mut daemon = TestDaemon::start().await;
    let app = daemon.create_application("App").await;
    let id: daemon::domain::ids::UserId = daemon
        .create_user("rehash@example.com", "old cost pw", &app, None)
        .await
        .parse()
        .unwrap();
    let stored_hash = |d: &TestDaemon| {
        let store = std::sync::Arc::clone(&d.daemon().app().store);
        async move {
            store
                .read(move |tx| tx.user(id))
                .await
                .unwrap()
                .unwrap()
                .password_hash
                .unwrap()
        }
    };
    let before = stored_hash(&daemon).await;
    assert!(before.contains("m=256,t=1"), "{before}");
    daemon
        .restart_with(|c| {
            c.security.argon2_memory_kib = 512;
            c.security.argon2_iterations = 2;
        })
        .await;
    daemon
        .login("rehash@example.com", "old cost pw", Some(&app))
        .await
        .expect(200);
    let after = stored_hash(&daemon).await;
    assert!(after.contains("m=512,t=2"), "{after}");
    daemon
        .login("rehash@example.com", "old cost pw", Some(&app))
        .await
        .expect(200);
}
