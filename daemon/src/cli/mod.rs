//! The `twofoldd` command line: one module per subcommand. `main.rs` only calls [`main`].
//! `anyhow` is used here and nowhere else in the crate: this is the outermost edge.

mod logging;
pub mod migrate;
mod serve;

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
    /// Copy a whole install between stores (redb data directory <-> PostgreSQL).
    Migrate(migrate::MigrateArgs),
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Migrate(args) => migrate::run(args).await,
    }
}

/// Parses the command line and runs it; the process exit code reflects the outcome.
pub fn main() -> ExitCode {
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
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("twofoldd: {e:#}");
            ExitCode::FAILURE
        }
    }
}
