//! `GET /metrics`: the Prometheus text exposition. Needs an API key in `Authorization`
//! unless served on the separate metrics listener (`server.metrics_listen`), which answers
//! nothing else.

use http::{HeaderValue, header};

use crate::app::App;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::Request;
use crate::http::response::{self, Response};

/// `GET /metrics` on the API listener: API key required.
pub async fn get(app: &App, req: &Request) -> ApiResult {
    super::require_api_key(app, req).await?;
    exposition(app).await
}

/// The exposition itself, figures read at scrape time included.
pub async fn exposition(app: &App) -> ApiResult {
    let now = app.now();
    match app
        .store
        .read(move |tx| crate::service::sms_limits::hourly_budget(tx, now))
        .await
    {
        Ok((used, budget)) => app.metrics.set_sms_budget(used, budget),
        Err(e) => tracing::debug!(error = %e, "the SMS budget could not be read for metrics"),
    }
    let text = app
        .metrics
        .encode()
        .map_err(|e| ApiError::Internal(format!("metrics could not be encoded: {e}")))?;
    Ok(text_response(text))
}

fn text_response(text: String) -> Response {
    let mut response = response::empty(200);
    *response.body_mut() = http_body_util::Full::new(bytes::Bytes::from(text));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
