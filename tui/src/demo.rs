//! The offline demo, `twofold --demo`: a real twofoldd embedded in this process, so a newcomer can
//! sign in with SMS two-factor without installing or configuring anything and without a network.
//!
//! [`Demo::start`] creates a temporary directory (`twofold-demo-*` under the system temp dir) with
//! a kickstart file holding a fresh random API key, starts the daemon on a free loopback port with
//! its data in `<dir>/data` and the console SMS provider (every "SMS" is appended to
//! `<dir>/data/outbox.jsonl`), then seeds, over the daemon's own HTTP API with that key, an
//! application and a user with SMS two-factor ([`DEMO_EMAIL`], [`DEMO_PASSWORD`], [`DEMO_PHONE`]).
//! [`Demo::app_config`] is what the client then runs with: the daemon's URL, the application, the
//! API key (so F2 Twilio setup and F3 enrolment work too), the outbox for the Phone panel and the
//! demo account to show and fill in. [`Demo::stop`] shuts the daemon down and deletes the
//! directory; [`Demo::remove_on_panic`] makes a panic delete it too.
//!
//! The daemon's log goes to `<dir>/daemon.log` at level `warn`, never to the terminal the UI is
//! drawn on. This is the only module of the client that imports `daemon`; the client itself still
//! talks to it over HTTP with its own wire structs.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context as _, anyhow};
use daemon::config::{Config as DaemonConfig, Sources};
use daemon::{Daemon, Options};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpListener;

use crate::app::{Config, DemoAccount};

/// The demo user's login id.
pub const DEMO_EMAIL: &str = "demo@twofold.local";
/// The demo user's password: shown on screen, it protects nothing but a throw-away store.
pub const DEMO_PASSWORD: &str = "twofold-demo";
/// The demo user's phone: a valid US number from the 555-01xx fictional range.
pub const DEMO_PHONE: &str = "+12025550100";
/// The name of the seeded application.
pub const DEMO_APPLICATION: &str = "twofold demo";
/// The prefix of the temporary directory's name.
pub const DIR_PREFIX: &str = "twofold-demo-";

/// A running demo daemon and its temporary directory.
pub struct Demo {
    daemon: Daemon,
    dir: TempDir,
    api_key: String,
    application_id: String,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("url", &self.daemon.url())
            .field("dir", &self.dir.path())
            .field("application_id", &self.application_id)
            .finish_non_exhaustive()
    }
}

impl Demo {
    /// Starts the daemon and seeds it. On failure nothing is left behind: the daemon is stopped
    /// and the directory removed.
    pub async fn start() -> anyhow::Result<Demo> {
        let dir = tempfile::Builder::new()
            .prefix(DIR_PREFIX)
            .tempdir()
            .context("cannot create a temporary directory for the demo")?;
        log_to_file(&dir.path().join("daemon.log"));

        let api_key = daemon::crypto::random::token::<32>()
            .map_err(|e| anyhow!("cannot draw a random API key: {e}"))?;
        let kickstart = dir.path().join("kickstart.json");
        let kickstart_body =
            json!({"apiKeys": [{"key": api_key, "description": "twofold --demo"}]});
        std::fs::write(&kickstart, kickstart_body.to_string())
            .with_context(|| format!("cannot write {}", kickstart.display()))?;

        // Defaults only: the user's TWOFOLD_* variables are for their own daemon, not this one.
        let mut config = DaemonConfig::load(&Sources::default())
            .context("the daemon's default configuration is invalid")?;
        config.store.data_dir = dir.path().join("data");
        config.kickstart = Some(kickstart);
        config.log.level = "warn".to_owned();
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        config.server.listen = loopback;

        let listener = TcpListener::bind(loopback)
            .await
            .context("cannot listen on a loopback port")?;
        let daemon = Daemon::start_on(listener, config, Options::default())
            .await
            .context("the demo daemon did not start")?;
        let mut demo = Demo {
            daemon,
            dir,
            api_key,
            application_id: String::new(),
        };
        match demo.seed().await {
            Ok(application_id) => {
                demo.application_id = application_id;
                Ok(demo)
            }
            Err(error) => {
                // Best effort: the seeding error is the one worth reporting.
                let _ = demo.stop().await;
                Err(error.context("cannot seed the demo daemon"))
            }
        }
    }

    /// Creates the application and the user with SMS two-factor; returns the application's id.
    async fn seed(&self) -> anyhow::Result<String> {
        let http = reqwest::Client::new();
        let application = self
            .post(
                &http,
                "/api/application",
                json!({"application": {"name": DEMO_APPLICATION}}),
            )
            .await?;
        let application_id = application["application"]["id"]
            .as_str()
            .ok_or_else(|| anyhow!("the new application has no id: {application}"))?
            .to_owned();
        self.post(
            &http,
            "/api/user/registration",
            json!({
                "user": {
                    "email": DEMO_EMAIL,
                    "password": DEMO_PASSWORD,
                    "firstName": "Demo",
                    "lastName": "User",
                    "twoFactor": {"methods": [{"method": "sms", "mobilePhone": DEMO_PHONE}]}
                },
                "registration": {"applicationId": application_id}
            }),
        )
        .await?;
        Ok(application_id)
    }

    async fn post(&self, http: &reqwest::Client, path: &str, body: Value) -> anyhow::Result<Value> {
        let response = http
            .post(format!("{}{path}", self.url()))
            .header(reqwest::header::AUTHORIZATION, &self.api_key)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .with_context(|| format!("POST {path}"))?;
        if !status.is_success() {
            return Err(anyhow!("POST {path} answered {status}: {text}"));
        }
        serde_json::from_str(&text).with_context(|| format!("POST {path} answered {text:?}"))
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.daemon.url()
    }

    /// The API key the kickstart file created.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub fn application_id(&self) -> &str {
        &self.application_id
    }

    /// The temporary directory (data, kickstart file, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The console provider's outbox, which the Phone panel shows.
    pub fn outbox(&self) -> PathBuf {
        self.dir.path().join("data").join("outbox.jsonl")
    }

    /// The client's configuration for this demo.
    pub fn app_config(&self) -> Config {
        Config {
            url: self.url(),
            application_id: Some(self.application_id.clone()),
            has_api_key: true,
            outbox: Some(self.outbox()),
            demo: Some(DemoAccount {
                login_id: DEMO_EMAIL.to_owned(),
                password: DEMO_PASSWORD.to_owned(),
                phone: DEMO_PHONE.to_owned(),
            }),
        }
    }

    /// Makes a panic (anywhere in the process) delete the temporary directory before the panic
    /// message is printed. Install it before `terminal::init`, whose hook then runs first
    /// (restoring the terminal), calls this one, and exits.
    pub fn remove_on_panic(&self) {
        let dir = self.dir.path().to_owned();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = std::fs::remove_dir_all(&dir);
            previous(info);
        }));
    }

    /// Stops the daemon (letting in-flight requests finish) and deletes the temporary directory.
    /// Returns the directory's path, which no longer exists.
    pub async fn stop(self) -> anyhow::Result<PathBuf> {
        self.daemon.shutdown().await;
        let path = self.dir.path().to_owned();
        self.dir
            .close()
            .with_context(|| format!("cannot remove the demo data in {}", path.display()))?;
        Ok(path)
    }
}

/// Sends the process's tracing output (the embedded daemon's log) to `path`, at `warn`. If the
/// file cannot be created, or a subscriber is already installed, logs go nowhere: never to the
/// terminal the UI is drawn on.
fn log_to_file(path: &Path) {
    let Ok(file) = std::fs::File::create(path) else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn starts_seeded_and_stops_without_a_trace() -> anyhow::Result<()> {
        let demo = Demo::start().await?;
        let dir = demo.dir().to_owned();
        assert!(dir.join("data").is_dir());
        assert!(
            demo.api_key().len() >= 32,
            "the kickstart needs a long API key"
        );
        let config = demo.app_config();
        assert_eq!(config.url, demo.url());
        assert_eq!(config.outbox, Some(dir.join("data").join("outbox.jsonl")));

        // The seeded user gets a 242 and a code in the outbox.
        let client = crate::client::ApiClient::new(&demo.url(), Some(demo.api_key().to_owned()))?;
        let outcome = client
            .login(&crate::client::wire::LoginRequest {
                login_id: DEMO_EMAIL.to_owned(),
                password: DEMO_PASSWORD.into(),
                application_id: Some(demo.application_id().to_owned()),
                two_factor_trust_id: None,
            })
            .await?;
        assert!(
            matches!(outcome, crate::client::LoginOutcome::TwoFactorRequired(_)),
            "{outcome:?}"
        );
        let outbox = crate::outbox::read_new(&demo.outbox(), 0).await;
        assert_eq!(outbox.entries.len(), 1, "{outbox:?}");
        assert_eq!(outbox.entries[0].to, DEMO_PHONE);

        let removed = demo.stop().await?;
        assert_eq!(removed, dir);
        assert!(!dir.exists(), "{} is left behind", dir.display());
        Ok(())
    }
}
