//! The running daemon's shared state: configuration, store, clock, keys, hashing pool and
//! signing keys. Built once at start-up ([`crate::service::bootstrap`]) and passed by `Arc`;
//! there are no globals, so one process can run many daemons (the tests do).

use std::sync::{Arc, RwLock};

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Keyring;
use crate::crypto::jwt::JwtKeys;
use crate::crypto::password::HashPool;
use crate::domain::time::Timestamp;
use crate::domain::user::PasswordRules;
use crate::http::rate_limit::RateLimiter;
use crate::metrics::{MeasuredStore, Metrics};
use crate::service::sms::SmsGateway;
use crate::store::Store;

pub struct App {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub keyring: Keyring,
    pub passwords: HashPool,
    pub sms: SmsGateway,
    pub limiter: RateLimiter,
    pub metrics: Metrics,
    /// Browser origins allowed by CORS; replaced on a configuration reload (SIGHUP).
    cors: RwLock<Arc<Vec<String>>>,
    /// Replaced as a whole when keys rotate.
    jwt: RwLock<Arc<JwtKeys>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.store.kind())
            .field("keyring", &self.keyring)
            .finish_non_exhaustive()
    }
}

impl App {
    pub fn new(
        config: Arc<Config>,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        keyring: Keyring,
        passwords: HashPool,
        sms: SmsGateway,
        jwt: JwtKeys,
    ) -> Self {
        let limiter = RateLimiter::new(config.rate_limits.clone());
        let mut metrics = Metrics::new();
        metrics.watch_pool(passwords.clone());
        let store = MeasuredStore::wrap(store, &metrics);
        let cors = RwLock::new(Arc::new(config.server.cors_allowed_origins.clone()));
        Self {
            limiter,
            metrics,
            cors,
            config,
            store,
            clock,
            keyring,
            passwords,
            sms,
            jwt: RwLock::new(Arc::new(jwt)),
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn jwt(&self) -> Arc<JwtKeys> {
        match self.jwt.read() {
            Ok(keys) => Arc::clone(&keys),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub fn set_jwt(&self, keys: JwtKeys) {
        match self.jwt.write() {
            Ok(mut slot) => *slot = Arc::new(keys),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(keys),
        }
    }

    /// The CORS origins in force (the configured ones, or those of the last reload).
    pub fn cors_origins(&self) -> Arc<Vec<String>> {
        match self.cors.read() {
            Ok(origins) => Arc::clone(&origins),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Applies what can change while running (SIGHUP): CORS origins and rate limits. The
    /// log level is the command line's business; everything else needs a restart.
    pub fn reload(&self, config: &Config) {
        let origins = Arc::new(config.server.cors_allowed_origins.clone());
        match self.cors.write() {
            Ok(mut slot) => *slot = origins,
            Err(poisoned) => *poisoned.into_inner() = origins,
        }
        self.limiter.set_config(config.rate_limits.clone());
    }

    pub fn password_rules(&self) -> PasswordRules {
        PasswordRules {
            min_length: self.config.security.password_min_length,
            max_length: self.config.security.password_max_length,
        }
    }
}
