//! `GET /api/status`: the health check a service manager or load balancer polls.

use crate::app::App;
use crate::http::error::ApiResult;
use crate::http::response;

pub async fn get(app: &App) -> ApiResult {
    let health = app.store.health().await;
    let body = serde_json::json!({
        "status": if health.ok { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
        "store": {
            "kind": health.kind,
            "ok": health.ok,
            "detail": health.detail,
        },
    });
    Ok(response::json(if health.ok { 200 } else { 503 }, &body))
}
