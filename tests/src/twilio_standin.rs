//! A strict in-process stand-in for Twilio's `Messages.json` API, for tests that must never reach Twilio.
//!
//! [`TwilioStandin::start`] binds `127.0.0.1:0` and serves from the test's own tokio runtime (no fixed port,
//! no sleep: it accepts as soon as `start` returns). Point a `TwilioConfig::url` (or a messenger's `url`) at
//! [`TwilioStandin::url`]. Dropping the stand-in stops it and every open connection.
//!
//! # What it checks, in this order
//!
//! 1. The path is `/2010-04-01/Accounts/{AccountSid}/Messages.json` (else 404, code 20404) and the method is
//!    `POST` (else 405, code 20004).
//! 2. HTTP Basic auth: the user equals the account SID it was started with *and* the SID in the path, and the
//!    password equals the auth token (else 401, code 20003, like Twilio).
//! 3. `Content-Type: application/x-www-form-urlencoded` and a well-formed form (else 400, code 21604).
//! 4. Only known Twilio parameter names, each at most once (else 400, code 20001).
//! 5. `To` present (21604) and in E.164 (21211); exactly one of `From` (E.164, else 21212) and
//!    `MessagingServiceSid` (`MG` + 32 hex, else 21701), else 21603; a non-empty `Body` of at most 1,600
//!    characters (21602 / 21617); `StatusCallback`, if sent, an http(s) URL (21609). Rules 4 and the
//!    "not both From and MessagingServiceSid" half of 5 are stricter than Twilio, on purpose.
//!
//! A request that passes all checks then takes the next scripted [`Failure`] if there is one
//! ([`TwilioStandin::fail_next`]), else the magic test numbers of Twilio's test credentials apply (`To`
//! `+15005550001` → 21211, `…0002` → 21612, `…0003` → 21408, `…0004` → 21610, `…0009` → 21614; `From`
//! `+15005550001` → 21212, `…0007` → 21606, `…0008` → 21611), else it answers `201` with Twilio's Message
//! JSON: `sid` = `SM` + 32 hex, `status` `queued` (`accepted` when sent through a Messaging Service), and
//! `to`/`from`/`body` echoed. Errors use Twilio's shape `{code, message, more_info, status}`.
//!
//! Every request, good or bad, is recorded ([`TwilioStandin::requests`]) with the answer's status; the auth
//! token is never recorded or logged.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// A syntactically valid Account SID for tests (not a real account).
pub const TEST_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
/// An auth token for tests.
pub const TEST_AUTH_TOKEN: &str = "0123456789abcdef0123456789abcdef";
/// Twilio's test sender that passes all validation.
pub const TEST_FROM: &str = "+15005550006";

/// A scripted answer for the next well-formed, authenticated `Messages.json` POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 400, code 21211: `To` is not a valid phone number.
    InvalidNumber,
    /// 400, code 21614: `To` is not a mobile number.
    NotMobile,
    /// 400, code 21408: no geo permission for the `To` region.
    RegionNotEnabled,
    /// 400, code 21610: the recipient replied STOP.
    Unsubscribed,
    /// 400, code 21612: cannot route between `To` and `From`.
    CannotRoute,
    /// 429, code 20429, with `Retry-After: <seconds>` when given.
    RateLimited { retry_after_secs: Option<u32> },
    /// 500, code 20500, Twilio's error JSON.
    ServerError,
    /// `status` with an HTML body, as a proxy or load balancer in front of Twilio would answer.
    NonJson { status: u16 },
    /// Never answers: the request is recorded, then the connection hangs until the stand-in is dropped.
    NoAnswer,
}

/// One request as the stand-in received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub content_type: Option<String>,
    /// The Basic-auth user name, if the request had Basic auth (the password is never kept).
    pub basic_user: Option<String>,
    /// The decoded form fields, in the order sent (empty if the body was not a form).
    pub form: Vec<(String, String)>,
    /// The status the stand-in answered (`None` for [`Failure::NoAnswer`]).
    pub status: Option<u16>,
}

impl RecordedRequest {
    /// The first value of form field `name` (`"To"`, `"Body"`, …).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The running stand-in. See the module documentation.
pub struct TwilioStandin {
    /// Base URL, `http://127.0.0.1:<port>`, to use as the Twilio `url`.
    pub url: String,
    pub account_sid: String,
    state: Arc<State>,
    server: JoinHandle<()>,
}

struct State {
    account_sid: String,
    auth_token: String,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    script: VecDeque<Failure>,
    requests: Vec<RecordedRequest>,
}

impl State {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl TwilioStandin {
    /// Starts a stand-in that accepts exactly these credentials. Must be called inside a tokio runtime.
    ///
    /// # Panics
    ///
    /// If `127.0.0.1:0` cannot be bound.
    pub async fn start(account_sid: &str, auth_token: &str) -> TwilioStandin {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the Twilio stand-in binds 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let state = Arc::new(State {
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            inner: Mutex::new(Inner::default()),
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&state)));
        TwilioStandin {
            url: format!("http://{addr}"),
            account_sid: account_sid.to_owned(),
            state,
            server,
        }
    }

    /// Queues `failure` as the answer to the next well-formed, authenticated message request. Queued
    /// failures are used in order, one per request.
    pub fn fail_next(&self, failure: Failure) {
        self.state.lock().script.push_back(failure);
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.lock().requests.clone()
    }

    /// The requests answered with 201: the messages "sent".
    pub fn messages(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|request| request.status == Some(201))
            .collect()
    }

    /// The `…/Messages.json` URL for this stand-in's account.
    pub fn messages_url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.url, self.account_sid
        )
    }
}

impl Drop for TwilioStandin {
    fn drop(&mut self) {
        // Dropping the accept loop drops its JoinSet, which aborts every connection task.
        self.server.abort();
    }
}

async fn serve(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        connections.spawn(async move {
            let service = service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(handle(&state, request).await) }
            });
            // A client that goes away mid-request is not the stand-in's problem.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

type Answer = Response<Full<Bytes>>;

async fn handle(state: &State, request: Request<Incoming>) -> Answer {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let credentials = basic_credentials(request.headers().get(AUTHORIZATION));
    let body = Limited::new(request.into_body(), 1 << 20)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let form = if content_type
        .as_deref()
        .is_some_and(|ct| mime_is(ct, "application/x-www-form-urlencoded"))
    {
        decode_form(&body)
    } else {
        Err("not a form".to_owned())
    };
    let mut record = RecordedRequest {
        method: method.to_string(),
        path: path.clone(),
        content_type: content_type.clone(),
        basic_user: credentials.as_ref().map(|(user, _)| user.clone()),
        form: form.clone().unwrap_or_default(),
        status: None,
    };

    let answer = match check(
        state,
        &method,
        &path,
        credentials.as_ref(),
        content_type.as_deref(),
        form,
    ) {
        Err(answer) => *answer,
        Ok(message) => {
            let scripted = state.lock().script.pop_front();
            match scripted {
                Some(Failure::NoAnswer) => {
                    state.lock().requests.push(record);
                    return std::future::pending().await;
                }
                Some(failure) => scripted_answer(&failure, &message),
                None => magic_answer(&message).unwrap_or_else(|| created(state, &message)),
            }
        }
    };
    record.status = Some(answer.status().as_u16());
    state.lock().requests.push(record);
    answer
}

/// A well-formed message request.
struct MessageRequest {
    to: String,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    body: String,
}

const KNOWN_PARAMS: &[&str] = &[
    "To",
    "From",
    "MessagingServiceSid",
    "Body",
    "StatusCallback",
    "ApplicationSid",
    "MaxPrice",
    "ProvideFeedback",
    "Attempt",
    "ValidityPeriod",
    "ForceDelivery",
    "ContentRetention",
    "AddressRetention",
    "SmartEncoded",
    "PersistentAction",
    "ShortenUrls",
    "ScheduleType",
    "SendAt",
    "SendAsMms",
    "ContentVariables",
    "RiskCheck",
    "MediaUrl",
    "ContentSid",
];

fn check(
    state: &State,
    method: &Method,
    path: &str,
    credentials: Option<&(String, String)>,
    content_type: Option<&str>,
    form: Result<Vec<(String, String)>, String>,
) -> Result<MessageRequest, Box<Answer>> {
    let path_sid = path
        .strip_prefix("/2010-04-01/Accounts/")
        .and_then(|rest| rest.strip_suffix("/Messages.json"))
        .filter(|sid| !sid.contains('/'));
    let Some(path_sid) = path_sid else {
        return Err(Box::new(twilio_error(
            StatusCode::NOT_FOUND,
            20404,
            &format!("The requested resource {path} was not found"),
        )));
    };
    if method != Method::POST {
        return Err(Box::new(twilio_error(
            StatusCode::METHOD_NOT_ALLOWED,
            20004,
            "Method not allowed",
        )));
    }
    let authenticated = credentials.is_some_and(|(user, password)| {
        *user == state.account_sid && *password == state.auth_token && path_sid == user
    });
    if !authenticated {
        let mut answer = twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
        answer.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Twilio API\""),
        );
        return Err(Box::new(answer));
    }
    let form = form.map_err(|reason| {
        Box::new(bad_request(
            21604,
            &format!(
                "A 'To' phone number is required. (stand-in: expected an \
                 application/x-www-form-urlencoded body, got {}: {reason})",
                content_type.unwrap_or("no content type")
            ),
        ))
    })?;
    for (index, (name, _)) in form.iter().enumerate() {
        if !KNOWN_PARAMS.contains(&name.as_str()) {
            return Err(Box::new(bad_request(
                20001,
                &format!("Unknown parameter: {name}"),
            )));
        }
        if form[..index].iter().any(|(earlier, _)| earlier == name) {
            return Err(Box::new(bad_request(
                20001,
                &format!("Parameter {name} sent more than once (stand-in rule)"),
            )));
        }
    }
    let param = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let Some(to) = param("To").filter(|to| !to.is_empty()) else {
        return Err(Box::new(bad_request(
            21604,
            "A 'To' phone number is required.",
        )));
    };
    if !is_e164(&to) {
        return Err(Box::new(bad_request(
            21211,
            &format!("The 'To' number {to} is not a valid phone number."),
        )));
    }
    let from = param("From").filter(|from| !from.is_empty());
    let messaging_service_sid = param("MessagingServiceSid").filter(|sid| !sid.is_empty());
    match (&from, &messaging_service_sid) {
        (None, None) => {
            return Err(Box::new(bad_request(
                21603,
                "A 'From' phone number is required.",
            )));
        }
        (Some(_), Some(_)) => {
            return Err(Box::new(bad_request(
                21603,
                "Send exactly one of 'From' and 'MessagingServiceSid' (stand-in rule).",
            )));
        }
        (Some(from), None) if !is_e164(from) => {
            return Err(Box::new(bad_request(
                21212,
                &format!(
                    "The 'From' number {from} is not a valid phone number, shortcode, or \
                     alphanumeric sender ID."
                ),
            )));
        }
        (None, Some(sid)) if !is_sid(sid, "MG") => {
            return Err(Box::new(bad_request(
                21701,
                &format!("The Messaging Service Sid {sid} is invalid."),
            )));
        }
        _ => {}
    }
    let body = param("Body").unwrap_or_default();
    if body.trim().is_empty() {
        return Err(Box::new(bad_request(21602, "Message body is required.")));
    }
    if body.chars().count() > 1600 {
        return Err(Box::new(bad_request(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        )));
    }
    if let Some(callback) = param("StatusCallback") {
        let is_url = (callback.starts_with("http://") || callback.starts_with("https://"))
            && !callback.contains(char::is_whitespace);
        if !is_url {
            return Err(Box::new(bad_request(
                21609,
                "The StatusCallback URL is not valid.",
            )));
        }
    }
    Ok(MessageRequest {
        to,
        from,
        messaging_service_sid,
        body,
    })
}

fn scripted_answer(failure: &Failure, message: &MessageRequest) -> Answer {
    let to = &message.to;
    let from = message.from.as_deref().unwrap_or("(messaging service)");
    match failure {
        Failure::InvalidNumber => bad_request(
            21211,
            &format!("The 'To' number {to} is not a valid phone number."),
        ),
        Failure::NotMobile => bad_request(21614, "'To' number is not a valid mobile number"),
        Failure::RegionNotEnabled => bad_request(
            21408,
            &format!(
                "Permission to send an SMS has not been enabled for the region indicated by the \
                 'To' number: {to}."
            ),
        ),
        Failure::Unsubscribed => bad_request(21610, "Attempt to send to unsubscribed recipient"),
        Failure::CannotRoute => bad_request(
            21612,
            &format!(
                "The 'To' phone number: {to}, is not currently reachable using the 'From' phone \
                 number: {from} via SMS."
            ),
        ),
        Failure::RateLimited { retry_after_secs } => {
            let mut answer =
                twilio_error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests");
            if let Some(seconds) = retry_after_secs {
                answer
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(*seconds));
            }
            answer
        }
        Failure::ServerError => twilio_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            20500,
            "An internal server error has occurred",
        ),
        Failure::NonJson { status } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY);
            let html = format!(
                "<html><head><title>{status}</title></head><body><h1>{status}</h1>\
                 <p>The upstream server is not answering.</p></body></html>"
            );
            respond(status, "text/html", html.into_bytes())
        }
        Failure::NoAnswer => twilio_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            20500,
            "NoAnswer is handled before answering",
        ),
    }
}

/// The errors Twilio's test credentials give for magic numbers, or `None`.
fn magic_answer(message: &MessageRequest) -> Option<Answer> {
    let to = message.to.as_str();
    let failure = match to {
        "+15005550001" => Some(Failure::InvalidNumber),
        "+15005550002" => Some(Failure::CannotRoute),
        "+15005550003" => Some(Failure::RegionNotEnabled),
        "+15005550004" => Some(Failure::Unsubscribed),
        "+15005550009" => Some(Failure::NotMobile),
        _ => None,
    };
    if let Some(failure) = failure {
        return Some(scripted_answer(&failure, message));
    }
    let from = message.from.as_deref()?;
    match from {
        "+15005550001" => Some(bad_request(
            21212,
            &format!(
                "The 'From' number {from} is not a valid phone number, shortcode, or alphanumeric \
                 sender ID."
            ),
        )),
        "+15005550007" => Some(bad_request(
            21606,
            "The 'From' phone number provided is not a valid message-capable Twilio phone number \
             for this destination/account",
        )),
        "+15005550008" => Some(bad_request(
            21611,
            "This 'From' number has exceeded the maximum number of queued messages",
        )),
        _ => None,
    }
}

fn created(state: &State, message: &MessageRequest) -> Answer {
    let sid = format!("SM{}", uuid::Uuid::new_v4().simple());
    let account_sid = &state.account_sid;
    let now = rfc2822_now();
    let status = if message.messaging_service_sid.is_some() {
        "accepted"
    } else {
        "queued"
    };
    let uri = format!("/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json");
    let body = json!({
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": message.body,
        "date_created": now,
        "date_sent": null,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": message.from,
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": "0",
        "num_segments": n_segments(&message.body).to_string(),
        "price": null,
        "price_unit": "USD",
        "sid": sid,
        "status": status,
        "subresource_uris": {
            "media": format!("/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"),
        },
        "to": message.to,
        "uri": uri,
    });
    json_answer(StatusCode::CREATED, &body)
}

/// Segments as Twilio bills them, roughly: 160/153 characters for ASCII, 70/67 otherwise.
fn n_segments(body: &str) -> usize {
    let n_chars = body.chars().count();
    let (single, multi) = if body.is_ascii() {
        (160, 153)
    } else {
        (70, 67)
    };
    if n_chars <= single {
        1
    } else {
        n_chars.div_ceil(multi)
    }
}

fn bad_request(code: u32, message: &str) -> Answer {
    twilio_error(StatusCode::BAD_REQUEST, code, message)
}

fn twilio_error(status: StatusCode, code: u32, message: &str) -> Answer {
    json_answer(
        status,
        &json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status.as_u16(),
        }),
    )
}

fn json_answer(status: StatusCode, body: &Value) -> Answer {
    respond(status, "application/json", body.to_string().into_bytes())
}

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = status;
    answer
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    answer
}

fn mime_is(content_type: &str, expected: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case(expected))
}

/// `Authorization: Basic base64(user:password)`, scheme case-insensitive.
fn basic_credentials(header: Option<&HeaderValue>) -> Option<(String, String)> {
    let value = header?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn is_e164(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

fn is_sid(value: &str, prefix: &str) -> bool {
    value.len() == 34
        && value.starts_with(prefix)
        && value[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Decodes `application/x-www-form-urlencoded` strictly: bad `%` escapes or UTF-8 are errors.
fn decode_form(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &b""[..]),
            };
            Ok((percent_decode(name)?, percent_decode(value)?))
        })
        .collect()
}

fn percent_decode(input: &[u8]) -> Result<String, String> {
    let mut out = Vec::with_capacity(input.len());
    let mut bytes = input.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = [
                    *bytes.next().ok_or("truncated % escape")?,
                    *bytes.next().ok_or("truncated % escape")?,
                ];
                let hex = std::str::from_utf8(&hex).map_err(|_| "bad % escape")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| "bad % escape")?);
            }
            _ => out.push(b),
        }
    }
    String::from_utf8(out).map_err(|_| "form value is not UTF-8".to_owned())
}

/// The current time as Twilio writes it: `Thu, 24 Aug 2023 05:01:45 +0000`.
fn rfc2822_now() -> String {
    rfc2822(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

fn rfc2822(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let secs_of_day = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = WEEKDAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month_name = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    format!(
        "{weekday}, {day:02} {month_name} {year} {:02}:{:02}:{:02} +0000",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_is_strict() {
        assert_eq!(
            decode_form(b"To=%2B15005550006&Body=Your+code%3A+123456&Empty="),
            Ok(vec![
                ("To".to_owned(), "+15005550006".to_owned()),
                ("Body".to_owned(), "Your code: 123456".to_owned()),
                ("Empty".to_owned(), String::new()),
            ])
        );
        assert!(decode_form(b"To=%2").is_err());
        assert!(decode_form(b"To=%zz").is_err());
        assert!(decode_form(b"To=%ff").is_err());
        assert_eq!(decode_form(b""), Ok(vec![]));
    }

    #[test]
    fn basic_auth_parsing() {
        let header = HeaderValue::from_static("basic dXNlcjpwYTpzcw==");
        assert_eq!(
            basic_credentials(Some(&header)),
            Some(("user".to_owned(), "pa:ss".to_owned()))
        );
        assert_eq!(
            basic_credentials(Some(&HeaderValue::from_static("Bearer x"))),
            None
        );
        assert_eq!(basic_credentials(None), None);
    }

    #[test]
    fn dates_look_like_twilios() {
        // Expected values from Python's email.utils.formatdate.
        assert_eq!(rfc2822(1_692_853_305), "Thu, 24 Aug 2023 05:01:45 +0000");
        assert_eq!(rfc2822(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822_now().len(), 31);
    }

    #[test]
    fn segments() {
        assert_eq!(n_segments("Your code is 123456"), 1);
        assert_eq!(n_segments(&"x".repeat(161)), 2);
        assert_eq!(n_segments(&"é".repeat(71)), 2);
    }
}
