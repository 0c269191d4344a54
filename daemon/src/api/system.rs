//! `/api/system/*`: the audit log and the online backup.

use crate::app::App;
use crate::domain::audit::AuditQuery;
use crate::domain::ids::UserId;
use crate::domain::validation::Violations;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::Request;
use crate::http::response;

/// `GET /api/system/audit-log/search?userId=&limit=`: newest first.
pub async fn audit_log(app: &App, req: &Request) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user_id: Option<UserId> = req
        .query("userId")
        .map(|s| super::parse_id(s, "userId"))
        .transpose()?;
    let limit = match req.query("limit") {
        None => 100,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                ApiError::BadRequest(Violations::one(
                    "limit",
                    "invalid",
                    "limit must be between 1 and 1000.",
                ))
            })?,
    };
    let query = AuditQuery {
        user_id,
        kind: None,
        since: None,
        limit,
    };
    let events = app.store.read(move |tx| tx.audit_events(&query)).await?;
    let out: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id.0,
                "insertInstant": e.at.millis(),
                "event": e.kind.name(),
                "userId": e.user_id.map(|u| u.0),
                "applicationId": e.application_id.map(|a| a.0),
                "ipAddress": e.ip,
                "method": e.method,
                "outcome": e.outcome,
                "detail": e.detail,
            })
        })
        .collect();
    Ok(response::json(
        200,
        &serde_json::json!({ "auditLogs": out, "total": out.len() }),
    ))
}

/// `GET /api/system/backup`: a consistent copy of the store taken while the daemon serves
/// (a redb file; the master key is not in it and must be backed up separately). The copy
/// is written beside the data (same volume, never world-readable), sent, and removed.
pub async fn backup(app: &App, req: &Request) -> ApiResult {
    super::require_api_key(app, req).await?;
    let path = app
        .config
        .store
        .data_dir
        .join(format!(".backup-{}.tmp", uuid::Uuid::new_v4().simple()));
    let taken = app.store.backup_to(&path).await;
    let read = match taken {
        Ok(()) => tokio::fs::read(&path).await.map_err(|e| {
            ApiError::Internal(format!("cannot read the backup {}: {e}", path.display()))
        }),
        Err(e) => Err(ApiError::from(e)),
    };
    let _ = tokio::fs::remove_file(&path).await;
    let bytes = read?;
    tracing::info!(bytes = bytes.len(), "backup taken");
    let mut out = response::empty(200);
    *out.body_mut() = http_body_util::Full::new(bytes::Bytes::from(bytes));
    out.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/octet-stream"),
    );
    out.headers_mut().insert(
        http::header::CONTENT_DISPOSITION,
        http::HeaderValue::from_static("attachment; filename=\"twofold-backup.redb\""),
    );
    Ok(out)
}
