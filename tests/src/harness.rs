//! `TestDaemon`: the real daemon in-process on `127.0.0.1:0` with a temporary data
//! directory, a manual clock, cheap Argon2 parameters, the console SMS provider and an API
//! key from a kickstart file. Requests go over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use daemon::clock::ManualClock;
use daemon::config::{Config, Sources};
use daemon::{Daemon, Options};
use providers::console::{OutboxMessage, read_outbox};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpListener;

pub const API_KEY: &str = "test-api-key-0123456789-0123456789-abcdef";

/// A response as the tests see it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
    }

    /// An empty body with no JSON content type (FusionAuth's empty responses).
    #[track_caller]
    pub fn assert_empty(&self, status: u16) {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.body.is_empty(),
            "expected an empty body, got {:?}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.content_type().is_none(),
            "an empty body must not claim a content type"
        );
    }

    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// The first field error code for `field`.
    pub fn field_error(&self, field: &str) -> Option<String> {
        self.json()["fieldErrors"][field][0]["code"]
            .as_str()
            .map(str::to_owned)
    }

    pub fn general_error(&self) -> Option<String> {
        self.json()["generalErrors"][0]["code"]
            .as_str()
            .map(str::to_owned)
    }
}

pub struct TestDaemon {
    daemon: Option<Daemon>,
    pub dir: TempDir,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    pub url: String,
    configure: Arc<dyn Fn(&mut Config) + Send + Sync>,
}

/// Cheap hashing keeps the suite fast; the code path is the production one.
pub fn test_config(data_dir: PathBuf, kickstart: PathBuf) -> Config {
    let mut config = Config::load(&Sources::default()).expect("defaults");
    config.store.data_dir = data_dir;
    config.kickstart = Some(kickstart);
    config.security.argon2_memory_kib = 256;
    config.security.argon2_iterations = 1;
    config.security.hash_workers = 2;
    config.security.hash_queue = 64;
    config.log.level = "warn".to_owned();
    config
}

impl TestDaemon {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl Fn(&mut Config) + Send + Sync + 'static) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let kickstart = dir.path().join("kickstart.json");
        std::fs::write(
            &kickstart,
            json!({"apiKeys": [{"key": API_KEY, "description": "tests"}]}).to_string(),
        )
        .expect("kickstart");
        let clock = Arc::new(ManualClock::starting_now());
        let configure: Arc<dyn Fn(&mut Config) + Send + Sync> = Arc::new(configure);
        let daemon = Self::boot(&dir, &clock, &configure).await;
        let url = daemon.url();
        Self {
            daemon: Some(daemon),
            dir,
            clock,
            http: reqwest::Client::new(),
            url,
            configure,
        }
    }

    async fn boot(
        dir: &TempDir,
        clock: &Arc<ManualClock>,
        configure: &Arc<dyn Fn(&mut Config) + Send + Sync>,
    ) -> Daemon {
        let mut config = test_config(dir.path().join("data"), dir.path().join("kickstart.json"));
        configure(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let clock: Arc<dyn daemon::clock::Clock> =
            Arc::clone(clock) as Arc<dyn daemon::clock::Clock>;
        Daemon::start_on(listener, config, Options { clock })
            .await
            .expect("daemon starts")
    }

    pub fn daemon(&self) -> &Daemon {
        self.daemon.as_ref().expect("running")
    }

    /// Stops the daemon (as on SIGTERM) and starts a new one on the same data directory.
    pub async fn restart(&mut self) {
        if let Some(daemon) = self.daemon.take() {
            daemon.shutdown().await;
        }
        let daemon = Self::boot(&self.dir, &self.clock, &self.configure).await;
        self.url = daemon.url();
        self.http = reqwest::Client::new();
        self.daemon = Some(daemon);
    }

    /// Stops the daemon and hands back its directory (data, key, outbox) for inspection.
    /// Restarts with a different configuration (kept for later restarts too).
    pub async fn restart_with(&mut self, configure: impl Fn(&mut Config) + Send + Sync + 'static) {
        self.configure = Arc::new(configure);
        self.restart().await;
    }

    pub async fn stop(mut self) -> TempDir {
        if let Some(daemon) = self.daemon.take() {
            daemon.shutdown().await;
        }
        let placeholder = tempfile::tempdir().expect("tempdir");
        std::mem::replace(&mut self.dir, placeholder)
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    pub fn outbox_path(&self) -> PathBuf {
        self.dir.path().join("data").join("outbox.jsonl")
    }

    pub fn outbox(&self) -> Vec<OutboxMessage> {
        read_outbox(self.outbox_path()).expect("outbox")
    }

    /// The 6-digit code in the last SMS to `to`.
    pub fn last_code_to(&self, to: &str) -> String {
        let message = self
            .outbox()
            .into_iter()
            .rev()
            .find(|m| m.to == to)
            .unwrap_or_else(|| panic!("no SMS to {to}"));
        extract_code(&message.body)
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(key) = key {
            request = request.header("Authorization", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("body");
        Reply {
            status,
            headers,
            body,
        }
    }

    /// With the admin API key.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Reply {
        self.request(method, path, Some(API_KEY), body).await
    }

    /// Without any credentials.
    pub async fn anonymous(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        self.request(method, path, None, body).await
    }

    /// Verifies `token` with nothing but this daemon's published JWKS, as a resource server
    /// would, and returns its claims. Panics when the key is not published or the token fails.
    pub async fn verify_with_jwks(
        &self,
        token: &str,
        validation: &jsonwebtoken::Validation,
    ) -> Value {
        let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(
            self.anonymous(reqwest::Method::GET, "/.well-known/jwks.json", None)
                .await
                .expect(200),
        )
        .expect("a JWK set");
        let kid = jsonwebtoken::decode_header(token)
            .expect("a JWT header")
            .kid
            .expect("a kid");
        let jwk = jwks.find(&kid).expect("the signing key is published");
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).expect("a usable key");
        jsonwebtoken::decode::<Value>(token, &key, validation)
            .expect("the token verifies")
            .claims
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.anonymous(reqwest::Method::POST, path, Some(body))
            .await
    }

    pub async fn create_application(&self, name: &str) -> String {
        let reply = self
            .admin(
                reqwest::Method::POST,
                "/api/application",
                Some(json!({"application": {"name": name, "roles": ["admin", {"name": "user", "isDefault": true}]}})),
            )
            .await;
        reply.expect(200)["application"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Creates a user registered for `application_id`, with SMS two-factor to `phone` if given.
    pub async fn create_user(
        &self,
        email: &str,
        password: &str,
        application_id: &str,
        phone: Option<&str>,
    ) -> String {
        let mut user =
            json!({"email": email, "password": password, "firstName": "Test", "lastName": "User"});
        if let Some(phone) = phone {
            user["mobilePhone"] = json!(phone);
            user["twoFactor"] = json!({"methods": [{"method": "sms", "mobilePhone": phone}]});
        }
        let reply = self
            .admin(
                reqwest::Method::POST,
                "/api/user/registration",
                Some(json!({"user": user, "registration": {"applicationId": application_id}})),
            )
            .await;
        reply.expect(200)["user"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    pub async fn login(
        &self,
        login_id: &str,
        password: &str,
        application_id: Option<&str>,
    ) -> Reply {
        let mut body = json!({"loginId": login_id, "password": password});
        if let Some(app) = application_id {
            body["applicationId"] = json!(app);
        }
        self.post("/api/login", body).await
    }

    pub async fn two_factor_login(&self, two_factor_id: &str, code: &str) -> Reply {
        self.post(
            "/api/two-factor/login",
            json!({"twoFactorId": two_factor_id, "code": code}),
        )
        .await
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        if let Some(daemon) = &self.daemon {
            daemon.trigger_shutdown();
        }
    }
}

/// The first run of six digits in an SMS body.
pub fn extract_code(body: &str) -> String {
    let bytes = body.as_bytes();
    for start in 0..bytes.len() {
        let run: String = body[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if run.len() == 6 && (start == 0 || !bytes[start - 1].is_ascii_digit()) {
            return run;
        }
    }
    panic!("no 6-digit code in {body:?}");
}

/// Decodes a JWT's claims without checking it (checks are the test's job).
pub fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}
