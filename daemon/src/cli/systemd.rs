//! The service manager's side channels: readiness, stopping and watchdog notifications over
//! `NOTIFY_SOCKET` (through `sd-notify`; nothing is sent when the variable is unset), and
//! a listening socket handed over by socket activation (`LISTEN_FDS`, through `listenfd`).
//! This module does not decide *when* to notify; `serve` does.

use std::sync::Arc;
use std::time::Duration;

use sd_notify::NotifyState;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::app::App;

/// The listener systemd passed in (socket activation), if any. Call before any thread is
/// started: it clears `LISTEN_FDS`/`LISTEN_PID` so children do not inherit them.
pub fn take_inherited_listener() -> anyhow::Result<Option<std::net::TcpListener>> {
    let mut fds = listenfd::ListenFd::from_env();
    if fds.len() == 0 {
        return Ok(None);
    }
    let Some(listener) = fds.take_tcp_listener(0)? else {
        anyhow::bail!("LISTEN_FDS is set but its first socket is not a TCP listener");
    };
    listener.set_nonblocking(true)?;
    Ok(Some(listener))
}

/// Makes an inherited listener usable by tokio (inside the runtime).
pub fn into_tokio(listener: std::net::TcpListener) -> anyhow::Result<TcpListener> {
    Ok(TcpListener::from_std(listener)?)
}

fn notify(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify the service manager");
    }
}

/// The listener is bound, the store open and the signal handlers installed.
pub fn ready(listen: &str) {
    notify(&[
        NotifyState::Ready,
        NotifyState::Status(&format!("serving on {listen}")),
    ]);
}

pub fn stopping() {
    notify(&[
        NotifyState::Stopping,
        NotifyState::Status("finishing in-flight requests"),
    ]);
}

pub fn status(text: &str) {
    notify(&[NotifyState::Status(text)]);
}

/// When `WatchdogSec=` is set, pings at half the interval while the store answers, so a
/// wedged daemon is restarted.
pub fn spawn_watchdog(app: Arc<App>) -> Option<JoinHandle<()>> {
    let interval = sd_notify::watchdog_enabled()?;
    let every = (interval / 2).max(Duration::from_millis(100));
    tracing::info!(every_ms = every.as_millis(), "systemd watchdog enabled");
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            if app.store.health().await.ok {
                notify(&[NotifyState::Watchdog]);
            } else {
                tracing::warn!("the store is unhealthy: not pinging the systemd watchdog");
            }
        }
    }))
}
