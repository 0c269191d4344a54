//! The PostgreSQL store against the shared conformance suite and its own duties: schema
//! migrations under a lock, refusing a newer schema, cross-node exactness, copying to and
//! from redb, unavailability. Each test gets its own throwaway server (or database).

use std::sync::Arc;
use std::time::Duration;

use daemon::domain::secret::SecretString;
use daemon::store::postgres::{PgSettings, PgStore, migrations};
use daemon::store::redb::RedbStore;
use daemon::store::{Store, StoreError, conformance};
use tests::postgres::PgCluster;

fn settings(url: &str) -> PgSettings {
    PgSettings {
        url: SecretString::new(url),
        pool_size: 8,
        connect_timeout: Duration::from_secs(5),
    }
}

async fn open(url: &str) -> Arc<dyn Store> {
    Arc::new(
        PgStore::open(&settings(url))
            .await
            .expect("open the PostgreSQL store"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_on_postgres() {
    let Some(cluster) = PgCluster::start_or_skip("conformance_suite_on_postgres") else {
        return;
    };
    let url = cluster.create_database().await;
    conformance::run_all(open(&url).await).await;
}

#[tokio::test]
async fn conformance_suite_on_postgres_from_a_current_thread_runtime() {
    // The store runs jobs on its own runtime: the caller's flavour does not matter.
    let Some(cluster) = PgCluster::start_or_skip("conformance_suite_current_thread") else {
        return;
    };
    let url = cluster.create_database().await;
    conformance::run_all(open(&url).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_database_lose_no_update_and_consume_once() {
    let Some(cluster) = PgCluster::start_or_skip("two_nodes_lose_no_update") else {
        return;
    };
    let url = cluster.create_database().await;
    // Both open at once: the migration lock lets one create the schema, the other waits.
    let (first, second) = (settings(&url), settings(&url));
    let (a, b) = tokio::join!(PgStore::open(&first), PgStore::open(&second));
    let a: Arc<dyn Store> = Arc::new(a.expect("first node opens"));
    let b: Arc<dyn Store> = Arc::new(b.expect("second node opens"));
    conformance::concurrent_nodes_stay_correct(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copying_between_redb_and_postgres_keeps_every_record() {
    let Some(cluster) = PgCluster::start_or_skip("copying_between_redb_and_postgres") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let redb: Arc<dyn Store> = Arc::new(RedbStore::open(&dir.path().join("a")).unwrap());
    let pg = open(&cluster.create_database().await).await;
    conformance::copy_preserves_everything(redb, pg).await;

    let pg = open(&cluster.create_database().await).await;
    let back: Arc<dyn Store> = Arc::new(RedbStore::open(&dir.path().join("b")).unwrap());
    conformance::copy_preserves_everything(pg, back).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_with_a_newer_schema_is_refused() {
    let Some(cluster) = PgCluster::start_or_skip("a_database_with_a_newer_schema") else {
        return;
    };
    let url = cluster.create_database().await;
    drop(open(&url).await);
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
    client
        .execute(
            "INSERT INTO twofold_schema_migrations (version) VALUES ($1)",
            &[&i32::try_from(migrations::SCHEMA_VERSION + 1).unwrap()],
        )
        .await
        .unwrap();
    drop(client);
    let _ = driver.await;
    match PgStore::open(&settings(&url)).await {
        Err(StoreError::SchemaMismatch { found, expected }) => {
            assert_eq!(found, migrations::SCHEMA_VERSION + 1);
            assert_eq!(expected, migrations::SCHEMA_VERSION);
        }
        other => panic!("expected a schema mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable_and_the_password_is_not_shown() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Nothing listens on that port once the listener above is gone.
    let url = format!("postgres://twofold:hunter2-secret@127.0.0.1:{port}/twofold");
    match PgStore::open(&settings(&url)).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(!message.contains("hunter2"), "{message}");
            assert!(message.contains(&port.to_string()), "{message}");
        }
        other => panic!("expected unavailable, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_fail_as_unavailable_while_postgres_is_down_and_recover() {
    let Some(cluster) = PgCluster::private_or_skip("writes_fail_as_unavailable") else {
        return;
    };
    let store = open(&cluster.create_database().await).await;
    let user = conformance::user("up@example.com", None);
    store
        .write(move |tx| tx.put_user(&user))
        .await
        .expect("write while up");
    assert!(store.health().await.ok);

    cluster.stop();
    let down = conformance::user("down@example.com", None);
    let result = store.write(move |tx| tx.put_user(&down)).await;
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    let health = store.health().await;
    assert!(!health.ok);
    assert_eq!(health.kind, "postgres");

    cluster.restart();
    let back = conformance::user("back@example.com", None);
    store
        .write(move |tx| tx.put_user(&back))
        .await
        .expect("writes work again without reopening the store");
    assert!(store.health().await.ok);
}
