//! A running daemon: start-up (bootstrap, kickstart, listener), the maintenance task, and a
//! clean stop. Used by `twofoldd serve`, by the end-to-end tests (on port 0 with a temp dir)
//! and by the terminal client's offline demo.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::kickstart::{self, KickstartError};
use crate::service::bootstrap::{self, StartError};

/// How often expired challenges, trusts and refresh tokens are purged.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(600);
/// How long audit events are kept.
const AUDIT_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Kickstart(#[from] KickstartError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Options a host can set beyond the configuration.
#[derive(Clone)]
pub struct Options {
    pub clock: Arc<dyn Clock>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
        }
    }
}

pub struct Daemon {
    app: Arc<App>,
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
    maintenance: JoinHandle<()>,
    metrics: Option<JoinHandle<()>>,
}

impl Daemon {
    /// Binds `config.server.listen` and starts.
    pub async fn start(config: Config, options: Options) -> Result<Daemon, DaemonError> {
        let addr = config.server.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| DaemonError::Listen { addr, source })?;
        Self::start_on(listener, config, options).await
    }

    /// Starts on an already bound listener (tests bind port 0 first, so there is no race).
    pub async fn start_on(
        listener: TcpListener,
        config: Config,
        options: Options,
    ) -> Result<Daemon, DaemonError> {
        let local_addr = listener
            .local_addr()
            .map_err(|source| DaemonError::Listen {
                addr: config.server.listen,
                source,
            })?;
        let kickstart = config.kickstart.clone();
        let store = bootstrap::open_store(&config).await?;
        let app = bootstrap::build(config, store, options.clock).await?;
        if let Some(path) = kickstart {
            kickstart::apply_if_needed(&app, &path).await?;
        }
        let metrics_listener = match app.config.server.metrics_listen {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .await
                    .map_err(|source| DaemonError::Listen { addr, source })?;
                tracing::info!(listen = %addr, "serving /metrics without an API key");
                Some(listener)
            }
            None => None,
        };
        let (stop, stopped) = watch::channel(false);
        let mut server_stop = stopped.clone();
        let server = tokio::spawn(crate::server::serve(
            listener,
            Arc::clone(&app),
            async move {
                let _ = server_stop.wait_for(|s| *s).await;
            },
        ));
        let metrics = metrics_listener.map(|listener| {
            tokio::spawn(crate::metrics_listener::serve(
                listener,
                Arc::clone(&app),
                stopped.clone(),
            ))
        });
        let maintenance = tokio::spawn(maintain(Arc::clone(&app), stopped));
        tracing::info!(listen = %local_addr, store = app.store.kind(), "twofoldd is ready");
        Ok(Daemon {
            app,
            local_addr,
            stop,
            server,
            maintenance,
            metrics,
        })
    }

    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Stops accepting, lets in-flight requests finish (within the grace period), and
    /// returns once the server task ended.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.server.await;
        self.maintenance.abort();
        let _ = self.maintenance.await;
        if let Some(metrics) = self.metrics {
            let _ = metrics.await;
        }
        // Connection tasks drop their handles just after the drain; wait for them so the
        // store is closed when this returns.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while Arc::strong_count(&self.app) > 1 && tokio::time::Instant::now() < deadline {
            tokio::task::yield_now().await;
        }
    }

    /// Resolves when the server task ends (after [`Daemon::trigger_shutdown`]).
    pub fn trigger_shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

async fn maintain(app: Arc<App>, mut stopped: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(MAINTENANCE_EVERY);
    ticker.tick().await;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let now = app.now();
        let audit_before = now.minus(AUDIT_RETENTION);
        match app
            .store
            .write(move |tx| tx.purge_expired(now, audit_before))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::debug!(purged = n, "expired records purged"),
            Err(e) => tracing::warn!(error = %e, "purging expired records failed"),
        }
    }
}
