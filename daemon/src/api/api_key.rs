//! `/api/api-key`: create (the raw key is in the response once), retrieve, delete.

use serde::Deserialize;

use crate::app::App;
use crate::domain::api_key::ApiKey;
use crate::domain::ids::ApiKeyId;
use crate::http::error::ApiResult;
use crate::http::request::Request;
use crate::http::response;
use crate::service::api_keys;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiKeyRequest {
    api_key: Option<ApiKeyIn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiKeyIn {
    key: Option<String>,
    meta_data: Option<MetaData>,
}

#[derive(Debug, Default, Deserialize)]
struct MetaData {
    attributes: Option<Attributes>,
}

#[derive(Debug, Default, Deserialize)]
struct Attributes {
    description: Option<String>,
}

fn out(key: &ApiKey, raw: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "apiKey": {
            "id": key.id.0,
            "key": raw,
            "keyPrefix": key.prefix,
            "insertInstant": key.inserted.millis(),
            "metaData": { "attributes": { "description": key.description } },
        }
    })
}

pub async fn create(app: &App, req: &Request, id: Option<&str>) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: Option<ApiKeyId> = id.map(|s| super::parse_id(s, "apiKeyId")).transpose()?;
    let body: ApiKeyRequest = req.json_or_default()?;
    let input = body.api_key.unwrap_or_default();
    let description = input
        .meta_data
        .and_then(|m| m.attributes)
        .and_then(|a| a.description);
    let (key, raw) = api_keys::create(app, id, input.key, description).await?;
    Ok(response::json(200, &out(&key, Some(&raw))))
}

pub async fn retrieve(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let key = api_keys::get(app, super::parse_id(id, "apiKeyId")?).await?;
    Ok(response::json(200, &out(&key, None)))
}

pub async fn delete(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    api_keys::delete(app, super::parse_id(id, "apiKeyId")?).await?;
    Ok(response::empty(200))
}
