//! Turns environment variables into configuration overrides.

use super::{ConfigError, ENV_ALIASES, invalid};

const PREFIX: &str = "TWOFOLD_";

/// `(key, value)` pairs from the environment, aliases first so explicit keys win.
pub(super) fn overrides(
    vars: &[(String, String)],
) -> Result<Vec<(String, toml::Value)>, ConfigError> {
    let mut aliased = Vec::new();
    let mut explicit = Vec::new();
    for (name, raw) in vars {
        // An alias that itself ends in `_FILE` (TWOFOLD_MASTER_KEY_FILE) names a path setting.
        let is_alias = ENV_ALIASES.iter().any(|(alias, _)| alias == name);
        let (name, raw) = match name.strip_suffix("_FILE") {
            Some(base) if base.starts_with(PREFIX) && !is_alias => {
                let content = std::fs::read_to_string(raw).map_err(|e| {
                    invalid(&key_hint(base), format!("cannot read {name}={raw}: {e}"))
                })?;
                (
                    base.to_owned(),
                    content.trim_end_matches(['\n', '\r']).to_owned(),
                )
            }
            _ => (name.clone(), raw.clone()),
        };
        if let Some((_, key)) = ENV_ALIASES.iter().find(|(alias, _)| *alias == name) {
            aliased.push(((*key).to_owned(), value(&raw)));
        } else if let Some(rest) = name.strip_prefix(PREFIX)
            && rest.contains("__")
        {
            explicit.push((rest.to_lowercase().replace("__", "."), value(&raw)));
        }
    }
    aliased.extend(explicit);
    Ok(aliased)
}

fn key_hint(name: &str) -> String {
    ENV_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or_else(
            || {
                name.trim_start_matches(PREFIX)
                    .to_lowercase()
                    .replace("__", ".")
            },
            |(_, key)| (*key).to_owned(),
        )
}

/// A TOML literal when the text is one (numbers, booleans, arrays), else the text itself.
fn value(raw: &str) -> toml::Value {
    let document = format!("v = {raw}");
    match document.parse::<toml::Table>() {
        Ok(mut table) => table
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_owned())),
        Err(_) => toml::Value::String(raw.to_owned()),
    }
}
