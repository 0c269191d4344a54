//! `ApiClient`: the only code in the client that speaks HTTP to twofoldd (reqwest), with one method
//! per endpoint, plus [`ApiRequest`]/[`ApiResponse`], the data form of those calls that `App`
//! emits as effects and receives back as events.
//!
//! It maps statuses to [`LoginOutcome`]s and [`ClientError`]s and nothing more: no retries, no
//! user-facing wording, no state. The API key goes only on keyed calls (`Authorization: <raw key>`,
//! no scheme); `/api/two-factor/send/{id}`, `/api/two-factor/login`, `/api/jwt/refresh` and
//! `/api/logout` never carry it. Wire structs are the client's own (see [`wire`]); this crate never
//! imports the daemon.

pub mod error;
pub mod wire;

use std::time::Duration;

use reqwest::{Method, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use error::ClientError;
use wire::{
    EnableAuthenticatorRequest, EnableTwoFactorRequest, EnrolmentSendRequest, Errors,
    LoginPreventedResponse, LoginRequest, LoginResponse, LogoutRequest, Messenger,
    MessengerEnvelope, MessengerList, MessengerTestRequest, MultiFactorConfiguration,
    RecoveryCodes, RefreshRequest, RefreshResponse, RegistrationRequest, RegistrationResponse,
    Secret, SendCodeRequest, SmsConfiguration, Tenant, TenantList, TenantPatch, TenantPatchRequest,
    TestReceipt, TestReceiptEnvelope, TwoFactorChallenge, TwoFactorLoginRequest, TwoFactorSecret,
};

/// How long to wait for a TCP connection before calling the daemon unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Whole-request cap. Generous because a messenger test waits on the SMS provider (the daemon caps
/// that at about 10 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The result of every call, as carried by `Event::Api`.
pub type ApiResult = Result<ApiResponse, ClientError>;

/// The successful outcomes of `/api/login` and `/api/two-factor/login`. All are 2xx: FusionAuth
/// clients must branch on the status number, and this is where we do.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginOutcome {
    /// 200 (and 212/213, which also carry a token): signed in.
    Success(LoginResponse),
    /// 202: the password was right but the user is not registered for this application.
    NotRegistered(LoginResponse),
    /// 203: a password change is required first.
    PasswordChangeRequired,
    /// 242: a second factor is required.
    TwoFactorRequired(TwoFactorChallenge),
}

/// One call to twofoldd, as data. `App::update` emits these inside `Effect::Call`.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiRequest {
    Login(LoginRequest),
    SendTwoFactorCode {
        two_factor_id: Secret,
        method_id: String,
    },
    TwoFactorLogin(TwoFactorLoginRequest),
    RefreshJwt {
        refresh_token: Secret,
    },
    Logout {
        refresh_token: Option<Secret>,
    },
    ListMessengers,
    CreateMessenger(Messenger),
    UpdateMessenger {
        id: String,
        messenger: Messenger,
    },
    /// Test a saved messenger by id.
    TestSavedMessenger {
        id: String,
        phone_number: String,
    },
    /// Test a configuration that is not saved (or whose edits are not).
    TestMessenger {
        messenger: Messenger,
        phone_number: String,
    },
    ListTenants,
    SetTenantSmsMessenger {
        tenant_id: String,
        messenger_id: String,
    },
    Register(RegistrationRequest),
    SendEnrolmentCode {
        user_id: String,
        mobile_phone: String,
    },
    EnableSmsTwoFactor {
        user_id: String,
        mobile_phone: String,
        code: Secret,
    },
    /// A fresh authenticator secret (with the API key).
    GetTwoFactorSecret,
    /// Enable an authenticator app holding `secret_base32`, proven by a current `code`.
    EnableAuthenticator {
        user_id: String,
        secret_base32: Secret,
        code: Secret,
    },
}

/// The successful answer to an [`ApiRequest`], variant for variant.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiResponse {
    Login(LoginOutcome),
    CodeSent,
    TwoFactorLogin(LoginOutcome),
    Refreshed(RefreshResponse),
    LoggedOut,
    Messengers(Vec<Messenger>),
    MessengerSaved(Messenger),
    TestReceipt(TestReceipt),
    Tenants(Vec<Tenant>),
    TenantUpdated,
    Registered(RegistrationResponse),
    EnrolmentCodeSent,
    /// The recovery codes, present only when this was the user's first method.
    TwoFactorEnabled(Vec<Secret>),
    TwoFactorSecret(TwoFactorSecret),
}

/// Whether a call carries the API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    ApiKey,
    Anonymous,
}

/// A raw HTTP answer before interpretation.
struct Answer {
    url: String,
    status: u16,
    retry_after_secs: Option<u64>,
    body: Vec<u8>,
}

/// The HTTP client for twofoldd. Cheap to clone (reqwest pools connections behind an `Arc`).
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    /// Without a trailing slash, e.g. `http://127.0.0.1:9011`.
    base_url: String,
    api_key: Option<Secret>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// A client for the daemon at `base_url` (e.g. `http://127.0.0.1:9011`). An empty `api_key`
    /// counts as none.
    pub fn new(base_url: &str, api_key: Option<String>) -> Result<Self, ClientError> {
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ClientError::InvalidUrl {
                url: base_url,
                reason: "it must start with http:// or https://".to_owned(),
            });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("twofold/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ClientError::InvalidUrl {
                url: base_url.clone(),
                reason: error_chain(&err),
            })?;
        let api_key = api_key.filter(|k| !k.is_empty()).map(Secret::new);
        Ok(Self {
            http,
            base_url,
            api_key,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    /// Runs one [`ApiRequest`] with the matching method below.
    pub async fn perform(&self, request: ApiRequest) -> ApiResult {
        match request {
            ApiRequest::Login(body) => self.login(&body).await.map(ApiResponse::Login),
            ApiRequest::SendTwoFactorCode {
                two_factor_id,
                method_id,
            } => self
                .send_two_factor_code(&two_factor_id, &method_id)
                .await
                .map(|()| ApiResponse::CodeSent),
            ApiRequest::TwoFactorLogin(body) => self
                .two_factor_login(&body)
                .await
                .map(ApiResponse::TwoFactorLogin),
            ApiRequest::RefreshJwt { refresh_token } => self
                .refresh_jwt(&refresh_token)
                .await
                .map(ApiResponse::Refreshed),
            ApiRequest::Logout { refresh_token } => self
                .logout(refresh_token.as_ref())
                .await
                .map(|()| ApiResponse::LoggedOut),
            ApiRequest::ListMessengers => self.list_messengers().await.map(ApiResponse::Messengers),
            ApiRequest::CreateMessenger(messenger) => self
                .create_messenger(&messenger)
                .await
                .map(ApiResponse::MessengerSaved),
            ApiRequest::UpdateMessenger { id, messenger } => self
                .update_messenger(&id, &messenger)
                .await
                .map(ApiResponse::MessengerSaved),
            ApiRequest::TestSavedMessenger { id, phone_number } => self
                .test_saved_messenger(&id, &phone_number)
                .await
                .map(ApiResponse::TestReceipt),
            ApiRequest::TestMessenger {
                messenger,
                phone_number,
            } => self
                .test_messenger(&messenger, &phone_number)
                .await
                .map(ApiResponse::TestReceipt),
            ApiRequest::ListTenants => self.list_tenants().await.map(ApiResponse::Tenants),
            ApiRequest::SetTenantSmsMessenger {
                tenant_id,
                messenger_id,
            } => self
                .set_tenant_sms_messenger(&tenant_id, &messenger_id)
                .await
                .map(|()| ApiResponse::TenantUpdated),
            ApiRequest::Register(body) => self.register(&body).await.map(ApiResponse::Registered),
            ApiRequest::SendEnrolmentCode {
                user_id,
                mobile_phone,
            } => self
                .send_enrolment_code(&user_id, &mobile_phone)
                .await
                .map(|()| ApiResponse::EnrolmentCodeSent),
            ApiRequest::EnableSmsTwoFactor {
                user_id,
                mobile_phone,
                code,
            } => self
                .enable_sms_two_factor(&user_id, &mobile_phone, &code)
                .await
                .map(ApiResponse::TwoFactorEnabled),
            ApiRequest::GetTwoFactorSecret => self
                .two_factor_secret()
                .await
                .map(ApiResponse::TwoFactorSecret),
            ApiRequest::EnableAuthenticator {
                user_id,
                secret_base32,
                code,
            } => self
                .enable_authenticator(&user_id, &secret_base32, &code)
                .await
                .map(ApiResponse::TwoFactorEnabled),
        }
    }

    /// `POST /api/login`, with the API key when there is one.
    pub async fn login(&self, body: &LoginRequest) -> Result<LoginOutcome, ClientError> {
        let answer = self
            .call(Method::POST, "/api/login", Auth::ApiKey, Some(body))
            .await?;
        login_outcome(answer)
    }

    /// `POST /api/two-factor/send/{twoFactorId}` (no key): send or resend the code.
    pub async fn send_two_factor_code(
        &self,
        two_factor_id: &Secret,
        method_id: &str,
    ) -> Result<(), ClientError> {
        let path = format!(
            "/api/two-factor/send/{}",
            encode_segment(two_factor_id.expose())
        );
        let body = SendCodeRequest {
            method_id: method_id.to_owned(),
        };
        let answer = self
            .call(Method::POST, &path, Auth::Anonymous, Some(&body))
            .await?;
        expect_empty(answer)
    }

    /// `POST /api/two-factor/login` (no key).
    pub async fn two_factor_login(
        &self,
        body: &TwoFactorLoginRequest,
    ) -> Result<LoginOutcome, ClientError> {
        let answer = self
            .call(
                Method::POST,
                "/api/two-factor/login",
                Auth::Anonymous,
                Some(body),
            )
            .await?;
        login_outcome(answer)
    }

    /// `POST /api/jwt/refresh` (no key).
    pub async fn refresh_jwt(
        &self,
        refresh_token: &Secret,
    ) -> Result<RefreshResponse, ClientError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.clone(),
        };
        let answer = self
            .call(
                Method::POST,
                "/api/jwt/refresh",
                Auth::Anonymous,
                Some(&body),
            )
            .await?;
        expect_json(answer)
    }

    /// `POST /api/logout` (no key) with `{"global":false,"refreshToken":…}`.
    pub async fn logout(&self, refresh_token: Option<&Secret>) -> Result<(), ClientError> {
        let body = LogoutRequest {
            global: false,
            refresh_token: refresh_token.cloned(),
        };
        let answer = self
            .call(Method::POST, "/api/logout", Auth::Anonymous, Some(&body))
            .await?;
        expect_empty(answer)
    }

    /// `GET /api/messenger` (key).
    pub async fn list_messengers(&self) -> Result<Vec<Messenger>, ClientError> {
        let answer = self
            .call::<()>(Method::GET, "/api/messenger", Auth::ApiKey, None)
            .await?;
        expect_json::<MessengerList>(answer).map(|list| list.messengers)
    }

    /// `POST /api/messenger` (key).
    pub async fn create_messenger(&self, messenger: &Messenger) -> Result<Messenger, ClientError> {
        let body = MessengerEnvelope {
            messenger: messenger.clone(),
        };
        let answer = self
            .call(Method::POST, "/api/messenger", Auth::ApiKey, Some(&body))
            .await?;
        expect_json::<MessengerEnvelope>(answer).map(|envelope| envelope.messenger)
    }

    /// `PATCH /api/messenger/{id}` (key). Leave `auth_token` out to keep the stored one.
    pub async fn update_messenger(
        &self,
        id: &str,
        messenger: &Messenger,
    ) -> Result<Messenger, ClientError> {
        let body = MessengerEnvelope {
            messenger: messenger.clone(),
        };
        let path = format!("/api/messenger/{}", encode_segment(id));
        let answer = self
            .call(Method::PATCH, &path, Auth::ApiKey, Some(&body))
            .await?;
        expect_json::<MessengerEnvelope>(answer).map(|envelope| envelope.messenger)
    }

    /// `POST /api/messenger/{id}/test` (key): send a test message with a saved messenger.
    pub async fn test_saved_messenger(
        &self,
        id: &str,
        phone_number: &str,
    ) -> Result<TestReceipt, ClientError> {
        let body = MessengerTestRequest {
            messenger: None,
            phone_number: phone_number.to_owned(),
        };
        let path = format!("/api/messenger/{}/test", encode_segment(id));
        let answer = self
            .call(Method::POST, &path, Auth::ApiKey, Some(&body))
            .await?;
        expect_json::<TestReceiptEnvelope>(answer).map(|envelope| envelope.receipt)
    }

    /// `POST /api/messenger/test` (key): send a test message with an unsaved configuration.
    pub async fn test_messenger(
        &self,
        messenger: &Messenger,
        phone_number: &str,
    ) -> Result<TestReceipt, ClientError> {
        let body = MessengerTestRequest {
            messenger: Some(messenger.clone()),
            phone_number: phone_number.to_owned(),
        };
        let answer = self
            .call(
                Method::POST,
                "/api/messenger/test",
                Auth::ApiKey,
                Some(&body),
            )
            .await?;
        expect_json::<TestReceiptEnvelope>(answer).map(|envelope| envelope.receipt)
    }

    /// `GET /api/tenant` (key).
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, ClientError> {
        let answer = self
            .call::<()>(Method::GET, "/api/tenant", Auth::ApiKey, None)
            .await?;
        expect_json::<TenantList>(answer).map(|list| list.tenants)
    }

    /// `PATCH /api/tenant/{id}` (key): enable SMS two-factor with this messenger.
    pub async fn set_tenant_sms_messenger(
        &self,
        tenant_id: &str,
        messenger_id: &str,
    ) -> Result<(), ClientError> {
        let body = TenantPatchRequest {
            tenant: TenantPatch {
                multi_factor_configuration: MultiFactorConfiguration {
                    sms: Some(SmsConfiguration {
                        enabled: Some(true),
                        messenger_id: Some(messenger_id.to_owned()),
                    }),
                },
            },
        };
        let path = format!("/api/tenant/{}", encode_segment(tenant_id));
        let answer = self
            .call(Method::PATCH, &path, Auth::ApiKey, Some(&body))
            .await?;
        expect_success(answer).map(|_| ())
    }

    /// `POST /api/user/registration` (key): create a user registered for an application.
    pub async fn register(
        &self,
        body: &RegistrationRequest,
    ) -> Result<RegistrationResponse, ClientError> {
        let answer = self
            .call(
                Method::POST,
                "/api/user/registration",
                Auth::ApiKey,
                Some(body),
            )
            .await?;
        expect_json(answer)
    }

    /// `POST /api/two-factor/send` (key): send an enrolment code to a phone.
    pub async fn send_enrolment_code(
        &self,
        user_id: &str,
        mobile_phone: &str,
    ) -> Result<(), ClientError> {
        let body = EnrolmentSendRequest {
            method: "sms".to_owned(),
            mobile_phone: mobile_phone.to_owned(),
            user_id: user_id.to_owned(),
        };
        let answer = self
            .call(
                Method::POST,
                "/api/two-factor/send",
                Auth::ApiKey,
                Some(&body),
            )
            .await?;
        expect_empty(answer)
    }

    /// `POST /api/user/two-factor/{userId}` (key): confirm the code and enable SMS two-factor.
    /// Returns the recovery codes when this is the first method, else an empty list.
    pub async fn enable_sms_two_factor(
        &self,
        user_id: &str,
        mobile_phone: &str,
        code: &Secret,
    ) -> Result<Vec<Secret>, ClientError> {
        let body = EnableTwoFactorRequest {
            method: "sms".to_owned(),
            mobile_phone: mobile_phone.to_owned(),
            code: code.clone(),
        };
        self.enable_two_factor(user_id, &body).await
    }

    /// `GET /api/two-factor/secret` (key): a fresh secret for an authenticator app.
    pub async fn two_factor_secret(&self) -> Result<TwoFactorSecret, ClientError> {
        let answer = self
            .call::<()>(Method::GET, "/api/two-factor/secret", Auth::ApiKey, None)
            .await?;
        expect_json(answer)
    }

    /// `POST /api/user/two-factor/{userId}` (key) with `method: "authenticator"`: confirm a code
    /// from the app holding `secret_base32` and enable it. Returns the recovery codes when this is
    /// the first method, else an empty list; a wrong code is [`ClientError::InvalidCode`].
    pub async fn enable_authenticator(
        &self,
        user_id: &str,
        secret_base32: &Secret,
        code: &Secret,
    ) -> Result<Vec<Secret>, ClientError> {
        let body = EnableAuthenticatorRequest {
            method: "authenticator".to_owned(),
            secret_base32_encoded: secret_base32.clone(),
            code: code.clone(),
        };
        self.enable_two_factor(user_id, &body).await
    }

    /// `POST /api/user/two-factor/{userId}`: 200 with `{"recoveryCodes":[…]}` for a first method,
    /// 200 empty for another.
    async fn enable_two_factor<B: Serialize>(
        &self,
        user_id: &str,
        body: &B,
    ) -> Result<Vec<Secret>, ClientError> {
        let path = format!("/api/user/two-factor/{}", encode_segment(user_id));
        let answer = self
            .call(Method::POST, &path, Auth::ApiKey, Some(body))
            .await?;
        let answer = expect_success(answer)?;
        if answer.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        decode::<RecoveryCodes>(&answer).map(|codes| codes.recovery_codes)
    }

    /// Sends one request and returns the raw answer, whatever its status. Only transport failures
    /// are errors here.
    async fn call<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        auth: Auth,
        body: Option<&B>,
    ) -> Result<Answer, ClientError> {
        let url = format!("{}{path}", self.base_url);
        let mut request = self
            .http
            .request(method, &url)
            .header(header::ACCEPT, "application/json");
        if auth == Auth::ApiKey
            && let Some(key) = &self.api_key
        {
            request = request.header(header::AUTHORIZATION, key.expose());
        }
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body).map_err(|err| ClientError::Decode {
                url: url.clone(),
                reason: format!("could not encode the request: {err}"),
            })?;
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(bytes);
        }
        let unreachable = |err: reqwest::Error| ClientError::Unreachable {
            url: url.clone(),
            reason: if err.is_timeout() {
                "no answer in time (timed out)".to_owned()
            } else {
                error_chain(&err)
            },
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let retry_after_secs = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        let body = response.bytes().await.map_err(unreachable)?.to_vec();
        Ok(Answer {
            url,
            status,
            retry_after_secs,
            body,
        })
    }
}

/// 200/202/203/212/213/242 of the login endpoints; everything else is an error.
fn login_outcome(answer: Answer) -> Result<LoginOutcome, ClientError> {
    match answer.status {
        200 | 212 | 213 => decode(&answer).map(LoginOutcome::Success),
        202 => decode(&answer).map(LoginOutcome::NotRegistered),
        203 => Ok(LoginOutcome::PasswordChangeRequired),
        242 => decode(&answer).map(LoginOutcome::TwoFactorRequired),
        _ => Err(failure(answer)),
    }
}

/// Any 2xx, body ignored (send and logout answer 200 with an empty body and no JSON type).
fn expect_empty(answer: Answer) -> Result<(), ClientError> {
    expect_success(answer).map(|_| ())
}

/// Any 2xx with a JSON body of type `T`.
fn expect_json<T: DeserializeOwned>(answer: Answer) -> Result<T, ClientError> {
    let answer = expect_success(answer)?;
    decode(&answer)
}

fn expect_success(answer: Answer) -> Result<Answer, ClientError> {
    if (200..300).contains(&answer.status) {
        Ok(answer)
    } else {
        Err(failure(answer))
    }
}

fn decode<T: DeserializeOwned>(answer: &Answer) -> Result<T, ClientError> {
    serde_json::from_slice(&answer.body).map_err(|err| ClientError::Decode {
        url: answer.url.clone(),
        reason: format!("HTTP {}: {err}", answer.status),
    })
}

/// The error for a non-success answer. Bodies of 401/404/421/423 are empty and ignored.
fn failure(answer: Answer) -> ClientError {
    match answer.status {
        401 => ClientError::Unauthorized,
        404 => ClientError::NotFound,
        421 => ClientError::InvalidCode,
        423 => ClientError::Locked,
        409 => match serde_json::from_slice::<LoginPreventedResponse>(&answer.body) {
            Ok(prevented) => ClientError::LoginPrevented {
                actions: prevented.actions,
            },
            Err(_) => ClientError::LoginPrevented {
                actions: Vec::new(),
            },
        },
        429 | 503 => ClientError::Busy {
            status: answer.status,
            retry_after_secs: answer.retry_after_secs,
        },
        status => match serde_json::from_slice::<Errors>(&answer.body) {
            Ok(errors) if !errors.is_empty() => ClientError::Rejected { status, errors },
            _ => ClientError::UnexpectedStatus {
                status,
                url: answer.url,
            },
        },
    }
}

/// The innermost cause of a transport error, which is the one a person can act on
/// ("Connection refused (os error 111)" rather than "error sending request").
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() {
            deepest = text;
        }
        source = cause.source();
    }
    deepest
}

/// Percent-encodes one path segment (ids are URL-safe in practice; this keeps a stray `/` or `?`
/// from changing the route): everything but RFC 3986's unreserved characters.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
