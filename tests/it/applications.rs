//! `/api/application` and `/api/api-key`.

use reqwest::Method;
use serde_json::json;
use tests::harness::TestDaemon;

#[tokio::test]
async fn application_lifecycle() {
    let daemon = TestDaemon::start().await;
    let id = uuid::Uuid::new_v4();
    let created = daemon
        .admin(
            Method::POST,
            &format!("/api/application/{id}"),
            Some(json!({"application": {"name": "Pizza", "roles": [{"name": "chef", "isDefault": true}],
                                         "jwtConfiguration": {"timeToLiveInSeconds": 600}}})),
        )
        .await
        .expect(200);
    assert_eq!(created["application"]["id"], json!(id));
    assert_eq!(
        created["application"]["loginConfiguration"]["requireAuthentication"],
        json!(false)
    );
    assert_eq!(
        created["application"]["loginConfiguration"]["generateRefreshTokens"],
        json!(true)
    );
    let dup = daemon
        .admin(
            Method::POST,
            "/api/application",
            Some(json!({"application": {"name": "pizza"}})),
        )
        .await;
    assert_eq!(
        dup.field_error("application.name").as_deref(),
        Some("[duplicate]application.name")
    );
    let blank = daemon
        .admin(
            Method::POST,
            "/api/application",
            Some(json!({"application": {"name": " "}})),
        )
        .await;
    assert_eq!(
        blank.field_error("application.name").as_deref(),
        Some("[blank]application.name")
    );

    let list = daemon
        .admin(Method::GET, "/api/application", None)
        .await
        .expect(200);
    assert_eq!(list["applications"].as_array().map(Vec::len), Some(1));
    let patched = daemon
        .admin(
            Method::PATCH,
            &format!("/api/application/{id}"),
            Some(json!({"application": {"roles": ["waiter"]}})),
        )
        .await
        .expect(200);
    assert_eq!(
        patched["application"]["roles"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        patched["application"]["jwtConfiguration"]["timeToLiveInSeconds"],
        json!(600)
    );

    // The token lifetime comes from the application.
    daemon
        .create_user("chef@example.com", "mozzarella", &id.to_string(), None)
        .await;
    let login = daemon
        .login("chef@example.com", "mozzarella", Some(&id.to_string()))
        .await
        .expect(200);
    let c = tests::harness::claims(login["token"].as_str().unwrap());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 600);
    assert_eq!(c["roles"], json!(["chef"]));

    daemon
        .admin(Method::DELETE, &format!("/api/application/{id}"), None)
        .await
        .assert_empty(200);
    let deactivated = daemon
        .admin(Method::GET, &format!("/api/application/{id}"), None)
        .await
        .expect(200);
    assert_eq!(deactivated["application"]["active"], json!(false));
    daemon
        .admin(
            Method::DELETE,
            &format!("/api/application/{id}?hardDelete=true"),
            None,
        )
        .await
        .assert_empty(200);
    daemon
        .admin(Method::GET, &format!("/api/application/{id}"), None)
        .await
        .assert_empty(404);
}

#[tokio::test]
async fn api_keys_are_shown_once_and_work_until_deleted() {
    let daemon = TestDaemon::start().await;
    let created = daemon
        .admin(
            Method::POST,
            "/api/api-key",
            Some(json!({"apiKey": {"metaData": {"attributes": {"description": "ci"}}}})),
        )
        .await
        .expect(200);
    let key = created["apiKey"]["key"].as_str().unwrap().to_owned();
    let id = created["apiKey"]["id"].as_str().unwrap().to_owned();
    daemon
        .request(Method::GET, "/api/application", Some(&key), None)
        .await
        .expect(200);
    let read = daemon
        .admin(Method::GET, &format!("/api/api-key/{id}"), None)
        .await
        .expect(200);
    assert!(
        read["apiKey"]["key"].is_null(),
        "the raw key is never shown again"
    );
    daemon
        .admin(Method::DELETE, &format!("/api/api-key/{id}"), None)
        .await
        .assert_empty(200);
    daemon
        .request(Method::GET, "/api/application", Some(&key), None)
        .await
        .assert_empty(401);
    let short = daemon
        .admin(
            Method::POST,
            "/api/api-key",
            Some(json!({"apiKey": {"key": "short"}})),
        )
        .await;
    assert_eq!(
        short.field_error("apiKey.key").as_deref(),
        Some("[invalid]apiKey.key")
    );
}
