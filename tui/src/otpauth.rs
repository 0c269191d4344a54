//! The `otpauth://` key URI that authenticator apps read from a QR code (Google Authenticator's
//! "Key Uri Format", which every TOTP app follows), and the Base32 secret grouped for typing.
//!
//! twofoldd's authenticator method is fixed at HMAC-SHA1, 6 digits, 30-second steps, so the URI
//! states those; the issuer and the account are percent-encoded (RFC 3986 unreserved characters
//! stay), joined by a literal `:` in the label.

use crate::client::encode_segment;

/// The issuer shown in the app when the tenant's is not known.
pub const DEFAULT_ISSUER: &str = "twofold";

/// `otpauth://totp/{issuer}:{account}?secret={base32}&issuer={issuer}&algorithm=SHA1&digits=6&period=30`.
pub fn uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let issuer = encode_segment(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret_base32}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
        encode_segment(account)
    )
}

/// The secret in groups of four, e.g. `HBGU USTG INMT IRKS IJ2G 65DW MVXF GYZT`: easier to copy
/// by eye; apps ignore the spaces.
pub fn grouped(secret_base32: &str) -> Vec<String> {
    let chars: Vec<char> = secret_base32.chars().filter(|c| *c != '=').collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uri_encodes_issuer_and_account() {
        assert_eq!(
            uri("My App", "a@b.co", "HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT"),
            "otpauth://totp/My%20App:a%40b.co?secret=HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT&issuer=My%20App&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            uri("https://auth.example.com", "bob+2fa@example.com", "AB"),
            "otpauth://totp/https%3A%2F%2Fauth.example.com:bob%2B2fa%40example.com?secret=AB&issuer=https%3A%2F%2Fauth.example.com&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn the_secret_is_grouped_in_fours() {
        assert_eq!(
            grouped("HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT").join(" "),
            "HBGU USTG INMT IRKS IJ2G 65DW MVXF GYZT"
        );
        assert_eq!(grouped("ABCDEF==").join(" "), "ABCD EF");
    }
}
