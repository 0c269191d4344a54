//! Logging set-up: human-readable on a terminal, JSON lines otherwise (journald, files).
//! The level can be changed while running (SIGHUP re-reads it) through [`LogLevel`].

use crate::config::{Config, LogFormat};

type Reload = Box<dyn Fn(tracing_subscriber::EnvFilter) -> Result<(), String> + Send + Sync>;

/// Changes the running log filter.
pub struct LogLevel(Option<Reload>);

impl LogLevel {
    /// Applies a new filter such as `info` or `info,daemon=debug`.
    pub fn set(&self, level: &str) -> Result<(), String> {
        let filter = tracing_subscriber::EnvFilter::try_new(level).map_err(|e| e.to_string())?;
        match &self.0 {
            Some(reload) => reload(filter),
            None => Ok(()),
        }
    }
}

pub fn init(config: &Config) -> LogLevel {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = match config.log.format {
        LogFormat::Json => true,
        LogFormat::Human => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    if json {
        let builder = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_filter_reloading();
        let handle = builder.reload_handle();
        if builder.try_init().is_err() {
            return LogLevel(None);
        }
        LogLevel(Some(Box::new(move |f| {
            handle.reload(f).map_err(|e| e.to_string())
        })))
    } else {
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_filter_reloading();
        let handle = builder.reload_handle();
        if builder.try_init().is_err() {
            return LogLevel(None);
        }
        LogLevel(Some(Box::new(move |f| {
            handle.reload(f).map_err(|e| e.to_string())
        })))
    }
}
