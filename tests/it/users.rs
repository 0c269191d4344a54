//! `/api/user` and `/api/user/registration`.

use reqwest::Method;
use serde_json::json;
use tests::harness::TestDaemon;

#[tokio::test]
async fn create_read_and_find_a_user() {
    let daemon = TestDaemon::start().await;
    let id = uuid::Uuid::new_v4();
    let reply = daemon
        .admin(
            Method::POST,
            &format!("/api/user/{id}"),
            Some(json!({"user": {"email": "Tank@Example.com", "username": "tank", "password": "operator two",
                                  "firstName": "Tank", "mobilePhone": "+1 (202) 555-0143", "data": {"crew": true}}})),
        )
        .await;
    let user = reply.expect(200)["user"].clone();
    assert_eq!(user["id"], json!(id));
    assert_eq!(user["email"], json!("tank@example.com"));
    assert_eq!(user["mobilePhone"], json!("+12025550143"));
    assert_eq!(user["data"], json!({"crew": true}));
    assert!(user.get("password").is_none() && !reply.json().to_string().contains("argon2"));

    for query in [
        "email=TANK@example.com",
        "username=TANK",
        "loginId=tank",
        "loginId=tank@example.com",
    ] {
        let found = daemon
            .admin(Method::GET, &format!("/api/user?{query}"), None)
            .await
            .expect(200);
        assert_eq!(found["user"]["id"], json!(id), "{query}");
    }
    daemon
        .admin(Method::GET, &format!("/api/user/{id}"), None)
        .await
        .expect(200);
    daemon
        .admin(Method::GET, "/api/user?email=ghost@example.com", None)
        .await
        .assert_empty(404);
    daemon
        .admin(
            Method::GET,
            &format!("/api/user/{}", uuid::Uuid::new_v4()),
            None,
        )
        .await
        .assert_empty(404);
    let bad = daemon
        .admin(Method::GET, "/api/user/not-a-uuid", None)
        .await;
    assert_eq!(
        bad.field_error("userId").as_deref(),
        Some("[couldNotConvert]userId")
    );
}

#[tokio::test]
async fn validation_errors_use_fusionauth_codes() {
    let daemon = TestDaemon::start().await;
    let create = |user: serde_json::Value| {
        daemon.admin(Method::POST, "/api/user", Some(json!({"user": user})))
    };
    assert_eq!(
        create(json!({"email": "not-an-email", "password": "long enough"}))
            .await
            .field_error("user.email")
            .as_deref(),
        Some("[notEmail]user.email")
    );
    assert_eq!(
        create(json!({"email": "a@b.co", "password": "short"}))
            .await
            .field_error("user.password")
            .as_deref(),
        Some("[tooShort]user.password")
    );
    assert_eq!(
        create(json!({"email": "a@b.co"}))
            .await
            .field_error("user.password")
            .as_deref(),
        Some("[blank]user.password")
    );
    assert_eq!(
        create(json!({"password": "long enough"}))
            .await
            .field_error("user.email")
            .as_deref(),
        Some("[blank]user.email")
    );
    assert_eq!(
        create(json!({"email": "a@b.co", "password": "long enough", "mobilePhone": "12"}))
            .await
            .field_error("user.mobilePhone")
            .as_deref(),
        Some("[invalid]user.mobilePhone")
    );
    create(json!({"email": "dup@example.com", "password": "long enough"}))
        .await
        .expect(200);
    assert_eq!(
        create(json!({"email": "DUP@example.com", "password": "long enough"}))
            .await
            .field_error("user.email")
            .as_deref(),
        Some("[duplicate]user.email")
    );
    let malformed = daemon
        .request(
            Method::POST,
            "/api/user",
            Some(tests::harness::API_KEY),
            None,
        )
        .await;
    assert_eq!(malformed.general_error().as_deref(), Some("[invalid]"));
}

#[tokio::test]
async fn admin_calls_without_a_valid_key_are_401_with_an_empty_body() {
    let daemon = TestDaemon::start().await;
    daemon
        .anonymous(Method::GET, "/api/user?email=a@b.co", None)
        .await
        .assert_empty(401);
    daemon
        .request(
            Method::GET,
            "/api/user?email=a@b.co",
            Some("wrong-key"),
            None,
        )
        .await
        .assert_empty(401);
    daemon
        .anonymous(
            Method::POST,
            "/api/application",
            Some(json!({"application": {"name": "x"}})),
        )
        .await
        .assert_empty(401);
    daemon
        .request(Method::GET, "/api/application", Some("Bearer abc"), None)
        .await
        .assert_empty(401);
}

#[tokio::test]
async fn put_replaces_and_patch_merges() {
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("App").await;
    let id = daemon
        .create_user("niobe@example.com", "logos captain", &app, None)
        .await;
    let put = daemon
        .admin(
            Method::PUT,
            &format!("/api/user/{id}"),
            Some(json!({"user": {"email": "niobe@zion.example", "firstName": "Niobe"}})),
        )
        .await
        .expect(200);
    assert_eq!(put["user"]["email"], json!("niobe@zion.example"));
    assert!(put["user"].get("lastName").is_none(), "PUT replaces");
    let patched = daemon
        .admin(
            Method::PATCH,
            &format!("/api/user/{id}"),
            Some(json!({"user": {"lastName": "Captain"}})),
        )
        .await
        .expect(200);
    assert_eq!(patched["user"]["firstName"], json!("Niobe"));
    assert_eq!(patched["user"]["lastName"], json!("Captain"));
    // The registration survives both, and the old password still works.
    assert_eq!(
        patched["user"]["registrations"].as_array().map(Vec::len),
        Some(1)
    );
    daemon
        .login("niobe@zion.example", "logos captain", Some(&app))
        .await
        .expect(200);
    // A new password through PATCH replaces the old one.
    daemon
        .admin(
            Method::PATCH,
            &format!("/api/user/{id}"),
            Some(json!({"user": {"password": "a brand new one"}})),
        )
        .await
        .expect(200);
    daemon
        .login("niobe@zion.example", "logos captain", Some(&app))
        .await
        .assert_empty(404);
    daemon
        .login("niobe@zion.example", "a brand new one", Some(&app))
        .await
        .expect(200);
}

#[tokio::test]
async fn hard_delete_removes_the_user() {
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("App").await;
    let id = daemon
        .create_user("ghost@example.com", "boo boo boo", &app, None)
        .await;
    daemon
        .admin(
            Method::DELETE,
            &format!("/api/user/{id}?hardDelete=true"),
            None,
        )
        .await
        .assert_empty(200);
    daemon
        .admin(Method::GET, &format!("/api/user/{id}"), None)
        .await
        .assert_empty(404);
    daemon
        .login("ghost@example.com", "boo boo boo", Some(&app))
        .await
        .assert_empty(404);
    daemon
        .admin(Method::DELETE, &format!("/api/user/{id}"), None)
        .await
        .assert_empty(404);
    // The e-mail is free again.
    daemon
        .create_user("ghost@example.com", "boo boo boo", &app, None)
        .await;
}

#[tokio::test]
async fn registrations_can_be_added_read_and_removed() {
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("First").await;
    let second = daemon.create_application("Second").await;
    let id = daemon
        .create_user("oracle@example.com", "cookies please", &app, None)
        .await;
    let reply = daemon
        .admin(
            Method::POST,
            &format!("/api/user/registration/{id}"),
            Some(json!({"registration": {"applicationId": second, "roles": ["admin"]}})),
        )
        .await
        .expect(200);
    assert_eq!(reply["registration"]["roles"], json!(["admin"]));
    let again = daemon
        .admin(
            Method::POST,
            &format!("/api/user/registration/{id}"),
            Some(json!({"registration": {"applicationId": second}})),
        )
        .await;
    assert_eq!(
        again.general_error().as_deref(),
        Some("[duplicate]registration")
    );
    let bad_role = daemon
        .admin(
            Method::POST,
            &format!("/api/user/registration/{id}"),
            Some(json!({"registration": {"applicationId": uuid::Uuid::new_v4()}})),
        )
        .await;
    assert_eq!(
        bad_role
            .field_error("registration.applicationId")
            .as_deref(),
        Some("[invalid]registration.applicationId")
    );
    daemon
        .admin(
            Method::GET,
            &format!("/api/user/registration/{id}/{second}"),
            None,
        )
        .await
        .expect(200);
    daemon
        .admin(
            Method::DELETE,
            &format!("/api/user/registration/{id}/{second}"),
            None,
        )
        .await
        .assert_empty(200);
    daemon
        .admin(
            Method::GET,
            &format!("/api/user/registration/{id}/{second}"),
            None,
        )
        .await
        .assert_empty(404);
    daemon
        .login("oracle@example.com", "cookies please", Some(&second))
        .await
        .expect(202);
}
