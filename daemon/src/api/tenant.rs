//! `/api/tenant`: the single tenant's settings.

use crate::app::App;
use crate::domain::tenant::Tenant;
use crate::domain::validation::Violations;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::Request;
use crate::http::response;
use crate::service::tenants;
use crate::wire::tenant::{TenantRequest, tenant_out};

pub async fn list(app: &App, req: &Request) -> ApiResult {
    super::require_api_key(app, req).await?;
    let tenant = tenants::get(app).await?;
    Ok(response::json(
        200,
        &serde_json::json!({ "tenants": [tenant_out(&tenant)] }),
    ))
}

async fn the_tenant(app: &App, id: &str) -> Result<Tenant, ApiError> {
    let id: crate::domain::ids::TenantId = super::parse_id(id, "tenantId")?;
    let tenant = tenants::get(app).await?;
    if tenant.id != id {
        return Err(ApiError::NotFound);
    }
    Ok(tenant)
}

pub async fn retrieve(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let tenant = the_tenant(app, id).await?;
    Ok(response::json(
        200,
        &serde_json::json!({ "tenant": tenant_out(&tenant) }),
    ))
}

/// PUT and PATCH both change only the fields present in the request.
pub async fn update(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let mut tenant = the_tenant(app, id).await?;
    let body: TenantRequest = req.json()?;
    let changes = body.tenant.ok_or_else(|| {
        ApiError::BadRequest(Violations::one(
            "tenant",
            "missing",
            "You must specify the tenant object.",
        ))
    })?;
    changes.apply(&mut tenant).map_err(|field| {
        ApiError::BadRequest(Violations::one(
            field,
            "invalid",
            "Use MINUTES, HOURS, DAYS or WEEKS.",
        ))
    })?;
    let saved = tenants::update(app, tenant).await?;
    Ok(response::json(
        200,
        &serde_json::json!({ "tenant": tenant_out(&saved) }),
    ))
}
