//! `twofoldd check-config`: loads the configuration exactly as `serve` would (file, env,
//! flags), validates it, and prints the effective settings as TOML with secrets masked.
//! It opens no store and binds nothing.

use super::serve::{self, ServeArgs};
use crate::config::Config;

const MASK: &str = "********";

/// Key names whose string values are secrets.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    if key.ends_with("_file") || key.ends_with("_length") {
        return false;
    }
    [
        "password",
        "secret",
        "token",
        "api_key",
        "apikey",
        "private_key",
        "credential",
    ]
    .iter()
    .any(|word| key.contains(word))
}

/// `scheme://user:password@host` → `scheme://user:********@host`.
fn mask_url_password(value: &str) -> Option<String> {
    let (scheme, rest) = value.split_once("://")?;
    let (userinfo, host) = rest.split_once('@')?;
    if host.contains('/') && userinfo.contains('/') {
        return None;
    }
    let (user, _) = userinfo.split_once(':')?;
    Some(format!("{scheme}://{user}:{MASK}@{host}"))
}

/// Masks secret values in place, at any depth.
pub fn mask(value: &mut toml::Value, key: &str) {
    match value {
        toml::Value::Table(table) => {
            for (k, v) in table.iter_mut() {
                mask(v, k);
            }
        }
        toml::Value::Array(items) => items.iter_mut().for_each(|v| mask(v, key)),
        toml::Value::String(text) => {
            if is_secret_key(key) && !text.is_empty() {
                *text = MASK.to_owned();
            } else if let Some(masked) = mask_url_password(text) {
                *text = masked;
            }
        }
        _ => {}
    }
}

pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&serve::sources(args))?;
    let mut value = toml::Value::try_from(&config)?;
    mask(&mut value, "");
    print!("{}", toml::to_string_pretty(&value)?);
    eprintln!("twofoldd: the configuration is valid");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_other_values_kept() {
        let mut value: toml::Value = toml::from_str(
            r#"
            password_min_length = 8
            master_key_file = "/etc/twofold/master.key"
            [store]
            url = "postgres://twofold:hunter2@db.example.com/twofold"
            [twilio]
            auth_token = "abc123"
            api_key = "k"
            "#,
        )
        .expect("toml");
        mask(&mut value, "");
        let text = toml::to_string(&value).expect("toml");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("abc123"), "{text}");
        assert!(text.contains("postgres://twofold:********@db.example.com/twofold"));
        assert!(text.contains("password_min_length = 8"));
        assert!(text.contains("/etc/twofold/master.key"));
    }
}
