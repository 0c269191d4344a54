//! `twofoldd`: the command line. Parses arguments, loads the configuration, sets up logging
//! and runs the daemon until SIGTERM or SIGINT.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use daemon::config::{Config, LogFormat, Sources};
use daemon::{Daemon, Options};

#[derive(Parser, Debug)]
#[command(
    name = "twofoldd",
    version,
    about = "A FusionAuth-compatible login daemon with SMS two-factor authentication"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the daemon.
    Serve(ServeArgs),
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
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

fn sources(args: &ServeArgs) -> Sources {
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

fn init_logging(config: &Config) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = match config.log.format {
        LogFormat::Json => true,
        LogFormat::Human => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
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

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&sources(&args))?;
    init_logging(&config);
    let daemon = Daemon::start(config, Options::default()).await?;
    shutdown_signal().await;
    tracing::info!("stopping: finishing in-flight requests");
    daemon.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("twofoldd: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("twofoldd: {e:#}");
            ExitCode::FAILURE
        }
    }
}
