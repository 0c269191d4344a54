//! Sending SMS: picks the tenant's messenger, builds its provider (cached until the
//! messenger changes) and sends through it. Failures are returned to the caller and
//! recorded in the audit log, never swallowed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use providers::console::ConsoleProvider;
use providers::failover::FailoverProvider;
use providers::generic::{GenericConfig, GenericProvider};
use providers::twilio::{TwilioConfig, TwilioProvider};
use providers::{ProviderError, Receipt, Secret, Sms, SmsProvider};

use crate::app::App;
use crate::crypto::Keyring;
use crate::domain::ids::MessengerId;
use crate::domain::messenger::{
    GENERIC_PASSWORD_PURPOSE, Messenger, MessengerKind, TWILIO_TOKEN_PURPOSE,
};
use crate::domain::tenant::Tenant;
use crate::domain::time::Timestamp;
use crate::domain::validation::Violations;
use crate::domain::{DomainError, DomainResult};

/// A built provider and the last change of the messengers it was built from.
type CachedProvider = (Timestamp, Arc<dyn SmsProvider>);

/// Builds and caches providers for messengers.
#[derive(Debug)]
pub struct SmsGateway {
    outbox: PathBuf,
    /// Base of the delivery-report URL given to Twilio, when the daemon is reachable.
    public_url: Option<String>,
    cache: Mutex<HashMap<MessengerId, CachedProvider>>,
}

/// How deep a chain of fallbacks may go (a loop in the configuration stops here).
const MAX_FALLBACKS: usize = 3;

impl SmsGateway {
    pub fn new(outbox: PathBuf, public_url: Option<String>) -> Self {
        Self {
            outbox,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn outbox(&self) -> &std::path::Path {
        &self.outbox
    }

    /// A provider for one messenger (without its fallbacks).
    pub fn build(
        &self,
        keyring: &Keyring,
        messenger: &Messenger,
    ) -> Result<Arc<dyn SmsProvider>, ProviderError> {
        Ok(match &messenger.kind {
            MessengerKind::Console => Arc::new(ConsoleProvider::new(self.outbox.clone())),
            MessengerKind::Twilio {
                url,
                account_sid,
                auth_token,
                from_phone_number,
                messaging_service_sid,
            } => {
                let token = match auth_token {
                    Some(sealed) => {
                        let bytes = keyring.open(TWILIO_TOKEN_PURPOSE, sealed).map_err(|_| {
                            ProviderError::Invalid {
                                field: "authToken",
                                message:
                                    "the stored auth token cannot be decrypted with this master key"
                                        .to_owned(),
                            }
                        })?;
                        String::from_utf8_lossy(&bytes).into_owned()
                    }
                    None => String::new(),
                };
                let mut config = TwilioConfig::new(account_sid.clone(), Secret::new(token));
                config.url = url.clone();
                config.from_phone_number = from_phone_number.clone();
                config.messaging_service_sid = messaging_service_sid.clone();
                config.status_callback = self
                    .public_url
                    .as_ref()
                    .map(|base| format!("{base}/api/messenger/{}/status", messenger.id));
                Arc::new(TwilioProvider::new(config)?)
            }
            MessengerKind::Generic {
                url,
                headers,
                username,
                password,
                connect_timeout_ms,
                read_timeout_ms,
            } => {
                let mut config = GenericConfig::new(url.clone());
                config.headers = headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                config.http_authentication_username = username.clone();
                config.http_authentication_password = match password {
                    Some(sealed) => {
                        let bytes =
                            keyring
                                .open(GENERIC_PASSWORD_PURPOSE, sealed)
                                .map_err(|_| {
                                    ProviderError::Invalid {
                                field: "httpAuthenticationPassword",
                                message:
                                    "the stored password cannot be decrypted with this master key"
                                        .to_owned(),
                            }
                                })?;
                        Some(Secret::new(String::from_utf8_lossy(&bytes).into_owned()))
                    }
                    None => None,
                };
                config.connect_timeout = Duration::from_millis(*connect_timeout_ms);
                config.read_timeout = Duration::from_millis(*read_timeout_ms);
                Arc::new(GenericProvider::new(config)?)
            }
        })
    }

    /// The provider for a messenger with its fallback chain, cached by last change.
    async fn provider(&self, app: &App, id: MessengerId) -> DomainResult<Arc<dyn SmsProvider>> {
        let chain = app
            .store
            .read(move |tx| {
                let mut chain = Vec::new();
                let mut next = Some(id);
                while let Some(current) = next {
                    if chain.len() > MAX_FALLBACKS
                        || chain.iter().any(|m: &Messenger| m.id == current)
                    {
                        break;
                    }
                    match tx.messenger(current)? {
                        Some(messenger) => {
                            next = messenger.fallback_messenger_id;
                            chain.push(messenger);
                        }
                        None => break,
                    }
                }
                Ok::<_, DomainError>(chain)
            })
            .await?;
        let Some(first) = chain.first() else {
            return Err(DomainError::Provider {
                unreachable: false,
                errors: Violations::one_general(
                    "[MessengerMissing]",
                    "The tenant's SMS messenger does not exist; set tenant.multiFactorConfiguration.sms.messengerId.",
                ),
            });
        };
        let version = chain
            .iter()
            .map(|m| m.last_updated)
            .max()
            .unwrap_or(first.last_updated);
        if let Ok(cache) = self.cache.lock()
            && let Some((cached_version, provider)) = cache.get(&id)
            && *cached_version == version
        {
            return Ok(Arc::clone(provider));
        }
        let mut provider: Option<Arc<dyn SmsProvider>> = None;
        for messenger in chain.iter().rev() {
            let built = self
                .build(&app.keyring, messenger)
                .map_err(|e| provider_error(&e))?;
            provider = Some(match provider {
                None => built,
                Some(fallback) => Arc::new(FailoverProvider::new(built, fallback)),
            });
        }
        let provider =
            provider.ok_or_else(|| DomainError::Internal("empty messenger chain".to_owned()))?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(id, (version, Arc::clone(&provider)));
        }
        Ok(provider)
    }

    /// Sends through the tenant's two-factor messenger.
    pub async fn send_for_tenant(
        &self,
        app: &App,
        tenant: &Tenant,
        sms: &Sms,
    ) -> DomainResult<Result<Receipt, ProviderError>> {
        let Some(id) = tenant.two_factor.sms_messenger_id else {
            return Err(DomainError::Provider {
                unreachable: false,
                errors: Violations::one_general(
                    "[MessengerMissing]",
                    "No SMS messenger is configured; set tenant.multiFactorConfiguration.sms.messengerId.",
                ),
            });
        };
        let provider = self.provider(app, id).await?;
        let outcome = provider.send(sms).await;
        app.metrics.observe_sms(provider.kind(), outcome.is_ok());
        Ok(outcome)
    }
}

/// Renders the SMS text from the tenant's template.
pub fn render(tenant: &Tenant, code: &str) -> String {
    let minutes = tenant.lifetimes.code().as_secs().div_ceil(60);
    tenant
        .two_factor
        .sms_template
        .replace("{code}", code)
        .replace("{issuer}", &tenant.issuer)
        .replace("{minutes}", &minutes.to_string())
}

/// A provider failure as the API reports it: the provider's code, what it said, and what to fix.
pub fn provider_error(error: &ProviderError) -> DomainError {
    let code = match error.code() {
        Some(code) => format!("[ProviderError]{code}"),
        None => "[ProviderError]".to_owned(),
    };
    let mut data = Vec::new();
    if let Some(provider_code) = error.code() {
        data.push(("providerCode".to_owned(), provider_code.to_string()));
    }
    let mut errors = Violations::new();
    errors.general_with_data(code, format!("{error}. {}", error.hint()), data);
    DomainError::Provider {
        unreachable: error.is_transient(),
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_text_fits_one_gsm7_segment() {
        let tenant = Tenant::new_default("twofold".to_owned(), Timestamp::EPOCH);
        let text = render(&tenant, "123456");
        assert_eq!(text, "123456 is your twofold code. It expires in 5 min.");
        assert!(text.len() <= 160 && text.is_ascii());
    }
}
