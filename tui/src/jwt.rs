//! Reads the claims of an access token for display (`sub`, `amr`, `exp`, …) by base64url-decoding
//! its payload, and abbreviates the token itself for the screen.
//!
//! It does **not** verify the signature: the client only shows what the daemon issued, it never
//! trusts these claims for a decision. The raw token is never rendered in full; use
//! [`token_prefix`].

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// How many leading characters of a token may be shown.
pub const PREFIX_CHARS: usize = 10;

/// The claims the Signed-in screen shows. Missing claims stay `None`/empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Claims {
    pub sub: Option<String>,
    /// Authentication methods, e.g. `["pwd","sms"]`. A single string claim becomes one entry.
    pub amr: Vec<String>,
    /// Expiry in epoch **seconds**.
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub email: Option<String>,
    pub authentication_type: Option<String>,
    pub application_id: Option<String>,
    pub roles: Vec<String>,
}

/// Why a token's claims could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("not a JWT (expected three dot-separated parts)")]
    Shape,
    #[error("the payload is not base64url")]
    Base64,
    #[error("the payload is not a JSON object")]
    Json,
}

/// Decodes the payload (second part) of a JWT without verifying it.
pub fn decode_claims(token: &str) -> Result<Claims, JwtError> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Shape);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| JwtError::Base64)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| JwtError::Json)?;
    let object = value.as_object().ok_or(JwtError::Json)?;
    let string = |key: &str| object.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let strings = |key: &str| match object.get(key) {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let number = |key: &str| object.get(key).and_then(serde_json::Value::as_i64);
    Ok(Claims {
        sub: string("sub"),
        amr: strings("amr"),
        exp: number("exp"),
        iat: number("iat"),
        email: string("email"),
        authentication_type: string("authenticationType"),
        application_id: string("applicationId"),
        roles: strings("roles"),
    })
}

/// The first [`PREFIX_CHARS`] characters of a token followed by `…`, e.g. `eyJhbGciOi…`.
pub fn token_prefix(token: &str) -> String {
    let prefix: String = token.chars().take(PREFIX_CHARS).collect();
    format!("{prefix}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn decodes_sub_amr_and_exp() {
        let claims = decode_claims(&token(
            r#"{"sub":"u-1","amr":["pwd","sms"],"exp":1700003600,"iat":1700000000,"roles":"admin"}"#,
        ));
        assert_eq!(
            claims,
            Ok(Claims {
                sub: Some("u-1".into()),
                amr: vec!["pwd".into(), "sms".into()],
                exp: Some(1_700_003_600),
                iat: Some(1_700_000_000),
                roles: vec!["admin".into()],
                ..Claims::default()
            })
        );
    }

    #[test]
    fn rejects_what_is_not_a_jwt() {
        assert_eq!(decode_claims("abc"), Err(JwtError::Shape));
        assert_eq!(decode_claims("a.!!!.c"), Err(JwtError::Base64));
        assert_eq!(
            decode_claims(&format!("a.{}.c", URL_SAFE_NO_PAD.encode("[1]"))),
            Err(JwtError::Json)
        );
    }

    #[test]
    fn prefix_shows_ten_characters_then_an_ellipsis() {
        assert_eq!(
            token_prefix("eyJhbGciOiJIUzI1NiJ9.payload.sig"),
            "eyJhbGciOi…"
        );
    }
}
