//! The optional metrics-only listener (`server.metrics_listen`, `--metrics-listen`): answers
//! `GET /metrics` without an API key and 404 to anything else, so Prometheus can scrape over
//! a private address without holding a key. Connections are not kept alive. The API
//! listener is [`crate::server`].

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::response;

/// Serves until `stopped` turns true.
pub async fn serve(listener: TcpListener, app: Arc<App>, mut stopped: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics listener: accept failed");
                    continue;
                }
            },
            _ = stopped.wait_for(|s| *s) => return,
        };
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<Incoming>| {
                let app = Arc::clone(&app);
                async move {
                    let reply = if req.method() == Method::GET && req.uri().path() == "/metrics" {
                        crate::api::metrics::exposition(&app)
                            .await
                            .unwrap_or_else(ApiError::into_response)
                    } else {
                        response::empty(404)
                    };
                    Ok::<_, Infallible>(reply)
                }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "metrics connection ended with an error");
            }
        });
    }
}
