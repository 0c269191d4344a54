//! The `twofold` binary: parse arguments, set up the terminal, run the app on a tokio runtime,
//! restore the terminal. All behaviour lives in the library.

use anyhow::Context as _;
use clap::Parser as _;
use crossterm::event::EventStream;

use tui::app::App;
use tui::cli::Args;
use tui::client::ApiClient;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = args.config();
    let client = ApiClient::new(&config.url, args.api_key.clone())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;

    let mut terminal = tui::terminal::init().context("cannot set up the terminal")?;
    let mut app = App::new(config);
    let result = runtime.block_on(tui::runtime::run(
        &mut terminal,
        &mut app,
        client,
        EventStream::new(),
    ));
    tui::terminal::restore();
    result
}
