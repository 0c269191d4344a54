//! Keeps `docs/CONFIGURATION.md` honest: every key of [`Config`] has a row, with its
//! environment variable(s) and the same default as `Config::default()`, and the doc names no
//! key the code lacks.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Config, ENV_ALIASES};

const DOC: &str = include_str!("../../../docs/CONFIGURATION.md");

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        other => {
            out.insert(prefix.to_owned(), other.clone());
        }
    }
}

struct Row {
    env: String,
    default: String,
}

fn rows() -> BTreeMap<String, Row> {
    let mut rows = BTreeMap::new();
    for line in DOC.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // ["", key, env, default, meaning, ""]
        if cells.len() < 5 || !cells[2].contains("TWOFOLD_") {
            continue;
        }
        rows.insert(
            cells[1].trim_matches('`').to_owned(),
            Row {
                env: cells[2].to_owned(),
                default: cells[3].to_owned(),
            },
        );
    }
    rows
}

/// A documented default as JSON: `unset` is null, anything else a TOML value in backticks.
fn documented(default: &str) -> Result<Value, String> {
    if default == "unset" {
        return Ok(Value::Null);
    }
    let inner = default
        .strip_prefix('`')
        .and_then(|d| d.strip_suffix('`'))
        .ok_or_else(|| format!("{default:?} is neither `unset` nor a value in backticks"))?;
    let mut table: toml::Table =
        toml::from_str(&format!("v = {inner}")).map_err(|e| format!("{inner:?}: {e}"))?;
    let value = table.remove("v").ok_or("no value")?;
    serde_json::to_value(value).map_err(|e| e.to_string())
}

#[test]
fn every_key_is_documented_with_its_variable_and_default() {
    let mut code = BTreeMap::new();
    flatten(
        "",
        &serde_json::to_value(Config::default()).expect("config serialises"),
        &mut code,
    );
    let doc = rows();
    let mut problems = Vec::new();
    for (key, default) in &code {
        let Some(row) = doc.get(key) else {
            problems.push(format!("`{key}` is not in docs/CONFIGURATION.md"));
            continue;
        };
        if key.contains('.') {
            let variable = format!("TWOFOLD_{}", key.to_uppercase().replace('.', "__"));
            if !row.env.contains(&format!("`{variable}`")) {
                problems.push(format!("`{key}`: the variable `{variable}` is not named"));
            }
        }
        for (alias, target) in ENV_ALIASES {
            if target == key && !row.env.contains(&format!("`{alias}`")) {
                problems.push(format!("`{key}`: the alias `{alias}` is not named"));
            }
        }
        match documented(&row.default) {
            Ok(value) if value == *default => {}
            Ok(value) => problems.push(format!(
                "`{key}`: documented default {value} but the code has {default}"
            )),
            Err(e) => problems.push(format!("`{key}`: cannot read the default: {e}")),
        }
    }
    for key in doc.keys() {
        if !code.contains_key(key) {
            problems.push(format!("`{key}` is documented but not a configuration key"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_missing_key_or_a_wrong_default_is_noticed() {
    assert_eq!(documented("unset"), Ok(Value::Null));
    assert_eq!(documented("`10`"), Ok(serde_json::json!(10)));
    assert_eq!(
        documented("`[{ requests = 1, seconds = 2 }]`"),
        Ok(serde_json::json!([{ "requests": 1, "seconds": 2 }]))
    );
    assert!(documented("10").is_err());
}
