//! The runtime shell around the pure `App`: it draws, waits for the next input, clock tick, call
//! result or termination signal, hands it to `App::update`, and performs the returned effects on
//! tokio (HTTP calls through `ApiClient`, outbox reads), feeding their results back as events.
//!
//! This is the only place that reads the wall clock and spawns tasks. It is generic over the
//! ratatui backend and the input stream, so the binary passes crossterm's `EventStream` and a real
//! terminal while other callers can pass anything else. It does not set up or restore the terminal
//! (see `crate::terminal`).

use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::Event as TerminalEvent;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use crate::app::App;
use crate::client::ApiClient;
use crate::event::{ApiReply, Effect, Event};
use crate::outbox;
use crate::time::Millis;

/// How often `Event::Tick` fires: often enough for a smooth spinner and exact-second countdowns.
pub const TICK: Duration = Duration::from_millis(250);

/// The wall clock as the daemon counts it.
pub fn wall_clock() -> Millis {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    Millis(millis)
}

/// Runs the app until it asks to quit, the input ends, or the process gets SIGINT/SIGTERM/SIGHUP.
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    client: ApiClient,
    mut input: S,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<TerminalEvent>> + Unpin,
{
    let (results_tx, mut results_rx) = mpsc::unbounded_channel::<Event>();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut signals = Signals::new()?;

    // The first tick sets the clock before anything is shown.
    let mut pending_effects = app.update(Event::Tick(wall_clock()));
    loop {
        for effect in pending_effects.drain(..) {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::Call { id, request } => {
                    let client = client.clone();
                    let results_tx = results_tx.clone();
                    tokio::spawn(async move {
                        let result = client.perform(request).await;
                        // The receiver only goes away when the app is exiting.
                        let _ = results_tx.send(Event::Api(ApiReply {
                            id,
                            at: wall_clock(),
                            result,
                        }));
                    });
                }
                Effect::ReadOutbox { path, offset } => {
                    let results_tx = results_tx.clone();
                    tokio::spawn(async move {
                        let read = outbox::read_new(&path, offset).await;
                        let _ = results_tx.send(Event::Outbox(read));
                    });
                }
            }
        }

        terminal.draw(|frame| app.render(frame))?;

        let event = tokio::select! {
            _ = ticker.tick() => Event::Tick(wall_clock()),
            Some(event) = results_rx.recv() => event,
            next = input.next() => match next {
                Some(Ok(event)) => match Event::from_terminal(event) {
                    Some(event) => event,
                    None => continue,
                },
                Some(Err(err)) => return Err(err.into()),
                None => return Ok(()),
            },
            () = signals.recv() => return Ok(()),
        };
        pending_effects = app.update(event);
    }
}

/// Termination signals, so `kill` or a closed terminal also restores the terminal. Ctrl-C itself
/// arrives as a key in raw mode and is handled by `App`.
struct Signals {
    #[cfg(unix)]
    streams: Vec<tokio::signal::unix::Signal>,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            streams: vec![
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
                signal(SignalKind::hangup())?,
            ],
        })
    }

    #[cfg(not(unix))]
    fn new() -> io::Result<Self> {
        Ok(Self {})
    }

    #[cfg(unix)]
    async fn recv(&mut self) {
        let waits = self.streams.iter_mut().map(|s| Box::pin(s.recv()));
        let _ = futures::future::select_all(waits).await;
    }

    #[cfg(not(unix))]
    async fn recv(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
