//! The `twofoldd` command line: one module per subcommand. `main.rs` only calls [`main`].
//! `anyhow` is used here and nowhere else in the crate: this is the outermost edge.

mod backup;
mod check_config;
mod init;
mod logging;
pub mod migrate;
mod restore;
mod serve;
mod systemd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Serve(serve::ServeArgs),
    /// Write a commented configuration and a kickstart file with a new API key into a folder.
    Init(init::InitArgs),
    /// Validate the configuration and print the effective settings, secrets masked.
    CheckConfig(serve::ServeArgs),
    /// Take a consistent copy of a running daemon's store.
    Backup(backup::BackupArgs),
    /// Put a backup in place of the store (the daemon stopped; the master key must match).
    Restore(restore::RestoreArgs),
    /// Copy a whole install between stores (redb data directory <-> PostgreSQL).
    Migrate(migrate::MigrateArgs),
}

async fn run(cli: Cli, inherited: Option<std::net::TcpListener>) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(args, inherited).await,
        Command::Init(args) => init::run(&args),
        Command::CheckConfig(args) => check_config::run(&args),
        Command::Backup(args) => backup::run(&args).await,
        Command::Restore(args) => restore::run(&args).await,
        Command::Migrate(args) => migrate::run(args).await,
    }
}

/// Parses the command line and runs it; the process exit code reflects the outcome.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Socket activation: taken before the runtime starts any thread.
    let inherited = match &cli.command {
        Command::Serve(_) => match systemd::take_inherited_listener() {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("twofoldd: {e:#}");
                return ExitCode::FAILURE;
            }
        },
        _ => None,
    };
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
    match runtime.block_on(run(cli, inherited)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("twofoldd: {e:#}");
            ExitCode::FAILURE
        }
    }
}
