//! Two daemons on one PostgreSQL database, checked from outside through HTTP only: users,
//! logins, two-factor challenges and signing keys are shared; a code is accepted once
//! across nodes; a database outage gives 503 and passes without restarting the nodes;
//! `twofoldd migrate` moves a redb install to PostgreSQL with every user still able to log in.

use std::path::Path;
use std::time::Duration;

use jsonwebtoken::Validation;
use reqwest::Method;
use serde_json::{Value, json};
use tests::harness::TestDaemon;
use tests::postgres::PgCluster;

const PHONE: &str = "+12025550143";
const ENROLLED_PHONE: &str = "+12025550178";

/// Starts a node on the database at `url`, with the master key at `key` (shared by nodes).
async fn node(url: &str, key: &Path) -> TestDaemon {
    let url = url.to_owned();
    let key = key.to_path_buf();
    TestDaemon::start_with(move |config| {
        config.store.kind = daemon::config::StoreKind::Postgres;
        config.store.url = Some(daemon::domain::secret::SecretString::new(url.clone()));
        config.store.pool_size = 6;
        config.security.master_key_file = Some(key.clone());
    })
    .await
}

struct Pair {
    cluster: PgCluster,
    _keys: tempfile::TempDir,
    one: TestDaemon,
    two: TestDaemon,
    app: String,
}

async fn two_nodes(cluster: PgCluster) -> Pair {
    let url = cluster.create_database().await;
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("master.key");
    // The first node creates the key and the install; the second is given the same key.
    let one = node(&url, &key).await;
    let two = node(&url, &key).await;
    let app = one.create_application("Shared").await;
    Pair {
        cluster,
        _keys: keys,
        one,
        two,
        app,
    }
}

async fn verify_with_jwks(daemon: &TestDaemon, token: &str) -> Value {
    let mut validation = Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.validate_aud = false;
    daemon.verify_with_jwks(token, &validation).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_created_on_one_node_logs_in_on_the_other_and_tokens_verify_everywhere() {
    let Some(cluster) = PgCluster::start_or_skip("cluster: shared users and keys") else {
        return;
    };
    let pair = two_nodes(cluster).await;
    let user = pair
        .one
        .create_user(
            "shared@example.com",
            "one password for all",
            &pair.app,
            None,
        )
        .await;
    let login = pair
        .two
        .login(
            "shared@example.com",
            "one password for all",
            Some(&pair.app),
        )
        .await
        .expect(200);
    assert_eq!(login["user"]["id"], json!(user));

    // A token from node 1 verifies against node 2's JWKS, and the other way round.
    let from_one = pair
        .one
        .login(
            "shared@example.com",
            "one password for all",
            Some(&pair.app),
        )
        .await
        .expect(200);
    let claims = verify_with_jwks(&pair.two, from_one["token"].as_str().unwrap()).await;
    assert_eq!(claims["sub"], json!(user));
    verify_with_jwks(&pair.one, login["token"].as_str().unwrap()).await;

    let status = pair
        .two
        .anonymous(Method::GET, "/api/status", None)
        .await
        .expect(200);
    assert_eq!(status["store"]["kind"], json!("postgres"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_factor_login_started_on_one_node_completes_on_the_other() {
    let Some(cluster) = PgCluster::start_or_skip("cluster: 242 across nodes") else {
        return;
    };
    let pair = two_nodes(cluster).await;
    pair.one
        .create_user("twice@example.com", "correct horse", &pair.app, Some(PHONE))
        .await;
    let started = pair
        .one
        .login("twice@example.com", "correct horse", Some(&pair.app))
        .await;
    assert_eq!(started.status, 242);
    let two_factor_id = started.json()["twoFactorId"].as_str().unwrap().to_owned();
    // The code went out through node 1's console outbox.
    let code = pair.one.last_code_to(PHONE);
    let done = pair
        .two
        .two_factor_login(&two_factor_id, &code)
        .await
        .expect(200);
    verify_with_jwks(&pair.one, done["token"].as_str().unwrap()).await;
    // Used up on every node.
    assert_eq!(
        pair.one
            .two_factor_login(&two_factor_id, &code)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_code_sent_to_both_nodes_at_once_is_accepted_once() {
    let Some(cluster) = PgCluster::start_or_skip("cluster: one code, one 200") else {
        return;
    };
    let pair = two_nodes(cluster).await;
    // Several rounds, several users: a race that happens to serialise proves little.
    for round in 0..5 {
        let email = format!("race{round}@example.com");
        // A number per user: SMS caps per destination number must not get in the way.
        let phone = format!("+1202555016{round}");
        pair.one
            .create_user(&email, "correct horse", &pair.app, Some(&phone))
            .await;
        let started = pair
            .one
            .login(&email, "correct horse", Some(&pair.app))
            .await;
        assert_eq!(started.status, 242);
        let two_factor_id = started.json()["twoFactorId"].as_str().unwrap().to_owned();
        let code = pair.one.last_code_to(&phone);
        let (a, b) = tokio::join!(
            pair.one.two_factor_login(&two_factor_id, &code),
            pair.two.two_factor_login(&two_factor_id, &code),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(
            statuses[0], 200,
            "round {round}: one node accepts: {statuses:?}"
        );
        assert_ne!(statuses[1], 200, "round {round}: never both: {statuses:?}");
        assert!(
            statuses[1] < 500,
            "round {round}: the other refuses cleanly: {statuses:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_postgres_gives_503_and_starting_it_again_restores_service() {
    let Some(cluster) = PgCluster::private_or_skip("cluster: outage") else {
        return;
    };
    let Pair {
        cluster,
        _keys,
        one,
        two,
        app,
    } = two_nodes(cluster).await;
    one.create_user("outage@example.com", "correct horse", &app, None)
        .await;

    cluster.stop();
    for node in [&one, &two] {
        let reply = node
            .login("outage@example.com", "correct horse", Some(&app))
            .await;
        assert_eq!(
            reply.status,
            503,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let write = node
            .admin(
                Method::POST,
                "/api/application",
                Some(json!({"application": {"name": "During the outage"}})),
            )
            .await;
        assert_eq!(
            write.status,
            503,
            "{}",
            String::from_utf8_lossy(&write.body)
        );
        let status = node.anonymous(Method::GET, "/api/status", None).await;
        assert_ne!(status.status, 500);
    }

    cluster.restart();
    for node in [&one, &two] {
        node.login("outage@example.com", "correct horse", Some(&app))
            .await
            .expect(200);
        let status = node
            .anonymous(Method::GET, "/api/status", None)
            .await
            .expect(200);
        assert_eq!(status["store"]["ok"], json!(true));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_moves_a_redb_install_with_methods_and_recovery_codes_to_postgres() {
    let Some(cluster) = PgCluster::start_or_skip("cluster: migrate") else {
        return;
    };
    // A single-node redb install with users, SMS methods and recovery codes.
    let single = TestDaemon::start().await;
    let app = single.create_application("Moving").await;
    single
        .create_user("plain@example.com", "correct horse", &app, None)
        .await;
    single
        .create_user("sms@example.com", "correct horse", &app, Some(PHONE))
        .await;
    let enrolled = single
        .create_user("enrolled@example.com", "battery staple", &app, None)
        .await;
    let recovery = enrol_sms(&single, &enrolled).await;
    let dir = single.stop().await;
    let data = dir.path().join("data");

    let url = cluster.create_database().await;
    let report =
        daemon::cli::migrate::copy_install(data.to_str().unwrap(), &url, Duration::from_secs(5))
            .await
            .expect("migrate");
    assert_eq!(report.users, 3);

    // A node on PostgreSQL with the old install's master key.
    let node = node(&url, &data.join("master.key")).await;
    node.login("plain@example.com", "correct horse", Some(&app))
        .await
        .expect(200);
    let started = node
        .login("sms@example.com", "correct horse", Some(&app))
        .await;
    assert_eq!(started.status, 242);
    let two_factor_id = started.json()["twoFactorId"].as_str().unwrap().to_owned();
    let code = node.last_code_to(PHONE);
    node.two_factor_login(&two_factor_id, &code)
        .await
        .expect(200);
    // A recovery code made on redb works once on PostgreSQL.
    let started = node
        .login("enrolled@example.com", "battery staple", Some(&app))
        .await;
    assert_eq!(started.status, 242);
    let two_factor_id = started.json()["twoFactorId"].as_str().unwrap().to_owned();
    node.two_factor_login(&two_factor_id, &recovery)
        .await
        .expect(200);
    // The target is no longer empty: a second migration is refused.
    assert!(
        daemon::cli::migrate::copy_install(data.to_str().unwrap(), &url, Duration::from_secs(5))
            .await
            .is_err()
    );
}

/// Enrols SMS two-factor for `user` through the API; returns one of its recovery codes.
async fn enrol_sms(daemon: &TestDaemon, user: &str) -> String {
    daemon
        .admin(
            Method::POST,
            "/api/two-factor/send",
            Some(json!({"userId": user, "method": "sms", "mobilePhone": ENROLLED_PHONE})),
        )
        .await
        .assert_empty(200);
    let code = daemon.last_code_to(ENROLLED_PHONE);
    let enabled = daemon
        .admin(
            Method::POST,
            &format!("/api/user/two-factor/{user}"),
            Some(json!({"method": "sms", "mobilePhone": ENROLLED_PHONE, "code": code})),
        )
        .await
        .expect(200);
    enabled["recoveryCodes"][0]
        .as_str()
        .expect("recovery codes")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_with_another_master_key_refuses_to_start() {
    let Some(cluster) = PgCluster::start_or_skip("cluster: wrong master key") else {
        return;
    };
    let url = cluster.create_database().await;
    let keys = tempfile::tempdir().unwrap();
    let first = node(&url, &keys.path().join("master.key")).await;

    let dir = tempfile::tempdir().unwrap();
    let other_key = dir.path().join("other.key");
    let start = |key: std::path::PathBuf| {
        let mut config =
            tests::harness::test_config(dir.path().join("data"), dir.path().join("none"));
        config.kickstart = None;
        config.store.kind = daemon::config::StoreKind::Postgres;
        config.store.url = Some(daemon::domain::secret::SecretString::new(url.clone()));
        config.security.master_key_file = Some(key);
        async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let clock = std::sync::Arc::new(daemon::clock::ManualClock::starting_now());
            match daemon::Daemon::start_on(listener, config, daemon::Options { clock }).await {
                Err(e) => e.to_string(),
                Ok(_) => panic!("a node without the cluster's master key started"),
            }
        }
    };
    // No key file: the node must not make one up for a database that already has data.
    let missing = start(other_key.clone()).await;
    assert!(missing.contains("is missing"), "{missing}");
    assert!(!other_key.exists());
    // Another key: refused, naming both fingerprints.
    use base64::Engine;
    let key_text = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    std::fs::write(&other_key, format!("{key_text}\n")).unwrap();
    let wrong = start(other_key).await;
    assert!(wrong.contains("does not match"), "{wrong}");
    // The first node is unaffected.
    first
        .anonymous(Method::GET, "/api/status", None)
        .await
        .expect(200);
}
