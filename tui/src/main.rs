//! The `twofold` binary: parse arguments, set up the terminal, run the app on a tokio runtime,
//! restore the terminal. With `--demo`, start an embedded daemon first and remove it afterwards.
//! All behaviour lives in the library.

use anyhow::Context as _;
use clap::Parser as _;

use tui::app::App;
use tui::cli::Args;
use tui::client::ApiClient;
use tui::demo::Demo;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.demo {
        return demo();
    }
    let config = args.config();
    let client = ApiClient::new(&config.url, args.api_key.clone())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    tui::terminal::run_app(&runtime, &mut App::new(config), client)
}

/// `twofold --demo`: the daemon runs on the same runtime as the client (two worker threads, so
/// drawing never waits for a request being served), and is stopped and its data removed however
/// the client ends — quit, signal or error; a panic removes the data from its hook.
fn demo() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let demo = runtime.block_on(Demo::start())?;
    demo.remove_on_panic();
    let result = ApiClient::new(&demo.url(), Some(demo.api_key().to_owned()))
        .map_err(anyhow::Error::from)
        .and_then(|client| {
            tui::terminal::run_app(&runtime, &mut App::new(demo.app_config()), client)
        });
    let removed = runtime.block_on(demo.stop());
    result?;
    let dir = removed?;
    println!(
        "twofold demo: daemon stopped, temporary data removed ({}).",
        dir.display()
    );
    Ok(())
}
