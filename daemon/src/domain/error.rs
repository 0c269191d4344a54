//! The failures a use case can end in. Outcomes that are not failures (242, 202) are not
//! here: they are variants of the use case's own outcome type. `http::error` maps every
//! variant to a status code in one exhaustive `match`.

use std::time::Duration;

use crate::domain::lockout::LockAction;
use crate::domain::validation::Violations;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The request is malformed or breaks a rule (400 with field errors).
    #[error("validation failed: {0:?}")]
    Validation(Violations),
    /// The addressed resource does not exist (404, empty body).
    #[error("not found")]
    NotFound,
    /// Unknown login id or wrong password: deliberately one variant (404, empty body).
    #[error("bad credentials")]
    BadCredentials,
    /// A wrong one-time code for a live challenge (421, empty body).
    #[error("invalid code")]
    InvalidCode,
    /// A missing, invalid or insufficient API key or token (401, empty body).
    #[error("unauthorized")]
    Unauthorized,
    /// A "prevent login" action is active, e.g. the failed-login lockout (409 with actions).
    #[error("login prevented")]
    LoginPrevented(Vec<LockAction>),
    /// The user is deactivated (423), revealed only after the password matched.
    #[error("user deactivated")]
    UserDeactivated,
    /// The user's `expiry` has passed (410).
    #[error("user expired")]
    UserExpired,
    /// A rate limit refused the request (429 with `Retry-After`).
    #[error("rate limited")]
    RateLimited { retry_after: Duration },
    /// The daemon is saturated and sheds load (503 with `Retry-After`).
    #[error("overloaded")]
    Overloaded { retry_after: Duration },
    /// An SMS provider refused (400) or could not be reached (502); the violations say why.
    #[error("provider failure")]
    Provider {
        unreachable: bool,
        errors: Violations,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A broken invariant or a failed internal operation (500, logged, never shown).
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn validation(field: &str, kind: &str, message: impl Into<String>) -> Self {
        Self::Validation(Violations::one(field, kind, message))
    }

    pub fn general(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(Violations::one_general(code, message))
    }
}

impl From<Violations> for DomainError {
    fn from(v: Violations) -> Self {
        Self::Validation(v)
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
