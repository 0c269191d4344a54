//! Shape checks for Twilio identifiers and phone numbers, and phone-number masking.
//!
//! These are the rules the daemon applies when a messenger is saved and that the TUI mirrors in its form, so
//! they are plain functions with documented, regex-like definitions. They check *shape* only: whether a
//! number exists, is a mobile, or belongs to the account is for Twilio to say. Error messages never echo the
//! value itself (an operator may paste the auth token into the wrong field); phone numbers appear masked.

use crate::ProviderError;

/// Checks `^AC[0-9a-fA-F]{32}$` (Twilio's Account SID, 34 characters). Errors name the field `accountSID`.
pub fn validate_account_sid(value: &str) -> Result<(), ProviderError> {
    validate_sid("accountSID", "AC", value)
}

/// Checks `^MG[0-9a-fA-F]{32}$` (a Twilio Messaging Service SID). Errors name the field
/// `messagingServiceSid`.
pub fn validate_messaging_service_sid(value: &str) -> Result<(), ProviderError> {
    validate_sid("messagingServiceSid", "MG", value)
}

fn validate_sid(field: &'static str, prefix: &str, value: &str) -> Result<(), ProviderError> {
    let invalid = |message: String| Err(ProviderError::Invalid { field, message });
    if value.is_empty() {
        return invalid(format!(
            "is empty; expected '{prefix}' followed by 32 hexadecimal characters"
        ));
    }
    if value.chars().any(char::is_whitespace) {
        return invalid(
            "contains whitespace (check for a stray space or line break when pasting)".to_owned(),
        );
    }
    let Some(hex) = value.strip_prefix(prefix) else {
        return invalid(format!(
            "must start with '{prefix}' followed by 32 hexadecimal characters"
        ));
    };
    let n_chars = value.chars().count();
    if n_chars != 34 {
        return invalid(format!(
            "must be 34 characters ('{prefix}' and 32 hexadecimal characters), not {n_chars}"
        ));
    }
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return invalid(format!(
            "after '{prefix}', only hexadecimal characters (0-9, a-f) are allowed"
        ));
    }
    Ok(())
}

/// Checks the E.164 *shape* `^\+[1-9][0-9]{1,14}$`: a `+`, then 2 to 15 digits, the first not 0. No spaces,
/// dashes or parentheses. It does not check that the country code or the number exists, so Twilio's test
/// sender `+15005550006` passes. `field` is the name reported in the error (`to`, `fromPhoneNumber`, …).
pub fn validate_e164_shape(field: &'static str, value: &str) -> Result<(), ProviderError> {
    let invalid = |message: String| Err(ProviderError::Invalid { field, message });
    let Some(digits) = value.strip_prefix('+') else {
        return invalid(format!(
            "{} must be in E.164 form: '+', the country code and the number, digits only \
             (for example +14155550123)",
            describe(value)
        ));
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return invalid(format!(
            "{} must contain only digits after the '+' (no spaces, dashes or parentheses)",
            describe(value)
        ));
    }
    if digits.starts_with('0') {
        return invalid(format!(
            "{} must not start with 0 after the '+' (drop the trunk prefix, put the country code first)",
            describe(value)
        ));
    }
    if !(2..=15).contains(&digits.len()) {
        return invalid(format!(
            "{} must have 2 to 15 digits after the '+', not {}",
            describe(value),
            digits.len()
        ));
    }
    Ok(())
}

fn describe(value: &str) -> String {
    if value.is_empty() {
        "the number is empty; it".to_owned()
    } else {
        format!("the number {}", mask_phone(value))
    }
}

/// Masks a phone number for logs and messages: every digit or letter but the last four digits becomes `*`;
/// `+` and punctuation stay. `+14155551234` → `+*******1234`. A number with four digits or fewer is masked
/// entirely.
pub fn mask_phone(number: &str) -> String {
    let n_digits = number.chars().filter(char::is_ascii_digit).count();
    let keep_from = if n_digits > 4 {
        n_digits - 4
    } else {
        usize::MAX
    };
    let mut seen_digits = 0;
    number
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen_digits += 1;
                if seen_digits > keep_from { c } else { '*' }
            } else if c.is_alphanumeric() {
                '*'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<(), ProviderError>) -> &'static str {
        match result {
            Err(ProviderError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn account_sid_shape() {
        assert!(validate_account_sid("AC0123456789abcdef0123456789ABCDEF").is_ok());
        for bad in [
            "",
            "AC",
            "AC0123456789abcdef0123456789abcde",   // 33
            "AC0123456789abcdef0123456789abcdef0", // 35
            "MG0123456789abcdef0123456789abcdef",
            "ac0123456789abcdef0123456789abcdef",
            "AC0123456789abcdef0123456789abcdeg",
            " AC0123456789abcdef0123456789abcdef",
            "AC0123456789abcdef0123456789abcdef\n",
            "AC0123456789abcdef0123456789abcdé",
        ] {
            assert_eq!(
                field_of(validate_account_sid(bad)),
                "accountSID",
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn messaging_service_sid_shape() {
        assert!(validate_messaging_service_sid("MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_ok());
        for bad in [
            "MG123",
            "AC0123456789abcdef0123456789abcdef",
            "MGzz23456789abcdef0123456789abcdef",
        ] {
            assert_eq!(
                field_of(validate_messaging_service_sid(bad)),
                "messagingServiceSid"
            );
        }
    }

    #[test]
    fn sid_errors_do_not_echo_the_value() {
        let pasted_token = "0123456789abcdef0123456789abcdef";
        let error = validate_account_sid(pasted_token).expect_err("not a SID");
        assert!(!error.to_string().contains(pasted_token), "{error}");
        assert!(!error.hint().contains(pasted_token));
    }

    #[test]
    fn e164_shape() {
        for good in [
            "+15005550006",
            "+12",
            "+123456789012345",
            "+447700900123",
            "+15005550001",
        ] {
            assert!(validate_e164_shape("to", good).is_ok(), "{good} refused");
        }
        for bad in [
            "",
            "+",
            "+1",
            "15005550006",
            "+0123456789",
            "+1234567890123456",
            "+1 415 555 0123",
            "+1-415-555-0123",
            "+1415555012a",
            "whatsapp:+14155550123",
            "＋14155550123",
        ] {
            assert_eq!(
                field_of(validate_e164_shape("to", bad)),
                "to",
                "{bad:?} accepted"
            );
        }
        assert_eq!(
            field_of(validate_e164_shape("fromPhoneNumber", "x")),
            "fromPhoneNumber"
        );
    }

    #[test]
    fn e164_errors_mask_the_number() {
        let error = validate_e164_shape("to", "+1415555012345678").expect_err("too long");
        let text = error.to_string();
        assert!(!text.contains("1415555012345678"), "{text}");
        assert!(text.contains("5678"), "{text}");
    }

    #[test]
    fn masking() {
        assert_eq!(mask_phone("+14155551234"), "+*******1234");
        assert_eq!(mask_phone("+1234"), "+****");
        assert_eq!(mask_phone("+12345"), "+*2345");
        assert_eq!(mask_phone(""), "");
        assert_eq!(mask_phone("whatsapp:+14155551234"), "********:+*******1234");
        assert_eq!(mask_phone("(415) 555-1234"), "(***) ***-1234");
    }
}
