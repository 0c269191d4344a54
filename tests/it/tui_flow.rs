//! The terminal client against the real daemon: `tui::App` driven with keystrokes, every effect it
//! asks for performed for real (HTTP calls with `tui::client::ApiClient`, outbox reads with
//! `tui::outbox`) and the results fed back, as the runtime does, but one at a time and in order.
//!
//! The daemon's clock and the app's are pinned to [`T0`], so countdowns and token expiries in the
//! snapshots do not move; what still varies (port, ids, codes, the outbox's wall-clock times) is
//! filtered. The snapshots live with the client's own, in `tui/src/snapshots/flows/`.

use std::collections::VecDeque;
use std::time::Duration;

use daemon::clock::Clock as _;
use daemon::domain::time::Timestamp;
use reqwest::Method;
use tests::harness::{API_KEY, TestDaemon, extract_code};
use tests::twilio_standin::TwilioStandin;
use tui::app::{App, Config};
use tui::client::ApiClient;
use tui::event::{ApiReply, Effect, Event};
use tui::screens::Screen;
use tui::testing::{KeyCode, ctrl, insta, key, screen_text, type_keys};
use tui::time::Millis;

/// 2030-01-01 00:00:00 UTC, the instant both clocks are pinned to.
const T0: i64 = 1_893_456_000_000;
const PHONE: &str = "+12025550123";

/// One app wired to one daemon.
struct Flow<'a> {
    daemon: &'a TestDaemon,
    app: App,
    client: ApiClient,
}

impl<'a> Flow<'a> {
    /// An app for `daemon` with its API key, `application_id`, and the Phone panel on the daemon's
    /// outbox; the clock pinned at [`T0`].
    async fn start(daemon: &'a TestDaemon, application_id: Option<&str>) -> Flow<'a> {
        daemon.clock.set(Timestamp::from_millis(T0));
        let config = Config {
            application_id: application_id.map(str::to_owned),
            has_api_key: true,
            outbox: Some(daemon.outbox_path()),
            ..Config::new(daemon.url.clone())
        };
        let client = ApiClient::new(&daemon.url, Some(API_KEY.to_owned())).expect("client");
        let mut flow = Flow {
            daemon,
            app: App::new(config),
            client,
        };
        flow.tick().await;
        flow
    }

    /// The daemon's clock, which the app follows.
    fn now(&self) -> Millis {
        Millis(self.daemon.clock.now().millis())
    }

    /// A clock tick at the daemon's time (this also reads the outbox for the Phone panel).
    async fn tick(&mut self) -> usize {
        let effects = self.app.update(Event::Tick(self.now()));
        self.perform(effects).await
    }

    /// Moves both clocks on.
    async fn advance(&mut self, by: Duration) {
        self.daemon.advance(by);
        self.tick().await;
    }

    /// Types `text` (`\t` Tab, `\n` Enter, `\u{1b}` Esc) and performs what follows; returns the
    /// number of HTTP calls made.
    async fn keys(&mut self, text: &str) -> usize {
        let effects = type_keys(&mut self.app, text);
        self.perform(effects).await
    }

    /// Sends one event (e.g. `key(KeyCode::F(3))`, `ctrl('r')`) and performs what follows.
    async fn send(&mut self, event: Event) -> usize {
        let effects = self.app.update(event);
        self.perform(effects).await
    }

    /// Performs effects, and those their results cause, until none are left. Returns the number of
    /// HTTP calls made.
    async fn perform(&mut self, effects: Vec<Effect>) -> usize {
        let mut queue = VecDeque::from(effects);
        let mut calls = 0;
        while let Some(effect) = queue.pop_front() {
            let event = match effect {
                Effect::Call { id, request } => {
                    calls += 1;
                    let result = self.client.perform(request).await;
                    Event::Api(ApiReply {
                        id,
                        at: self.now(),
                        result,
                    })
                }
                Effect::ReadOutbox { path, offset } => {
                    Event::Outbox(tui::outbox::read_new(&path, offset).await)
                }
                Effect::Quit => panic!("the app quit"),
            };
            queue.extend(self.app.update(event));
        }
        calls
    }

    fn text(&self, width: u16, height: u16) -> String {
        screen_text(&self.app, width, height).expect("drawn")
    }

    /// The screen at `width`×`height`, compared with `tui/src/snapshots/flows/<name>.snap`.
    #[track_caller]
    fn snapshot(&self, name: &str, width: u16, height: u16) {
        let text = self.text(width, height);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tui/src/snapshots/flows"
        ));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        // Same-width placeholders keep the boxes aligned. A URL's width depends on its port, so its
        // filter also takes the padding around it.
        for (pattern, replacement) in [
            (r" *http://127\.0\.0\.1:\d+ *", " http://127.0.0.1:PORT "),
            (
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
            ),
            (r"\b\d{6}\b", "######"),
            (r"(To \+\d+) \d\d:\d\d:\d\d", "$1 hh:mm:ss"),
            (r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b", "XXXXX-XXXXX"),
            (r"\bSM[0-9a-f]{32}\b", "SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ] {
            settings.add_filter(pattern, replacement);
        }
        settings.bind(|| insta::assert_snapshot!(name, text));
    }

    fn screen(&self) -> &Screen {
        self.app.screen()
    }

    /// The code in the newest message on the Phone panel.
    fn code_on_phone(&self) -> String {
        let phone = self.app.phone().expect("the Phone panel is on");
        let last = phone.entries.last().expect("a message on the Phone panel");
        extract_code(&last.body)
    }
}

fn assert_on(flow: &Flow<'_>, what: &str, is: impl Fn(&Screen) -> bool) {
    assert!(
        is(flow.screen()),
        "expected the {what} screen; the app shows:\n{}",
        flow.text(100, 30)
    );
}

async fn daemon_with_user(email: &str, password: &str) -> (TestDaemon, String) {
    let daemon = TestDaemon::start().await;
    let application = daemon.create_application("Flow app").await;
    daemon
        .create_user(email, password, &application, Some(PHONE))
        .await;
    (daemon, application)
}

#[tokio::test]
async fn login_then_the_code_from_the_phone_panel_signs_in() {
    let (daemon, application) = daemon_with_user("flow@example.com", "flow password 1").await;
    let mut flow = Flow::start(&daemon, Some(&application)).await;

    flow.keys("flow@example.com\tflow password 1").await;
    flow.snapshot("login", 100, 30);
    assert_eq!(flow.keys("\n").await, 1);
    assert_on(&flow, "two-factor", |s| matches!(s, Screen::TwoFactor(_)));

    // The next tick reads the outbox: the code the daemon "sent" is on the Phone panel.
    flow.tick().await;
    let code = flow.code_on_phone();
    assert_eq!(code, daemon.last_code_to(PHONE));
    flow.snapshot("two_factor", 100, 30);

    flow.keys(&format!("{code}\n")).await;
    assert_on(&flow, "signed-in", |s| matches!(s, Screen::SignedIn(_)));
    let text = flow.text(100, 30);
    assert!(text.contains("Signed in"), "{text}");
    assert!(text.contains("Email  flow@example.com"), "{text}");
    assert!(text.contains("amr    pwd, sms"), "{text}");
    flow.snapshot("signed_in", 100, 30);

    // Logging out revokes the refresh token and returns to Login with the login id kept.
    assert_eq!(flow.keys("l").await, 1);
    assert_on(&flow, "login", |s| matches!(s, Screen::Login(_)));
    assert!(flow.text(100, 30).contains("OK: signed out"));
}

#[tokio::test]
async fn a_refused_send_is_explained_and_resend_brings_a_code_that_works() {
    let (daemon, application) = daemon_with_user("again@example.com", "flow password 2").await;
    let mut flow = Flow::start(&daemon, Some(&application)).await;

    flow.keys("again@example.com\tflow password 2\n").await;
    flow.tick().await;
    let first_code = flow.code_on_phone();
    // Back to Login (the login id stays) and straight in again: the daemon refuses a second SMS
    // to the same phone within 30 s and says so in the 242.
    flow.keys("\u{1b}flow password 2\n").await;
    assert_on(&flow, "two-factor", |s| matches!(s, Screen::TwoFactor(_)));
    let text = flow.text(80, 24);
    assert!(
        text.contains("The code was NOT sent (SMS to +1******0123): too many codes were sent"),
        "{text}"
    );
    assert!(
        text.contains("A code from an earlier sign-in does not"),
        "{text}"
    );
    assert!(
        text.contains("Send a code (^R): available in 0:30"),
        "{text}"
    );
    flow.snapshot("two_factor_not_sent", 80, 24);

    // Too early: no request, and the wait in words.
    assert_eq!(flow.send(ctrl('r')).await, 0);
    assert!(
        flow.text(80, 24)
            .contains("the server does not allow another code yet; retry in 30 s")
    );
    // The earlier code belongs to the earlier sign-in.
    flow.keys(&format!("{first_code}\n")).await;
    assert!(
        flow.text(80, 24)
            .contains("Error: wrong code, 4 tries left")
    );

    flow.advance(Duration::from_secs(30)).await;
    assert!(
        flow.text(80, 24)
            .contains("Send a code (^R): available now")
    );
    assert_eq!(flow.send(ctrl('r')).await, 1);
    let text = flow.text(80, 24);
    assert!(
        text.contains("OK: a new code was sent by SMS to +1******0123"),
        "{text}"
    );
    flow.tick().await;
    let code = flow.code_on_phone();
    assert_ne!(code, first_code);
    flow.keys(&format!("{code}\n")).await;
    assert_on(&flow, "signed-in", |s| matches!(s, Screen::SignedIn(_)));
}

#[tokio::test]
async fn f3_enrols_a_new_account_with_sms_two_factor_which_then_signs_in() {
    let daemon = TestDaemon::start().await;
    let application = daemon.create_application("Flow app").await;
    let mut flow = Flow::start(&daemon, Some(&application)).await;
    const NEW_PHONE: &str = "+12025550142";

    assert_eq!(flow.send(key(KeyCode::F(3))).await, 0);
    assert_eq!(flow.keys("new@example.com\tnew password 1\tNew\n").await, 1);
    assert!(
        flow.text(80, 24)
            .contains("OK: account new@example.com created; now add a phone")
    );
    assert_eq!(flow.keys(&format!("{NEW_PHONE}\n")).await, 1);
    flow.tick().await;
    flow.snapshot("register_code", 100, 30);

    let code = flow.code_on_phone();
    assert_eq!(code, daemon.last_code_to(NEW_PHONE));
    flow.keys(&format!("{code}\n")).await;
    let text = flow.text(80, 24);
    assert!(
        text.contains("Two-factor is on. Store these recovery codes now"),
        "{text}"
    );
    let recovery_codes = text
        .split_whitespace()
        .filter(|word| {
            word.len() == 11
                && word.as_bytes()[5] == b'-'
                && word.chars().all(|c| c == '-' || c.is_ascii_alphanumeric())
        })
        .count();
    assert_eq!(recovery_codes, 10, "{text}");
    flow.snapshot("register_recovery_codes", 100, 30);

    // Done: back on Login with the new login id filled in; its password and a fresh code sign in.
    flow.keys("\n").await;
    assert_on(&flow, "login", |s| matches!(s, Screen::Login(_)));
    assert!(
        flow.text(80, 24)
            .contains("OK: account new@example.com is ready with SMS two-factor: sign in")
    );
    flow.advance(Duration::from_secs(31)).await; // one SMS per phone per 30 s
    flow.keys("new password 1\n").await;
    assert_on(&flow, "two-factor", |s| matches!(s, Screen::TwoFactor(_)));
    flow.tick().await;
    let code = flow.code_on_phone();
    flow.keys(&format!("{code}\n")).await;
    assert_on(&flow, "signed-in", |s| matches!(s, Screen::SignedIn(_)));
    assert!(flow.text(80, 24).contains("Email  new@example.com"));
}

#[tokio::test]
async fn f2_sends_a_test_through_twilio_saves_and_switches_to_a_messaging_service() {
    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "stand-in-auth-token-0123456789";
    const FROM: &str = "+15005550006";
    const SERVICE: &str = "MG0123456789abcdef0123456789abcdef";
    const TEST_PHONE: &str = "+12025550177";
    let standin = TwilioStandin::start(SID, TOKEN).await;
    let daemon = TestDaemon::start().await;
    let mut flow = Flow::start(&daemon, None).await;

    // F2 loads the tenant and the messengers (only the console one: the form starts empty).
    assert_eq!(flow.send(key(KeyCode::F(2))).await, 2);
    assert!(flow.text(80, 24).contains("No Twilio messenger yet"));
    // Beside the Phone panel the form is narrow: the hints under the fields wrap, not cut.
    flow.snapshot("twilio_empty_form", 100, 30);
    // Focus starts on the Account SID; the API URL is the field before it.
    flow.send(key(KeyCode::BackTab)).await;
    flow.send(ctrl('u')).await;
    let url = standin.url.clone();
    flow.keys(&format!("{url}\t{SID}\t{TOKEN}\t{FROM}\t\t{TEST_PHONE}"))
        .await;

    // ^T tests the unsaved settings.
    assert_eq!(flow.send(ctrl('t')).await, 1);
    let text = flow.text(80, 24);
    assert!(
        text.contains("OK: twilio accepted the test message: SM"),
        "{text}"
    );
    let sent = standin.messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].param("To"), Some(TEST_PHONE));
    assert_eq!(sent[0].param("From"), Some(FROM));
    flow.snapshot("twilio_test_sent", 80, 24);

    // ^S creates the messenger and makes it the tenant's.
    assert_eq!(flow.send(ctrl('s')).await, 2);
    let text = flow.text(80, 24);
    assert!(
        text.contains("OK: saved: the tenant now sends its SMS codes with the Twilio messenger"),
        "{text}"
    );
    let messenger_id = match flow.screen() {
        Screen::TwilioSetup(screen) => screen.messenger_id.clone().expect("saved"),
        _ => panic!("expected the Twilio setup screen"),
    };

    // From → Messaging Service SID: clear From, fill in the service, save. The PATCH sends
    // `fromPhoneNumber: ""`, which the daemon takes as "unset".
    flow.send(key(KeyCode::BackTab)).await; // Messaging Service SID
    flow.send(key(KeyCode::BackTab)).await; // From
    flow.send(ctrl('u')).await;
    flow.keys(&format!("\t{SERVICE}")).await;
    assert_eq!(flow.send(ctrl('s')).await, 2);
    assert!(flow.text(80, 24).contains("OK: saved"));
    let stored = daemon
        .admin(Method::GET, &format!("/api/messenger/{messenger_id}"), None)
        .await
        .expect(200);
    let from = stored["messenger"]["fromPhoneNumber"]
        .as_str()
        .unwrap_or("");
    assert_eq!(from, "", "{stored}");
    assert_eq!(
        stored["messenger"]["messagingServiceSid"].as_str(),
        Some(SERVICE),
        "{stored}"
    );

    // ^T now tests the saved messenger (no unsaved edits): the stand-in, which refuses a request
    // with both senders, gets the service and no From.
    assert_eq!(flow.send(ctrl('t')).await, 1);
    let text = flow.text(80, 24);
    assert!(
        text.contains("OK: twilio accepted the test message"),
        "{text}"
    );
    let sent = standin.messages();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].param("MessagingServiceSid"), Some(SERVICE));
    assert_eq!(sent[1].param("From"), None);
    flow.snapshot("twilio_saved_messaging_service", 80, 24);
}
