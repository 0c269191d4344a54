//! The store's behaviour, written once and run against every backend (see each backend's
//! tests). A backend is correct when all of this passes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crate::domain::api_key::ApiKey;
use crate::domain::application::Application;
use crate::domain::audit::{AuditEvent, AuditKind, AuditQuery};
use crate::domain::ids::{ApiKeyId, ApplicationId, MessengerId, RefreshTokenId, UserId};
use crate::domain::messenger::{Messenger, MessengerKind};
use crate::domain::secret::Digest;
use crate::domain::secret::Sealed;
use crate::domain::send_log::SendLog;
use crate::domain::signing_key::{JwtAlgorithm, SigningKey};
use crate::domain::tenant::{DEFAULT_TENANT_ID, Tenant};
use crate::domain::time::Timestamp;
use crate::domain::token::{AuthMethod, RefreshToken};
use crate::domain::two_factor::challenge::Challenge;
use crate::domain::two_factor::trust::Trust;
use crate::domain::user::{Profile, User};
use crate::store::{InstallRecord, Store, StoreError};

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);

pub fn user(email: &str, username: Option<&str>) -> User {
    User {
        id: UserId::random(),
        tenant_id: DEFAULT_TENANT_ID,
        email: Some(email.to_owned()),
        username: username.map(str::to_owned),
        password_hash: Some("$argon2id$test".to_owned()),
        password_last_update: Some(T0),
        profile: Profile::default(),
        active: true,
        verified: true,
        expiry: None,
        password_change_required: false,
        inserted: T0,
        last_updated: T0,
        last_login: None,
        registrations: Vec::new(),
        two_factor: Default::default(),
        lockout: Default::default(),
        security_stamp: 0,
    }
}

fn digest(byte: u8) -> Digest {
    Digest([byte; 32])
}

fn refresh_token(user: UserId, expires: Timestamp) -> RefreshToken {
    RefreshToken {
        id: RefreshTokenId::random(),
        user_id: user,
        application_id: ApplicationId::random(),
        tenant_id: DEFAULT_TENANT_ID,
        inserted: T0,
        expires,
        auth_time: T0,
        amr: vec![AuthMethod::Password],
        ip: None,
    }
}

fn challenge(user: UserId, expires: Timestamp) -> Challenge {
    Challenge {
        user_id: user,
        application_id: None,
        created: T0,
        expires,
        security_stamp: 0,
        code: None,
        sends: 0,
        last_send: None,
        failed_attempts: 0,
        ip: None,
    }
}

pub async fn run_all(store: Arc<dyn Store>) {
    install_and_tenant(&*store).await;
    users_and_indexes(&*store).await;
    applications_keys_and_messengers(&*store).await;
    tokens_challenges_and_trusts(&*store).await;
    send_logs_and_audit(&*store).await;
    failed_jobs_roll_back(&*store).await;
    concurrent_jobs_stay_isolated(Arc::clone(&store)).await;
    purge_removes_only_expired(&*store).await;
}

async fn install_and_tenant(store: &dyn Store) {
    let empty = store.read(|tx| tx.install()).await.unwrap();
    assert!(empty.is_none());
    let record = InstallRecord {
        key_fingerprint: "abcd".to_owned(),
        created: T0,
        kickstarted: false,
    };
    let r = record.clone();
    store.write(move |tx| tx.put_install(&r)).await.unwrap();
    assert_eq!(store.read(|tx| tx.install()).await.unwrap(), Some(record));

    let tenant = Tenant::new_default("issuer".to_owned(), T0);
    let t = tenant.clone();
    store.write(move |tx| tx.put_tenant(&t)).await.unwrap();
    assert_eq!(store.read(|tx| tx.tenant()).await.unwrap(), Some(tenant));
}

async fn users_and_indexes(store: &dyn Store) {
    let alice = user("alice@example.com", Some("Alice"));
    let a = alice.clone();
    store.write(move |tx| tx.put_user(&a)).await.unwrap();

    let id = alice.id;
    let by_id = store.read(move |tx| tx.user(id)).await.unwrap().unwrap();
    assert_eq!(by_id.email.as_deref(), Some("alice@example.com"));
    let by_email = store
        .read(|tx| tx.user_by_email("alice@example.com"))
        .await
        .unwrap();
    assert_eq!(by_email.map(|u| u.id), Some(id));
    let by_username = store.read(|tx| tx.user_by_username("alice")).await.unwrap();
    assert_eq!(by_username.map(|u| u.id), Some(id));

    // Another user may not take the same e-mail or username.
    let clash = user("alice@example.com", None);
    let err = store
        .write(move |tx| tx.put_user(&clash))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StoreError::Conflict {
            field: "user.email"
        }
    );
    let clash = user("other@example.com", Some("ALICE"));
    let err = store
        .write(move |tx| tx.put_user(&clash))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StoreError::Conflict {
            field: "user.username"
        }
    );

    // Changing the e-mail moves the index.
    let mut changed = alice.clone();
    changed.email = Some("alice@new.example".to_owned());
    store.write(move |tx| tx.put_user(&changed)).await.unwrap();
    assert!(
        store
            .read(|tx| tx.user_by_email("alice@example.com"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .read(|tx| tx.user_by_email("alice@new.example"))
            .await
            .unwrap()
            .is_some()
    );

    // Paging visits everyone once.
    for i in 0..5 {
        let u = user(&format!("u{i}@example.com"), None);
        store.write(move |tx| tx.put_user(&u)).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.read(move |tx| tx.users_page(after, 2)).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|u| u.id);
        seen.extend(page.into_iter().map(|u| u.id));
    }
    assert_eq!(seen.len(), 6);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);

    // Deleting removes the record, its indexes and its tokens.
    let token = refresh_token(id, T0.plus(std::time::Duration::from_secs(60)));
    store
        .write(move |tx| tx.put_refresh_token(&digest(1), &token))
        .await
        .unwrap();
    assert!(store.write(move |tx| tx.delete_user(id)).await.unwrap());
    assert!(store.read(move |tx| tx.user(id)).await.unwrap().is_none());
    assert!(
        store
            .read(|tx| tx.user_by_username("alice"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .read(|tx| tx.refresh_token(&digest(1)))
            .await
            .unwrap()
            .is_none()
    );
    assert!(!store.write(move |tx| tx.delete_user(id)).await.unwrap());
}

async fn applications_keys_and_messengers(store: &dyn Store) {
    let app = Application {
        id: ApplicationId::random(),
        tenant_id: DEFAULT_TENANT_ID,
        name: "App".to_owned(),
        active: true,
        roles: Vec::new(),
        login_configuration: Default::default(),
        jwt_configuration: Default::default(),
        data: serde_json::Value::Null,
        inserted: T0,
        last_updated: T0,
    };
    let a = app.clone();
    store.write(move |tx| tx.put_application(&a)).await.unwrap();
    let id = app.id;
    assert_eq!(
        store.read(move |tx| tx.application(id)).await.unwrap(),
        Some(app)
    );
    assert_eq!(store.read(|tx| tx.applications()).await.unwrap().len(), 1);
    assert!(
        store
            .write(move |tx| tx.delete_application(id))
            .await
            .unwrap()
    );
    assert!(store.read(|tx| tx.applications()).await.unwrap().is_empty());

    let key = ApiKey {
        id: ApiKeyId::random(),
        digest: digest(9),
        description: Some("ops".to_owned()),
        prefix: "abcd".to_owned(),
        inserted: T0,
    };
    let k = key.clone();
    store.write(move |tx| tx.put_api_key(&k)).await.unwrap();
    assert_eq!(
        store
            .read(|tx| tx.api_key(&digest(9)))
            .await
            .unwrap()
            .map(|k| k.id),
        Some(key.id)
    );
    assert!(
        store
            .read(|tx| tx.api_key(&digest(8)))
            .await
            .unwrap()
            .is_none()
    );
    let key_id = key.id;
    assert!(
        store
            .write(move |tx| tx.delete_api_key(key_id))
            .await
            .unwrap()
    );
    assert!(store.read(|tx| tx.api_keys()).await.unwrap().is_empty());

    let signing = SigningKey {
        kid: "kid1".to_owned(),
        algorithm: JwtAlgorithm::ES256,
        sealed_secret: Sealed(vec![1, 2, 3]),
        inserted: T0,
        active: true,
    };
    store
        .write(move |tx| tx.put_signing_key(&signing))
        .await
        .unwrap();
    let keys = store.read(|tx| tx.signing_keys()).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].sealed_secret, Sealed(vec![1, 2, 3]));

    let messenger = Messenger {
        id: MessengerId::random(),
        name: "console".to_owned(),
        kind: MessengerKind::Console,
        debug: false,
        data: serde_json::Value::Null,
        fallback_messenger_id: None,
        inserted: T0,
        last_updated: T0,
    };
    let m = messenger.clone();
    store.write(move |tx| tx.put_messenger(&m)).await.unwrap();
    let mid = messenger.id;
    assert_eq!(
        store
            .read(move |tx| tx.messenger(mid))
            .await
            .unwrap()
            .map(|m| m.name),
        Some("console".to_owned())
    );
    assert!(
        store
            .write(move |tx| tx.delete_messenger(mid))
            .await
            .unwrap()
    );
    assert!(store.read(|tx| tx.messengers()).await.unwrap().is_empty());
}

async fn tokens_challenges_and_trusts(store: &dyn Store) {
    let owner = UserId::random();
    let later = T0.plus(std::time::Duration::from_secs(3600));
    for byte in [20, 21, 22] {
        let token = refresh_token(owner, later);
        store
            .write(move |tx| tx.put_refresh_token(&digest(byte), &token))
            .await
            .unwrap();
    }
    let other = refresh_token(UserId::random(), later);
    store
        .write(move |tx| tx.put_refresh_token(&digest(23), &other))
        .await
        .unwrap();
    assert_eq!(
        store
            .read(move |tx| tx.refresh_tokens_of(owner))
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(
        store
            .write(|tx| tx.delete_refresh_token(&digest(20)))
            .await
            .unwrap()
    );
    assert!(
        !store
            .write(|tx| tx.delete_refresh_token(&digest(20)))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .write(move |tx| tx.delete_refresh_tokens_of(owner))
            .await
            .unwrap(),
        2
    );
    assert!(
        store
            .read(|tx| tx.refresh_token(&digest(23)))
            .await
            .unwrap()
            .is_some()
    );

    let c = challenge(owner, later);
    store
        .write(move |tx| tx.put_challenge(&digest(30), &c))
        .await
        .unwrap();
    let loaded = store
        .read(|tx| tx.challenge(&digest(30)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded.user_id, owner);
    assert!(
        store
            .write(|tx| tx.delete_challenge(&digest(30)))
            .await
            .unwrap()
    );
    assert!(
        store
            .read(|tx| tx.challenge(&digest(30)))
            .await
            .unwrap()
            .is_none()
    );

    let trust = Trust {
        user_id: owner,
        application_id: None,
        created: T0,
        expires: later,
        security_stamp: 3,
    };
    store
        .write(move |tx| tx.put_trust(&digest(40), &trust))
        .await
        .unwrap();
    assert_eq!(
        store
            .read(|tx| tx.trust(&digest(40)))
            .await
            .unwrap()
            .map(|t| t.security_stamp),
        Some(3)
    );
    assert!(
        store
            .write(|tx| tx.delete_trust(&digest(40)))
            .await
            .unwrap()
    );
}

async fn send_logs_and_audit(store: &dyn Store) {
    assert_eq!(
        store.read(|tx| tx.send_log("sms:user:x")).await.unwrap(),
        SendLog::default()
    );
    let mut log = SendLog::default();
    log.record(T0);
    let l = log.clone();
    store
        .write(move |tx| tx.put_send_log("sms:user:x", &l))
        .await
        .unwrap();
    assert_eq!(
        store.read(|tx| tx.send_log("sms:user:x")).await.unwrap(),
        log
    );

    let someone = UserId::random();
    for (i, kind) in [
        AuditKind::LoginFailed,
        AuditKind::LoginSucceeded,
        AuditKind::LoginFailed,
    ]
    .into_iter()
    .enumerate()
    {
        let event = AuditEvent::new(kind, T0.plus(std::time::Duration::from_secs(i as u64)), "x")
            .user(someone);
        store
            .write(move |tx| tx.append_audit(&event))
            .await
            .unwrap();
    }
    let all = store
        .read(move |tx| {
            tx.audit_events(&AuditQuery {
                user_id: Some(someone),
                ..AuditQuery::default()
            })
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert!(all[0].at >= all[2].at, "newest first");
    let failed = store
        .read(move |tx| {
            tx.audit_events(&AuditQuery {
                user_id: Some(someone),
                kind: Some(AuditKind::LoginFailed),
                limit: 1,
                since: None,
            })
        })
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
}

async fn failed_jobs_roll_back(store: &dyn Store) {
    let ghost = user("ghost@example.com", None);
    let id = ghost.id;
    let result: Result<(), StoreError> = store
        .write(move |tx| {
            tx.put_user(&ghost)?;
            Err(StoreError::Backend("changed my mind".to_owned()))
        })
        .await;
    assert!(result.is_err());
    assert!(store.read(move |tx| tx.user(id)).await.unwrap().is_none());
    assert!(
        store
            .read(|tx| tx.user_by_email("ghost@example.com"))
            .await
            .unwrap()
            .is_none()
    );
}

async fn concurrent_jobs_stay_isolated(store: Arc<dyn Store>) {
    // Many writers at once: the backend may batch them, but a failing job must not take
    // the others down, and every successful job must be durable.
    let mut handles = Vec::new();
    for i in 0..40 {
        let store = Arc::clone(&store);
        handles.push(tokio::spawn(async move {
            let u = user(&format!("batch{i}@example.com"), None);
            let id = u.id;
            let fail = i % 7 == 0;
            let result: Result<(), StoreError> = store
                .write(move |tx| {
                    tx.put_user(&u)?;
                    if fail {
                        Err(StoreError::Backend("planned".to_owned()))
                    } else {
                        Ok(())
                    }
                })
                .await;
            (id, fail, result.is_ok())
        }));
    }
    for handle in handles {
        let (id, fail, ok) = handle.await.unwrap();
        assert_eq!(ok, !fail);
        let stored = store.read(move |tx| tx.user(id)).await.unwrap();
        assert_eq!(stored.is_some(), !fail);
    }
}

async fn purge_removes_only_expired(store: &dyn Store) {
    let owner = UserId::random();
    let now = T0.plus(std::time::Duration::from_secs(100));
    let old = challenge(owner, T0);
    let live = challenge(owner, now.plus(std::time::Duration::from_secs(1)));
    store
        .write(move |tx| {
            tx.put_challenge(&digest(50), &old)?;
            tx.put_challenge(&digest(51), &live)
        })
        .await
        .unwrap();
    let purged = store
        .write(move |tx| tx.purge_expired(now, Timestamp::EPOCH))
        .await
        .unwrap();
    assert!(purged >= 1);
    assert!(
        store
            .read(|tx| tx.challenge(&digest(50)))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .read(|tx| tx.challenge(&digest(51)))
            .await
            .unwrap()
            .is_some()
    );
}

/// Fills `from` with one of everything, copies it into the empty `to`, and checks `to`.
pub async fn copy_preserves_everything(from: Arc<dyn Store>, to: Arc<dyn Store>) {
    install_and_tenant(&*from).await;
    let owner = user("copy@example.com", Some("copier"));
    let owner_id = owner.id;
    let later = T0.plus(std::time::Duration::from_secs(3600));
    let token = refresh_token(owner_id, later);
    let pending = challenge(owner_id, later);
    let trust = Trust {
        user_id: owner_id,
        application_id: None,
        created: T0,
        expires: later,
        security_stamp: 0,
    };
    let mut log = SendLog::default();
    log.record(T0);
    let event = AuditEvent::new(AuditKind::LoginSucceeded, T0, "x").user(owner_id);
    from.write(move |tx| {
        tx.put_user(&owner)?;
        tx.put_refresh_token(&digest(60), &token)?;
        tx.put_challenge(&digest(61), &pending)?;
        tx.put_trust(&digest(62), &trust)?;
        tx.put_send_log("sms:user:copy", &log)?;
        tx.append_audit(&event)
    })
    .await
    .unwrap();
    for i in 0..3 {
        let u = user(&format!("copy{i}@example.com"), None);
        from.write(move |tx| tx.put_user(&u)).await.unwrap();
    }

    let report = crate::store::copy::copy_all(&*from, &*to).await.unwrap();
    assert_eq!(report.users, 4);
    assert_eq!(
        (
            report.refresh_tokens,
            report.challenges,
            report.trusts,
            report.send_logs,
            report.audit_events
        ),
        (1, 1, 1, 1, 1)
    );

    assert!(to.read(|tx| tx.install()).await.unwrap().is_some());
    assert!(to.read(|tx| tx.tenant()).await.unwrap().is_some());
    let copied = to
        .read(|tx| tx.user_by_username("copier"))
        .await
        .unwrap()
        .expect("indexes rebuilt");
    assert_eq!(copied.id, owner_id);
    assert_eq!(
        to.read(move |tx| tx.refresh_tokens_of(owner_id))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        to.read(|tx| tx.challenge(&digest(61)))
            .await
            .unwrap()
            .is_some()
    );
    assert!(to.read(|tx| tx.trust(&digest(62))).await.unwrap().is_some());
    assert_eq!(
        to.read(|tx| tx.send_log("sms:user:copy"))
            .await
            .unwrap()
            .sends
            .len(),
        1
    );
    assert_eq!(
        to.read(|tx| tx.audit_page(None, 10)).await.unwrap().len(),
        1
    );
}

/// Two handles on one store (two nodes on one database, or the same embedded store twice):
/// read-modify-write jobs running at once lose no update, and a record consumed by many
/// jobs at once is consumed by exactly one of them.
pub async fn concurrent_nodes_stay_correct(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    const JOBS: usize = 24;
    let mut handles = Vec::new();
    for i in 0..JOBS {
        let store = Arc::clone(if i % 2 == 0 { &a } else { &b });
        handles.push(tokio::spawn(async move {
            store
                .write(move |tx| {
                    let mut log = tx.send_log("shared-counter")?;
                    log.sends.push(T0);
                    tx.put_send_log("shared-counter", &log)
                })
                .await
        }));
    }
    for handle in handles {
        handle.await.unwrap().unwrap();
    }
    let log = a.read(|tx| tx.send_log("shared-counter")).await.unwrap();
    assert_eq!(log.sends.len(), JOBS, "every increment counted once");

    let owner = UserId::random();
    let pending = challenge(owner, T0.plus(std::time::Duration::from_secs(600)));
    a.write(move |tx| tx.put_challenge(&digest(90), &pending))
        .await
        .unwrap();
    let mut handles = Vec::new();
    for i in 0..JOBS {
        let store = Arc::clone(if i % 2 == 0 { &a } else { &b });
        handles.push(tokio::spawn(async move {
            store
                .write(|tx| {
                    // Read, decide, then consume: what a code check does.
                    if tx.challenge(&digest(90))?.is_none() {
                        return Ok(false);
                    }
                    tx.delete_challenge(&digest(90))
                })
                .await
        }));
    }
    let mut consumed = 0;
    for handle in handles {
        if handle.await.unwrap().unwrap() {
            consumed += 1;
        }
    }
    assert_eq!(consumed, 1, "exactly one job consumed the challenge");
}
