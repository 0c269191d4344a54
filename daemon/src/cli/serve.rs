//! `twofoldd serve`: load the configuration, start (on a socket-activated listener when
//! given one), tell systemd it is ready, reload on SIGHUP, and on SIGTERM/SIGINT tell
//! systemd it is stopping, drain in-flight requests and close the store.

use std::path::PathBuf;

use crate::config::{Config, Sources};
use crate::{Daemon, Options};

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Configuration file (TOML). Env: TWOFOLD_CONFIG.
    #[arg(long, env = "TWOFOLD_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:9011]. Env: TWOFOLD_LISTEN.
    #[arg(long)]
    listen: Option<String>,
    /// A separate address serving only /metrics (no API key). Env: TWOFOLD_SERVER__METRICS_LISTEN.
    #[arg(long)]
    metrics_listen: Option<String>,
    /// Data directory [default: ./twofold-data]. Env: TWOFOLD_DATA_DIR.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Kickstart file applied once to an empty store. Env: TWOFOLD_KICKSTART.
    #[arg(long)]
    kickstart: Option<PathBuf>,
    /// Log format: auto, human or json. Env: TWOFOLD_LOG_FORMAT.
    #[arg(long)]
    log_format: Option<String>,
}

/// Flags become the highest-precedence configuration source.
pub fn sources(args: &ServeArgs) -> Sources {
    let mut flags = Vec::new();
    if let Some(listen) = &args.listen {
        flags.push((
            "server.listen".to_owned(),
            toml::Value::String(listen.clone()),
        ));
    }
    if let Some(addr) = &args.metrics_listen {
        flags.push((
            "server.metrics_listen".to_owned(),
            toml::Value::String(addr.clone()),
        ));
    }
    if let Some(dir) = &args.data_dir {
        flags.push((
            "store.data_dir".to_owned(),
            toml::Value::String(dir.display().to_string()),
        ));
    }
    if let Some(file) = &args.kickstart {
        flags.push((
            "kickstart".to_owned(),
            toml::Value::String(file.display().to_string()),
        ));
    }
    if let Some(format) = &args.log_format {
        flags.push(("log.format".to_owned(), toml::Value::String(format.clone())));
    }
    Sources {
        file: args.config.clone(),
        env: std::env::vars().collect(),
        flags,
    }
}

/// What a signal asks for.
enum Signal {
    Stop,
    Reload,
}

/// SIGTERM, SIGINT and SIGHUP, installed before readiness is announced so no signal can
/// arrive unhandled.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.term.recv() => Signal::Stop,
            _ = self.int.recv() => Signal::Stop,
            _ = self.hup.recv() => Signal::Reload,
        }
    }
}

/// SIGHUP: re-reads the configuration and applies what can change while running (log
/// level, CORS origins, rate limits). A broken file changes nothing.
fn reload(sources: &Sources, log: &super::logging::LogLevel, daemon: &Daemon) {
    match Config::load(sources) {
        Ok(config) => {
            if let Err(e) = log.set(&config.log.level) {
                tracing::warn!(error = %e, "the new log level was not applied");
            }
            daemon.app().reload(&config);
            tracing::info!(
                level = %config.log.level,
                "configuration reloaded (log level, CORS, rate limits; other changes need a restart)"
            );
            super::systemd::status("configuration reloaded");
        }
        Err(e) => tracing::warn!(error = %e, "configuration reload failed; keeping the old one"),
    }
}

pub async fn run(args: ServeArgs, inherited: Option<std::net::TcpListener>) -> anyhow::Result<()> {
    let sources = sources(&args);
    let config = Config::load(&sources)?;
    let log = super::logging::init(&config);
    let mut signals = Signals::install()?;
    let daemon = match inherited {
        Some(listener) => {
            let listener = super::systemd::into_tokio(listener)?;
            Daemon::start_on(listener, config, Options::default()).await?
        }
        None => Daemon::start(config, Options::default()).await?,
    };
    // Tests and scripts read the bound address here (the port may have been 0).
    println!("twofoldd: listening on {}", daemon.local_addr());
    let watchdog = super::systemd::spawn_watchdog(std::sync::Arc::clone(daemon.app()));
    super::systemd::ready(&daemon.local_addr().to_string());
    // SIGHUP reloads and keeps serving; SIGTERM or SIGINT ends the loop.
    while let Signal::Reload = signals.next().await {
        reload(&sources, &log, &daemon);
    }
    super::systemd::stopping();
    tracing::info!("stopping: finishing in-flight requests");
    if let Some(watchdog) = watchdog {
        watchdog.abort();
    }
    daemon.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}
