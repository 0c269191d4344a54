//! Bounded retries with exponential backoff for the HTTP providers.
//!
//! The providers decide *what* may be retried (a failed connection, 429, 5xx: requests the server did not
//! act on, or says it did not); this module only decides *how often* and *how long to wait*. It never retries
//! on its own, and it has no jitter: the daemon sends one message per login, not bursts.

use std::future::Future;
use std::time::Duration;

use crate::ProviderError;

/// How often and how patiently to retry a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Extra attempts after the first one (default 2, so at most 3 requests).
    pub max_retries: u32,
    /// The wait before the first retry; it doubles for each following one (default 250 ms).
    pub base_backoff: Duration,
    /// The longest wait, also the cap on a server's `Retry-After` (default 5 s).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (0 for the first retry): the server's `retry_after` if it sent
    /// one, else `base_backoff * 2^retry`; either way at most `max_backoff`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let wanted = match retry_after {
            Some(wait) => wait,
            None => self
                .base_backoff
                .checked_mul(1u32 << retry.min(20))
                .unwrap_or(self.max_backoff),
        };
        wanted.min(self.max_backoff)
    }
}

/// What one attempt produced.
pub(crate) enum Attempt<T> {
    /// Final: success, or an error retrying cannot fix.
    Done(Result<T, ProviderError>),
    /// Safe to retry; `error` is returned as is once the retries are spent.
    Retry {
        error: ProviderError,
        retry_after: Option<Duration>,
    },
}

/// Runs `attempt` until it is done or `policy.max_retries` retries have been spent, sleeping in between.
pub(crate) async fn run<T, F, Fut>(
    policy: &RetryPolicy,
    provider: &'static str,
    mut attempt: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<T>>,
{
    let mut retry = 0;
    loop {
        match attempt().await {
            Attempt::Done(result) => return result,
            Attempt::Retry { error, retry_after } => {
                if retry >= policy.max_retries {
                    return Err(error);
                }
                let delay = policy.delay(retry, retry_after);
                tracing::warn!(
                    provider,
                    retry = retry + 1,
                    max_retries = policy.max_retries,
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    error = %error,
                    "SMS provider request failed; retrying"
                );
                tokio::time::sleep(delay).await;
                retry += 1;
            }
        }
    }
}

/// Parses a `Retry-After` header given in seconds. The HTTP-date form is ignored (the backoff applies).
pub(crate) fn parse_retry_after(value: Option<&reqwest::header::HeaderValue>) -> Option<Duration> {
    let seconds: u64 = value?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy {
            max_retries: 5,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(1),
        };
        assert_eq!(policy.delay(0, None), Duration::from_millis(250));
        assert_eq!(policy.delay(1, None), Duration::from_millis(500));
        assert_eq!(policy.delay(2, None), Duration::from_secs(1));
        assert_eq!(policy.delay(40, None), Duration::from_secs(1));
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let policy = RetryPolicy {
            max_retries: 2,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(3),
        };
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(60))),
            Duration::from_secs(3)
        );
        assert_eq!(policy.delay(0, Some(Duration::ZERO)), Duration::ZERO);
    }

    #[test]
    fn retry_after_parsing() {
        use reqwest::header::HeaderValue;
        assert_eq!(
            parse_retry_after(Some(&HeaderValue::from_static("1"))),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            parse_retry_after(Some(&HeaderValue::from_static(" 7 "))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(Some(&HeaderValue::from_static(
                "Wed, 21 Oct 2015 07:28:00 GMT"
            ))),
            None
        );
        assert_eq!(parse_retry_after(None), None);
    }

    #[tokio::test]
    async fn run_stops_after_max_retries_and_returns_the_last_error() {
        let policy = RetryPolicy {
            max_retries: 2,
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
        };
        let mut n_attempts = 0;
        let result: Result<(), ProviderError> = run(&policy, "test", || {
            n_attempts += 1;
            let n = n_attempts;
            async move {
                Attempt::Retry {
                    error: ProviderError::Unavailable {
                        http_status: Some(500),
                        message: format!("attempt {n}"),
                    },
                    retry_after: None,
                }
            }
        })
        .await;
        assert_eq!(n_attempts, 3);
        assert_eq!(
            result,
            Err(ProviderError::Unavailable {
                http_status: Some(500),
                message: "attempt 3".to_owned()
            })
        );
    }

    #[tokio::test]
    async fn run_returns_as_soon_as_done() {
        let mut n_attempts = 0;
        let result = run(&RetryPolicy::default(), "test", || {
            n_attempts += 1;
            async { Attempt::Done(Ok(7)) }
        })
        .await;
        assert_eq!(result, Ok(7));
        assert_eq!(n_attempts, 1);
    }
}
