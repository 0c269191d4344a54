//! Configuration: one TOML file, environment variables and command-line flags, in that
//! order of precedence (flag > env > file > default). Loading validates everything and
//! names the offending key; no other module reads files or the environment for settings.
//!
//! Environment: `TWOFOLD_<SECTION>__<KEY>` sets `[section] key` (e.g.
//! `TWOFOLD_SERVER__MAX_BODY_BYTES=2097152`), plus the short forms in [`ENV_ALIASES`].
//! Any variable ending in `_FILE` reads the value from that file (for secrets and systemd
//! credentials). Relative paths in the file are relative to the file's folder.

mod env;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::crypto::password::Argon2Cost;
use crate::domain::rate::Limit;
use crate::domain::secret::SecretString;
use crate::domain::signing_key::JwtAlgorithm;

/// Short environment variables and the keys they set.
pub const ENV_ALIASES: &[(&str, &str)] = &[
    ("TWOFOLD_LISTEN", "server.listen"),
    ("TWOFOLD_DATA_DIR", "store.data_dir"),
    ("TWOFOLD_KICKSTART", "kickstart"),
    ("TWOFOLD_LOG_LEVEL", "log.level"),
    ("TWOFOLD_LOG_FORMAT", "log.format"),
    ("TWOFOLD_MASTER_KEY_FILE", "security.master_key_file"),
];

/// Keys holding paths: relative values from the file are resolved against its folder.
const PATH_KEYS: &[&str] = &[
    "kickstart",
    "store.data_dir",
    "security.master_key_file",
    "sms.outbox",
];

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// A FusionAuth-style kickstart file applied once to an empty store.
    pub kickstart: Option<PathBuf>,
    pub server: ServerConfig,
    pub store: StoreConfig,
    pub security: SecurityConfig,
    pub sms: SmsConfig,
    pub rate_limits: RateLimitConfig,
    pub log: LogConfig,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// A separate address serving only `GET /metrics`, without an API key.
    pub metrics_listen: Option<SocketAddr>,
    /// Request bodies above this get 413.
    pub max_body_bytes: usize,
    /// Time allowed for a client to send the request line and headers.
    pub header_read_timeout_secs: u64,
    /// Time allowed for a client to send the body.
    pub body_read_timeout_secs: u64,
    pub max_headers: usize,
    /// Open connections beyond this wait to be accepted.
    pub max_connections: usize,
    /// On SIGTERM, how long in-flight requests may take to finish.
    pub shutdown_grace_secs: u64,
    /// Origins allowed to call the API from a browser (`*` for any).
    pub cors_allowed_origins: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (IP addresses or CIDR ranges).
    pub trusted_proxies: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 9011)),
            metrics_listen: None,
            max_body_bytes: 1024 * 1024,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            max_headers: 64,
            max_connections: 1024,
            shutdown_grace_secs: 10,
            cors_allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    Redb,
    /// A shared PostgreSQL database (several nodes), at `store.url`.
    Postgres,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub kind: StoreKind,
    pub data_dir: PathBuf,
    /// Writes are refused (503) while the data volume has less free space than this.
    pub min_free_bytes: u64,
    /// PostgreSQL connection URL (`kind = "postgres"`); set it through
    /// `TWOFOLD_STORE__URL_FILE` (or a systemd credential) to keep the password out of files.
    #[serde(serialize_with = "masked")]
    pub url: Option<SecretString>,
    /// PostgreSQL connections per node.
    pub pool_size: usize,
    pub connect_timeout_secs: u64,
    /// redb's page cache, in MiB (filled as pages are read; the OS caches the file as well).
    pub cache_mib: u64,
}

/// Serialises a secret as a placeholder, so a printed configuration never shows it.
fn masked<S: serde::Serializer>(value: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(_) => s.serialize_some("[redacted]"),
        None => s.serialize_none(),
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            kind: StoreKind::Redb,
            data_dir: PathBuf::from("./twofold-data"),
            min_free_bytes: 64 * 1024 * 1024,
            url: None,
            pool_size: 16,
            connect_timeout_secs: 5,
            cache_mib: 64,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Where the master key lives; default `<data_dir>/master.key`.
    pub master_key_file: Option<PathBuf>,
    /// The JWT `iss` of a new install's tenant.
    pub issuer: String,
    pub jwt_algorithm: JwtAlgorithm,
    pub password_min_length: usize,
    pub password_max_length: usize,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// Hashing threads; 0 means one per CPU core.
    pub hash_workers: usize,
    /// Logins that may wait for a hashing thread before more are refused; 0 means 4 per worker.
    pub hash_queue: usize,
    /// How many steps below normal the hashing threads run (0 to 19; 0: normal), so that
    /// cheap requests are not starved while hashing saturates the CPU.
    pub hash_nice: i32,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        let cost = Argon2Cost::default();
        Self {
            master_key_file: None,
            issuer: "twofold".to_owned(),
            jwt_algorithm: JwtAlgorithm::ES256,
            password_min_length: 8,
            password_max_length: 256,
            argon2_memory_kib: cost.memory_kib,
            argon2_iterations: cost.iterations,
            argon2_parallelism: cost.parallelism,
            hash_workers: 0,
            hash_queue: 0,
            hash_nice: 10,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsConfig {
    /// The console messenger's outbox; default `<data_dir>/outbox.jsonl`.
    pub outbox: Option<PathBuf>,
    /// The daemon's public base URL (e.g. `https://auth.example.com`). When set, Twilio is
    /// asked to report delivery to `<public_url>/api/messenger/{id}/status`.
    pub public_url: Option<String>,
}

/// Per-client request limits (in memory, per node), each a list of windows that must all admit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    pub enabled: bool,
    /// `POST /api/login`.
    pub login: Vec<Limit>,
    /// `POST /api/two-factor/login`.
    pub two_factor_login: Vec<Limit>,
    /// `POST /api/two-factor/send` and `/api/two-factor/send/{id}`.
    pub two_factor_send: Vec<Limit>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            login: vec![
                Limit::new(10, 60),
                Limit::new(30, 600),
                Limit::new(100, 3600),
            ],
            two_factor_login: vec![Limit::new(30, 60), Limit::new(100, 3600)],
            two_factor_send: vec![Limit::new(10, 600), Limit::new(30, 3600)],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable on a terminal, JSON lines otherwise.
    Auto,
    Human,
    Json,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter, e.g. `info` or `info,daemon=debug`.
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: LogFormat::Auto,
        }
    }
}

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid TOML: {message}")]
    Syntax { path: String, message: String },
    #[error("invalid configuration value for `{key}`: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        message: message.into(),
    }
}

/// Where settings came from, lowest precedence first.
#[derive(Debug, Default)]
pub struct Sources {
    pub file: Option<PathBuf>,
    /// Environment variables (normally `std::env::vars()`).
    pub env: Vec<(String, String)>,
    /// Command-line overrides as `(key, value)`, e.g. `("server.listen", "127.0.0.1:0")`.
    pub flags: Vec<(String, toml::Value)>,
}

impl Config {
    /// Loads and validates: defaults < file < environment < flags.
    pub fn load(sources: &Sources) -> Result<Config, ConfigError> {
        let mut table = toml::Table::new();
        if let Some(path) = &sources.file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.display().to_string(),
                source,
            })?;
            let mut file: toml::Table =
                text.parse()
                    .map_err(|e: toml::de::Error| ConfigError::Syntax {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })?;
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            resolve_relative_paths(&mut file, &base);
            merge(&mut table, file);
        }
        for (key, value) in env::overrides(&sources.env)? {
            set(&mut table, &key, value)?;
        }
        for (key, value) in &sources.flags {
            set(&mut table, key, value.clone())?;
        }
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
                let key = e.path().to_string();
                invalid(&key, e.into_inner().to_string())
            })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks relations serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let s = &self.security;
        if s.password_min_length == 0 {
            return Err(invalid(
                "security.password_min_length",
                "must be at least 1",
            ));
        }
        if s.password_max_length < s.password_min_length {
            return Err(invalid(
                "security.password_max_length",
                "must not be below security.password_min_length",
            ));
        }
        if s.password_max_length > 4096 {
            return Err(invalid(
                "security.password_max_length",
                "must be at most 4096",
            ));
        }
        self.argon2_cost()
            .validate()
            .map_err(|e| invalid("security.argon2_memory_kib", e.to_string()))?;
        if !(0..=crate::thread_priority::MAX_NICE).contains(&s.hash_nice) {
            return Err(invalid("security.hash_nice", "must be between 0 and 19"));
        }
        if s.issuer.trim().is_empty() {
            return Err(invalid("security.issuer", "must not be empty"));
        }
        if self.server.max_body_bytes < 1024 {
            return Err(invalid("server.max_body_bytes", "must be at least 1024"));
        }
        if self.server.header_read_timeout_secs == 0 {
            return Err(invalid(
                "server.header_read_timeout_secs",
                "must be at least 1",
            ));
        }
        if self.server.body_read_timeout_secs == 0 {
            return Err(invalid(
                "server.body_read_timeout_secs",
                "must be at least 1",
            ));
        }
        if self.store.cache_mib == 0 {
            return Err(invalid("store.cache_mib", "must be at least 1"));
        }
        if self.server.max_connections == 0 {
            return Err(invalid("server.max_connections", "must be at least 1"));
        }
        for origin in &self.server.cors_allowed_origins {
            let ok = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && !origin.ends_with('/')
                    && !origin.contains(char::is_whitespace));
            if !ok {
                return Err(invalid(
                    "server.cors_allowed_origins",
                    format!(
                        "{origin:?} is not an origin like https://app.example.com (no path, no trailing slash) or *"
                    ),
                ));
            }
        }
        if let Some(url) = &self.sms.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(invalid(
                "sms.public_url",
                "must start with https:// (or http://)",
            ));
        }
        for proxy in &self.server.trusted_proxies {
            if crate::http::client_ip::parse_network(proxy).is_none() {
                return Err(invalid(
                    "server.trusted_proxies",
                    format!("{proxy:?} is not an IP address or CIDR range like 10.0.0.0/8"),
                ));
            }
        }
        for (key, limits) in [
            ("rate_limits.login", &self.rate_limits.login),
            (
                "rate_limits.two_factor_login",
                &self.rate_limits.two_factor_login,
            ),
            (
                "rate_limits.two_factor_send",
                &self.rate_limits.two_factor_send,
            ),
        ] {
            if limits.iter().any(|l| l.requests == 0 || l.seconds == 0) {
                return Err(invalid(
                    key,
                    "every limit needs requests and seconds above zero",
                ));
            }
        }
        self.validate_store()?;
        tracing_subscriber::EnvFilter::try_new(&self.log.level)
            .map_err(|e| invalid("log.level", e.to_string()))?;
        Ok(())
    }

    fn validate_store(&self) -> Result<(), ConfigError> {
        let store = &self.store;
        if store.kind == StoreKind::Postgres {
            let Some(url) = &store.url else {
                return Err(invalid(
                    "store.url",
                    "is required when store.kind is \"postgres\" (e.g. postgres://twofold@db.internal/twofold)",
                ));
            };
            let text = url.expose();
            if !(text.starts_with("postgres://")
                || text.starts_with("postgresql://")
                || text.contains('='))
            {
                return Err(invalid(
                    "store.url",
                    "must be a postgres:// URL or a key=value connection string",
                ));
            }
        }
        if store.pool_size == 0 || store.pool_size > 1000 {
            return Err(invalid("store.pool_size", "must be between 1 and 1000"));
        }
        if store.connect_timeout_secs == 0 {
            return Err(invalid("store.connect_timeout_secs", "must be at least 1"));
        }
        Ok(())
    }

    pub fn argon2_cost(&self) -> Argon2Cost {
        Argon2Cost {
            memory_kib: self.security.argon2_memory_kib,
            iterations: self.security.argon2_iterations,
            parallelism: self.security.argon2_parallelism,
        }
    }

    pub fn master_key_path(&self) -> PathBuf {
        self.security
            .master_key_file
            .clone()
            .unwrap_or_else(|| self.store.data_dir.join("master.key"))
    }

    pub fn outbox_path(&self) -> PathBuf {
        self.sms
            .outbox
            .clone()
            .unwrap_or_else(|| self.store.data_dir.join("outbox.jsonl"))
    }

    pub fn hash_workers(&self) -> usize {
        match self.security.hash_workers {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
    }

    pub fn hash_queue(&self) -> usize {
        match self.security.hash_queue {
            0 => 4 * self.hash_workers(),
            n => n,
        }
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.server.shutdown_grace_secs)
    }
}

fn resolve_relative_paths(table: &mut toml::Table, base: &Path) {
    for key in PATH_KEYS {
        let mut parts = key.split('.').peekable();
        let mut node = &mut *table;
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                if let Some(toml::Value::String(value)) = node.get_mut(part)
                    && Path::new(value.as_str()).is_relative()
                {
                    *value = base.join(value.as_str()).display().to_string();
                }
                break;
            }
            match node.get_mut(part) {
                Some(toml::Value::Table(inner)) => node = inner,
                _ => break,
            }
        }
    }
}

fn merge(into: &mut toml::Table, from: toml::Table) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(incoming)) => {
                merge(existing, incoming)
            }
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// Sets a dotted key, creating sections on the way.
fn set(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), ConfigError> {
    let parts: Vec<&str> = key.split('.').collect();
    let Some((last, sections)) = parts.split_last() else {
        return Err(invalid(key, "empty key"));
    };
    let mut node = table;
    for section in sections {
        let entry = node
            .entry((*section).to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        node = match entry {
            toml::Value::Table(inner) => inner,
            _ => return Err(invalid(key, format!("`{section}` is not a section"))),
        };
    }
    node.insert((*last).to_owned(), value);
    Ok(())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod reference_doc;
