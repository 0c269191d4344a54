//! `ClientError`: every way a call to twofoldd can fail, named by what it means on the wire rather
//! than by what the user should read. Screens turn these into plain-language messages, because the
//! same status means different things per endpoint (404 is "wrong login or password" on
//! `/api/login` but "the login attempt expired" on `/api/two-factor/login`).

use super::wire::{Errors, LoginPreventedAction};

/// A failed call. Cloneable and comparable so it can travel inside `Event::Api` and be asserted on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The daemon URL given cannot be used (no http:// or https://, or the HTTP client could not
    /// be built for it).
    #[error("cannot use the daemon URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// No HTTP answer at all: connection refused, DNS, TLS, timeout.
    #[error("could not reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// 401 (empty body): the API key is missing or refused.
    #[error("the API key is missing or was refused (HTTP 401)")]
    Unauthorized,
    /// 404 (empty body).
    #[error("not found (HTTP 404)")]
    NotFound,
    /// 409 `{"actions":[…]}`: a "prevent login" action (e.g. too many failed logins) is active.
    #[error("login prevented (HTTP 409)")]
    LoginPrevented { actions: Vec<LoginPreventedAction> },
    /// 421 (empty body): the two-factor code was wrong.
    #[error("wrong code (HTTP 421)")]
    InvalidCode,
    /// 423 (empty body): the account is locked (deactivated).
    #[error("account locked (HTTP 423)")]
    Locked,
    /// 429 or 503, with the `Retry-After` seconds when the server sent them.
    #[error("server busy (HTTP {status})")]
    Busy {
        status: u16,
        retry_after_secs: Option<u64>,
    },
    /// Any other error status with a FusionAuth error body: 400 validation errors, and the 400/502
    /// a messenger test answers when the provider refused or was unreachable.
    #[error("request refused (HTTP {status})")]
    Rejected { status: u16, errors: Errors },
    /// A status this call does not expect, without a readable error body.
    #[error("unexpected answer HTTP {status} from {url}")]
    UnexpectedStatus { status: u16, url: String },
    /// A success status whose body could not be read as the expected JSON.
    #[error("could not understand the answer from {url}: {reason}")]
    Decode { url: String, reason: String },
}
