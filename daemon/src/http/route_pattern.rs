//! The route pattern of a request path, for metric labels: `/api/user/{id}`, never a raw id.
//! Paths the router does not know become `other`, so a client cannot grow the label set.
//! This module does not route (see [`super::router`]); keep [`KNOWN`] in step with it.

/// Path segments that are part of a route; any other segment is an id.
const WORDS: &[&str] = &[
    ".well-known",
    "jwks.json",
    "metrics",
    "api",
    "status",
    "login",
    "logout",
    "jwt",
    "public-key",
    "validate",
    "refresh",
    "two-factor",
    "secret",
    "send",
    "user",
    "recovery-code",
    "action",
    "registration",
    "application",
    "api-key",
    "messenger",
    "test",
    "tenant",
    "system",
    "audit-log",
    "search",
    "backup",
];

/// Every route the router serves, as a pattern.
const KNOWN: &[&str] = &[
    "/.well-known/jwks.json",
    "/metrics",
    "/api/status",
    "/api/login",
    "/api/logout",
    "/api/jwt/public-key",
    "/api/jwt/validate",
    "/api/jwt/refresh",
    "/api/two-factor/secret",
    "/api/two-factor/login",
    "/api/two-factor/send",
    "/api/two-factor/send/{id}",
    "/api/two-factor/status",
    "/api/two-factor/status/{id}",
    "/api/user/two-factor/recovery-code/{id}",
    "/api/user/two-factor/{id}",
    "/api/user/action",
    "/api/user/action/{id}",
    "/api/user/registration",
    "/api/user/registration/{id}",
    "/api/user/registration/{id}/{id}",
    "/api/user",
    "/api/user/{id}",
    "/api/application",
    "/api/application/{id}",
    "/api/api-key",
    "/api/api-key/{id}",
    "/api/messenger",
    "/api/messenger/test",
    "/api/messenger/{id}",
    "/api/messenger/{id}/test",
    "/api/messenger/{id}/status",
    "/api/tenant",
    "/api/tenant/{id}",
    "/api/system/audit-log/search",
    "/api/system/backup",
];

/// The pattern of `path`, or `other`.
pub fn pattern(path: &str) -> String {
    let mut out = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(if WORDS.contains(&segment) {
            segment
        } else {
            "{id}"
        });
        if out.len() > 64 {
            break;
        }
    }
    if KNOWN.contains(&out.as_str()) {
        out
    } else {
        "other".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::pattern;

    #[test]
    fn ids_become_placeholders_and_unknown_paths_other() {
        assert_eq!(
            pattern("/api/user/7b0f8d2e-3c1a-4b5e-9f00-000000000001"),
            "/api/user/{id}"
        );
        assert_eq!(pattern("/api/login"), "/api/login");
        assert_eq!(
            pattern("/api/two-factor/send/secret-id"),
            "/api/two-factor/send/{id}"
        );
        assert_eq!(
            pattern("/api/user/registration/a/b"),
            "/api/user/registration/{id}/{id}"
        );
        assert_eq!(pattern("/api/nothing/here"), "other");
        assert_eq!(pattern("/wp-admin"), "other");
    }
}
