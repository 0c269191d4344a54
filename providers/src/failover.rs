//! A primary provider with a fallback. The fallback is tried only when the primary's error
//! [`is_transient`](crate::ProviderError::is_transient) (unreachable, timed out, 5xx after its retries). A
//! rejection (bad number, opted-out recipient, bad credentials) or an invalid message is returned as is: the
//! fallback would either fail the same way or hide a configuration error.
//!
//! The receipt names the provider that sent the message and, after a failover, carries the primary's kind
//! and error in [`Receipt::failed_over_from`]. When both fail, the fallback's error is returned and the
//! primary's is logged.
//!
//! It does not retry (each provider does that itself), remember that the primary is down, or balance load.

use std::sync::Arc;

use crate::{ProviderError, Receipt, Sms, SmsProvider, mask_phone};

#[derive(Debug, Clone)]
pub struct FailoverProvider {
    primary: Arc<dyn SmsProvider>,
    fallback: Arc<dyn SmsProvider>,
}

impl FailoverProvider {
    pub fn new(primary: Arc<dyn SmsProvider>, fallback: Arc<dyn SmsProvider>) -> Self {
        FailoverProvider { primary, fallback }
    }

    pub fn primary(&self) -> &Arc<dyn SmsProvider> {
        &self.primary
    }

    pub fn fallback(&self) -> &Arc<dyn SmsProvider> {
        &self.fallback
    }
}

#[async_trait::async_trait]
impl SmsProvider for FailoverProvider {
    fn kind(&self) -> &'static str {
        "failover"
    }

    async fn send(&self, sms: &Sms) -> Result<Receipt, ProviderError> {
        let primary_error = match self.primary.send(sms).await {
            Ok(receipt) => return Ok(receipt),
            Err(error) if error.is_transient() => error,
            Err(error) => return Err(error),
        };
        tracing::warn!(
            primary = self.primary.kind(),
            fallback = self.fallback.kind(),
            to = %mask_phone(&sms.to),
            error = %primary_error,
            "primary SMS provider unavailable; failing over"
        );
        match self.fallback.send(sms).await {
            Ok(mut receipt) => {
                receipt.failed_over_from = Some((self.primary.kind(), primary_error.to_string()));
                Ok(receipt)
            }
            Err(fallback_error) => {
                tracing::error!(
                    primary = self.primary.kind(),
                    primary_error = %primary_error,
                    fallback = self.fallback.kind(),
                    fallback_error = %fallback_error,
                    to = %mask_phone(&sms.to),
                    "both SMS providers failed"
                );
                Err(fallback_error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Answers from a script and counts calls.
    #[derive(Debug)]
    struct Scripted {
        kind: &'static str,
        answer: Result<Receipt, ProviderError>,
        calls: Mutex<u32>,
    }

    impl Scripted {
        fn new(kind: &'static str, answer: Result<Receipt, ProviderError>) -> Arc<Self> {
            Arc::new(Scripted {
                kind,
                answer,
                calls: Mutex::new(0),
            })
        }

        fn calls(&self) -> u32 {
            *self.calls.lock().expect("lock")
        }
    }

    #[async_trait::async_trait]
    impl SmsProvider for Scripted {
        fn kind(&self) -> &'static str {
            self.kind
        }

        async fn send(&self, _sms: &Sms) -> Result<Receipt, ProviderError> {
            *self.calls.lock().expect("lock") += 1;
            self.answer.clone()
        }
    }

    fn unavailable() -> ProviderError {
        ProviderError::Unavailable {
            http_status: Some(503),
            message: "down".to_owned(),
        }
    }

    fn sms() -> Sms {
        Sms::new("+14155551234", "code 123456")
    }

    #[tokio::test]
    async fn primary_success_does_not_touch_the_fallback() {
        let primary = Scripted::new("twilio", Ok(Receipt::new("twilio")));
        let fallback = Scripted::new("console", Ok(Receipt::new("console")));
        let failover = FailoverProvider::new(primary.clone(), fallback.clone());
        let receipt = failover.send(&sms()).await.expect("sent");
        assert_eq!(receipt.provider, "twilio");
        assert_eq!(receipt.failed_over_from, None);
        assert_eq!(fallback.calls(), 0);
        assert_eq!(failover.kind(), "failover");
    }

    #[tokio::test]
    async fn transient_errors_fail_over_and_say_so() {
        let primary = Scripted::new("twilio", Err(unavailable()));
        let fallback = Scripted::new("generic", Ok(Receipt::new("generic")));
        let receipt = FailoverProvider::new(primary.clone(), fallback.clone())
            .send(&sms())
            .await
            .expect("sent by the fallback");
        assert_eq!(receipt.provider, "generic");
        assert_eq!(
            receipt.failed_over_from,
            Some(("twilio", unavailable().to_string()))
        );
        assert_eq!((primary.calls(), fallback.calls()), (1, 1));
    }

    #[tokio::test]
    async fn rejections_do_not_fail_over() {
        let rejected = ProviderError::Rejected {
            http_status: 400,
            code: Some(21211),
            message: "invalid To".to_owned(),
            more_info: None,
            to_masked: None,
        };
        let primary = Scripted::new("twilio", Err(rejected.clone()));
        let fallback = Scripted::new("console", Ok(Receipt::new("console")));
        let error = FailoverProvider::new(primary, fallback.clone())
            .send(&sms())
            .await
            .expect_err("rejected");
        assert_eq!(error, rejected);
        assert_eq!(fallback.calls(), 0);
    }

    #[tokio::test]
    async fn when_both_fail_the_fallback_error_is_returned() {
        let fallback_error = ProviderError::Io("disk full".to_owned());
        let primary = Scripted::new("twilio", Err(unavailable()));
        let fallback = Scripted::new("console", Err(fallback_error.clone()));
        let error = FailoverProvider::new(primary, fallback)
            .send(&sms())
            .await
            .expect_err("both failed");
        assert_eq!(error, fallback_error);
    }
}
