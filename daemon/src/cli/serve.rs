//! `twofoldd serve`: load the configuration, start, run until SIGTERM/SIGINT, drain, stop.

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

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&sources(&args))?;
    super::logging::init(&config);
    let daemon = Daemon::start(config, Options::default()).await?;
    shutdown_signal().await;
    tracing::info!("stopping: finishing in-flight requests");
    daemon.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}
