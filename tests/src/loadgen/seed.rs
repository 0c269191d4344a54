//! Seeding: bench users through the API (`POST /api/user`, SMS two-factor, each a real
//! password hash), and a large store written directly through the daemon's store API while
//! no daemon runs, for the start-up figure at 100 000 users.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use daemon::crypto::password::{Argon2Cost, hash_blocking};
use daemon::domain::ids::UserId;
use daemon::domain::tenant::DEFAULT_TENANT_ID;
use daemon::domain::time::Timestamp;
use daemon::domain::two_factor::{Method, MethodKind, TwoFactor};
use daemon::domain::user::{Profile, User};
use daemon::store::redb::RedbStore;
use daemon::store::{Store, StoreError};
use serde_json::json;

use super::client::Conn;
use super::users::{BenchUser, PASSWORD};

pub const API_KEY: &str = "bench-api-key-0123456789-0123456789-abcdef";

/// A kickstart file: the bench API key, and an hourly SMS budget no bench run reaches.
pub fn write_kickstart(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let path = dir.join("kickstart.json");
    let body = json!({
        "apiKeys": [{"key": API_KEY, "description": "loadgen"}],
        "requests": [{
            "method": "PATCH",
            "url": format!("/api/tenant/{DEFAULT_TENANT_ID}"),
            "body": {"tenant": {"smsConfiguration": {"maxPerHour": 1_000_000_000u32}}}
        }]
    });
    std::fs::write(&path, body.to_string())?;
    Ok(path)
}

/// Creates `users` through the API with `concurrency` connections spread over `nodes`.
pub async fn create_users(
    nodes: &[std::net::SocketAddr],
    users: &Arc<Vec<BenchUser>>,
    concurrency: usize,
) -> anyhow::Result<()> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let users = Arc::clone(users);
        let next = Arc::clone(&next);
        let addr = nodes[worker % nodes.len()];
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(user) = users.get(index) else {
                    return Ok::<_, anyhow::Error>(());
                };
                let body = json!({"user": {
                    "email": user.email,
                    "password": PASSWORD,
                    "mobilePhone": user.phone,
                    "twoFactor": {"methods": [{"method": "sms", "mobilePhone": user.phone}]}
                }});
                let answer = loop {
                    let answer = conn
                        .call(
                            hyper::Method::POST,
                            "/api/user",
                            Some(API_KEY),
                            Some(serde_json::to_vec(&body)?),
                        )
                        .await?;
                    // A full hashing queue refuses; come back shortly.
                    if answer.status == 503 && answer.retry_after {
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        continue;
                    }
                    break answer;
                };
                if answer.status != 200 {
                    anyhow::bail!(
                        "creating {} answered {}: {}",
                        user.email,
                        answer.status,
                        String::from_utf8_lossy(&answer.body)
                    );
                }
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp::from_millis(millis)
}

/// Writes `users` straight into the redb store in `data_dir` (no daemon may be running),
/// in batches, all with one real password hash at `cost`.
pub async fn write_users_directly(
    data_dir: &Path,
    users: &[BenchUser],
    cost: Argon2Cost,
) -> anyhow::Result<()> {
    let hash = hash_blocking(&cost, PASSWORD)?;
    let store: Arc<dyn Store> = Arc::new(RedbStore::open(data_dir)?);
    let at = now();
    for chunk in users.chunks(5_000) {
        let records: Vec<User> = chunk.iter().map(|u| bench_user(u, &hash, at)).collect();
        store
            .write(move |tx| {
                for user in &records {
                    tx.put_user(user)?;
                }
                Ok::<_, StoreError>(())
            })
            .await?;
    }
    drop(store);
    Ok(())
}

fn bench_user(user: &BenchUser, hash: &str, at: Timestamp) -> User {
    User {
        id: UserId::random(),
        tenant_id: DEFAULT_TENANT_ID,
        email: Some(user.email.clone()),
        username: None,
        password_hash: Some(hash.to_owned()),
        password_last_update: Some(at),
        profile: Profile {
            mobile_phone: Some(user.phone.clone()),
            ..Profile::default()
        },
        active: true,
        verified: true,
        expiry: None,
        password_change_required: false,
        inserted: at,
        last_updated: at,
        last_login: None,
        registrations: Vec::new(),
        two_factor: TwoFactor {
            methods: vec![Method {
                id: format!("sms{}", &user.phone[1..]),
                name: None,
                last_used: false,
                kind: MethodKind::Sms {
                    mobile_phone: user.phone.clone(),
                },
            }],
            ..TwoFactor::default()
        },
        lockout: Default::default(),
        security_stamp: 1,
    }
}
