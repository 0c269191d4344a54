//! Field-level checks for the Twilio setup and enrolment forms, run as the user types.
//!
//! Each check returns `Err(plain-language reason)` so a form can print it next to the field. These
//! are early hints only: the daemon validates again and its 400 answer is what counts.

/// Account SID: `AC` followed by 32 hex digits.
pub fn account_sid(value: &str) -> Result<(), String> {
    prefixed_hex(value, "AC", "an Account SID")
}

/// Messaging Service SID: `MG` followed by 32 hex digits.
pub fn messaging_service_sid(value: &str) -> Result<(), String> {
    prefixed_hex(value, "MG", "a Messaging Service SID")
}

/// An E.164 phone number: `+` then 2 to 15 digits, nothing else.
pub fn e164(value: &str) -> Result<(), String> {
    let Some(digits) = value.strip_prefix('+') else {
        return Err("must start with + and the country code, e.g. +15551234567".to_owned());
    };
    if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!("only digits after the +, found {bad:?}"));
    }
    match digits.len() {
        0..=1 => Err(format!(
            "too short: {} digit(s), need 2 to 15",
            digits.len()
        )),
        2..=15 => Ok(()),
        n => Err(format!("too long: {n} digits, at most 15")),
    }
}

/// The Twilio API base URL: must be an `http://` or `https://` URL with a host.
pub fn api_url(value: &str) -> Result<(), String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        None => Err("must start with https:// (or http:// for a local stub)".to_owned()),
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            Err("needs a host name after the scheme".to_owned())
        }
        Some(rest) if rest.chars().any(char::is_whitespace) => {
            Err("must not contain spaces".to_owned())
        }
        Some(_) => Ok(()),
    }
}

fn prefixed_hex(value: &str, prefix: &str, what: &str) -> Result<(), String> {
    let Some(rest) = value.strip_prefix(prefix) else {
        return Err(format!("{what} starts with {prefix}"));
    };
    if let Some(bad) = rest.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "{prefix} must be followed by hex digits (0-9, a-f), found {bad:?}"
        ));
    }
    let n_digits = rest.chars().count();
    if n_digits == 32 {
        Ok(())
    } else {
        Err(format!(
            "{prefix} must be followed by 32 hex digits, have {n_digits}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX32: &str = "0123456789abcdef0123456789ABCDEF";

    #[test]
    fn account_sid_needs_ac_and_32_hex_digits() {
        assert!(account_sid(&format!("AC{HEX32}")).is_ok());
        assert!(account_sid(&format!("MG{HEX32}")).is_err());
        assert!(account_sid("AC0123").is_err());
        assert!(account_sid(&format!("AC{HEX32}0")).is_err());
        assert!(account_sid(&format!("AC{}", "g".repeat(32))).is_err());
        assert!(account_sid("").is_err());
    }

    #[test]
    fn messaging_service_sid_needs_mg_and_32_hex_digits() {
        assert!(messaging_service_sid(&format!("MG{HEX32}")).is_ok());
        assert!(messaging_service_sid(&format!("AC{HEX32}")).is_err());
    }

    #[test]
    fn e164_accepts_plus_and_2_to_15_digits() {
        assert!(e164("+15551234567").is_ok());
        assert!(e164("+12").is_ok());
        assert!(e164("+123456789012345").is_ok());
        assert!(e164("+1234567890123456").is_err());
        assert!(e164("+1").is_err());
        assert!(e164("15551234567").is_err());
        assert!(e164("+1 555 123").is_err());
        assert!(e164("").is_err());
    }

    #[test]
    fn api_url_needs_a_scheme_and_host() {
        assert!(api_url("https://api.twilio.com").is_ok());
        assert!(api_url("http://127.0.0.1:4010").is_ok());
        assert!(api_url("api.twilio.com").is_err());
        assert!(api_url("https://").is_err());
    }
}
