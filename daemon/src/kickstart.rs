//! Kickstart: FusionAuth's file for setting up an empty install (`variables`, `apiKeys`,
//! `requests`). It runs once, on an empty store, through the same router as real requests.
//! All or nothing: when a request fails, everything it created is removed again and start-up
//! stops, naming the failing request.

use std::path::Path;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, header};
use serde::Deserialize;

use crate::app::App;
use crate::domain::ids::{ApiKeyId, ApplicationId, UserId};
use crate::http::Request;
use crate::service::{self, api_keys};
use crate::store::StoreError;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KickstartFile {
    #[serde(default)]
    variables: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    api_keys: Vec<KickstartKey>,
    #[serde(default)]
    requests: Vec<KickstartRequest>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KickstartKey {
    key: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct KickstartRequest {
    method: String,
    url: String,
    #[serde(default)]
    body: Option<serde_json::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum KickstartError {
    #[error("cannot read the kickstart file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the kickstart file {path} is invalid: {message}")]
    Invalid { path: String, message: String },
    #[error("kickstart request #{index} ({method} {url}) failed with HTTP {status}: {body}")]
    RequestFailed {
        index: usize,
        method: String,
        url: String,
        status: u16,
        body: String,
    },
    #[error("kickstart API key #{index} was refused: {message}")]
    Key { index: usize, message: String },
    #[error("the store failed during kickstart: {0}")]
    Store(#[from] StoreError),
}

/// Replaces `#{name}`, `#{ENV.NAME}` and `#{UUID()}` in the raw text.
fn substitute(
    text: &str,
    variables: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("#{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or("an unclosed #{ in the file")?;
        let name = &after[..end];
        let value = if name == "UUID()" {
            uuid::Uuid::new_v4().to_string()
        } else if let Some(env) = name.strip_prefix("ENV.") {
            std::env::var(env).map_err(|_| format!("the environment variable {env} is not set"))?
        } else {
            match variables.get(name) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => return Err(format!("the variable #{{{name}}} is not defined")),
            }
        };
        // The value lands inside a JSON string: escape it as JSON would.
        let escaped = serde_json::to_string(&value).map_err(|e| e.to_string())?;
        out.push_str(&escaped[1..escaped.len() - 1]);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn parse(path: &Path) -> Result<KickstartFile, KickstartError> {
    let invalid = |message: String| KickstartError::Invalid {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|source| KickstartError::Read {
        path: path.display().to_string(),
        source,
    })?;
    // Variables are read first (they may use #{UUID()} and #{ENV.X} themselves).
    let first: KickstartFile = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let mut variables = serde_json::Map::new();
    for (name, value) in first.variables {
        let resolved = match value {
            serde_json::Value::String(s) => {
                serde_json::Value::String(substitute(&s, &variables).map_err(invalid)?)
            }
            other => other,
        };
        variables.insert(name, resolved);
    }
    let resolved = substitute(&text, &variables).map_err(invalid)?;
    let mut file: KickstartFile =
        serde_json::from_str(&resolved).map_err(|e| invalid(e.to_string()))?;
    file.variables = variables;
    Ok(file)
}

/// Whether the store holds nothing a kickstart could clash with.
async fn store_is_empty(app: &App) -> Result<bool, StoreError> {
    app.store
        .read(|tx| {
            Ok::<_, StoreError>(
                tx.api_keys()?.is_empty()
                    && tx.applications()?.is_empty()
                    && tx.users_page(None, 1)?.is_empty(),
            )
        })
        .await
}

/// Applies the kickstart file if this install has not been kickstarted and is empty.
pub async fn apply_if_needed(app: &App, path: &Path) -> Result<bool, KickstartError> {
    let install = app.store.read(|tx| tx.install()).await?;
    if install.as_ref().is_some_and(|i| i.kickstarted) {
        return Ok(false);
    }
    if !store_is_empty(app).await? {
        tracing::info!("the store already holds data; the kickstart file is not applied");
        return Ok(false);
    }
    let file = parse(path)?;
    let tenant_before = app.store.read(|tx| tx.tenant()).await?;
    let messengers_before: Vec<_> = app
        .store
        .read(|tx| tx.messengers())
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    match run(app, &file).await {
        Ok(()) => {
            app.store
                .write(|tx| {
                    if let Some(mut install) = tx.install()? {
                        install.kickstarted = true;
                        tx.put_install(&install)?;
                    }
                    Ok::<_, StoreError>(())
                })
                .await?;
            tracing::info!(
                api_keys = file.api_keys.len(),
                requests = file.requests.len(),
                "kickstart applied"
            );
            Ok(true)
        }
        Err(e) => {
            undo(app, tenant_before, messengers_before).await?;
            Err(e)
        }
    }
}

async fn run(app: &App, file: &KickstartFile) -> Result<(), KickstartError> {
    let mut admin_key = None;
    for (index, key) in file.api_keys.iter().enumerate() {
        let (_, raw) = api_keys::create(app, None, key.key.clone(), key.description.clone())
            .await
            .map_err(|e| KickstartError::Key {
                index,
                message: format!("{e:?}"),
            })?;
        admin_key.get_or_insert(raw);
    }
    // Requests run with a temporary key when the file declares none.
    let temporary = match &admin_key {
        Some(_) => None,
        None if file.requests.is_empty() => None,
        None => {
            let (key, raw) =
                api_keys::create(app, None, None, Some("kickstart (temporary)".to_owned()))
                    .await
                    .map_err(|e| KickstartError::Key {
                        index: 0,
                        message: format!("{e:?}"),
                    })?;
            admin_key = Some(raw);
            Some(key.id)
        }
    };
    let result = run_requests(app, file, admin_key.as_deref().unwrap_or_default()).await;
    if let Some(id) = temporary {
        service::api_keys::delete(app, id).await.ok();
    }
    result
}

async fn run_requests(app: &App, file: &KickstartFile, key: &str) -> Result<(), KickstartError> {
    for (index, request) in file.requests.iter().enumerate() {
        let failed = |status: u16, body: String| KickstartError::RequestFailed {
            index,
            method: request.method.clone(),
            url: request.url.clone(),
            status,
            body,
        };
        let method = Method::from_bytes(request.method.to_uppercase().as_bytes())
            .map_err(|_| failed(0, "unknown method".to_owned()))?;
        let (path, query) = request.url.split_once('?').unwrap_or((&request.url, ""));
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(key) {
            headers.insert(header::AUTHORIZATION, value);
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let body = match &request.body {
            Some(body) => {
                Bytes::from(serde_json::to_vec(body).map_err(|e| failed(0, e.to_string()))?)
            }
            None => Bytes::new(),
        };
        let internal = Request {
            method,
            path: path.to_owned(),
            query: form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
            headers,
            body,
            peer: std::net::IpAddr::from([127, 0, 0, 1]),
            client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
            request_id: format!("kickstart-{index}"),
        };
        let response = crate::http::dispatch(app, &internal).await;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            use http_body_util::BodyExt;
            let bytes = response
                .into_body()
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            return Err(failed(status, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    Ok(())
}

/// Removes what a failed kickstart created (the store was empty before it ran).
async fn undo(
    app: &App,
    tenant: Option<crate::domain::tenant::Tenant>,
    messengers: Vec<crate::domain::ids::MessengerId>,
) -> Result<(), StoreError> {
    app.store
        .write(move |tx| {
            loop {
                let page = tx.users_page(None, 100)?;
                if page.is_empty() {
                    break;
                }
                for user in page {
                    let id: UserId = user.id;
                    tx.delete_user(id)?;
                }
            }
            for application in tx.applications()? {
                let id: ApplicationId = application.id;
                tx.delete_application(id)?;
            }
            for key in tx.api_keys()? {
                let id: ApiKeyId = key.id;
                tx.delete_api_key(id)?;
            }
            for messenger in tx.messengers()? {
                if !messengers.contains(&messenger.id) {
                    tx.delete_messenger(messenger.id)?;
                }
            }
            if let Some(tenant) = &tenant {
                tx.put_tenant(tenant)?;
            }
            Ok(())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_escapes_and_resolves() {
        let mut vars = serde_json::Map::new();
        vars.insert(
            "name".to_owned(),
            serde_json::Value::String("a \"quoted\" name".to_owned()),
        );
        let out = substitute(r##"{"n":"#{name}"}"##, &vars).expect("ok");
        assert_eq!(out, r##"{"n":"a \"quoted\" name"}"##);
        let uuid = substitute("#{UUID()}", &vars).expect("ok");
        assert!(uuid::Uuid::parse_str(&uuid).is_ok());
        assert!(substitute("#{missing}", &vars).is_err());
        assert!(substitute("#{open", &vars).is_err());
    }
}
