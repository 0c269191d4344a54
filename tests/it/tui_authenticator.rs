//! The terminal client's authenticator-app flows against the real daemon: enrolment on the F3
//! Register screen and from the Signed-in screen, where the test reads the QR code off the drawn
//! screen as a phone would (`tui::testing::decode_qr`), takes the secret from its `otpauth://` URI
//! and computes the app's code with `totp-rs` at the daemon's time; then sign-ins choosing the app,
//! and the SMS that is (not) sent around them.
//!
//! Like `tui_flow`, `tui::App` is driven with keystrokes and every effect it asks for is performed
//! for real, one at a time. The daemon's `ManualClock` starts at the real time; the app follows it.

use std::collections::VecDeque;
use std::time::Duration;

use daemon::clock::Clock as _;
use tests::harness::{API_KEY, TestDaemon};
use totp_rs::{Algorithm, Builder, Secret};
use tui::app::{App, Config};
use tui::client::ApiClient;
use tui::event::{ApiReply, Effect, Event};
use tui::screens::Screen;
use tui::testing::{KeyCode, Theme, ctrl, decode_qr, draw, key, screen_text, type_keys};
use tui::time::Millis;

const PHONE: &str = "+12025550123";
/// Big enough for the QR code beside the form even with the Phone panel on.
const LARGE: (u16, u16) = (160, 45);

struct Flow<'a> {
    daemon: &'a TestDaemon,
    app: App,
    client: ApiClient,
}

impl<'a> Flow<'a> {
    async fn start(daemon: &'a TestDaemon, application_id: &str) -> Flow<'a> {
        let config = Config {
            application_id: Some(application_id.to_owned()),
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

    fn now(&self) -> Millis {
        Millis(self.daemon.clock.now().millis())
    }

    async fn tick(&mut self) -> usize {
        let effects = self.app.update(Event::Tick(self.now()));
        self.perform(effects).await
    }

    async fn advance(&mut self, by: Duration) {
        self.daemon.advance(by);
        self.tick().await;
    }

    /// Types `text` and performs what follows; returns the number of HTTP calls made.
    async fn keys(&mut self, text: &str) -> usize {
        let effects = type_keys(&mut self.app, text);
        self.perform(effects).await
    }

    async fn send(&mut self, event: Event) -> usize {
        let effects = self.app.update(event);
        self.perform(effects).await
    }

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

    fn text(&self, (width, height): (u16, u16)) -> String {
        screen_text(&self.app, width, height).expect("drawn")
    }

    /// The QR codes a phone reads off the screen at this size (dark terminal theme).
    fn scan(&self, (width, height): (u16, u16)) -> Vec<String> {
        let backend = draw(&self.app, width, height).expect("drawn");
        decode_qr(backend.buffer(), Theme::Dark)
            .into_iter()
            .collect::<Result<_, _>>()
            .expect("every code found decodes")
    }

    /// Scans the one QR code on screen and returns the Base32 secret of its `otpauth://` URI,
    /// checking the URI's shape for `account`.
    fn scan_secret(&self, account: &str) -> String {
        let scanned = self.scan(LARGE);
        assert_eq!(scanned.len(), 1, "{}", self.text(LARGE));
        let uri = &scanned[0];
        let label = format!(
            "otpauth://totp/twofold:{}?secret=",
            account.replace('@', "%40")
        );
        assert!(uri.starts_with(&label), "{uri}");
        assert!(
            uri.ends_with("&issuer=twofold&algorithm=SHA1&digits=6&period=30"),
            "{uri}"
        );
        let secret = uri[label.len()..].split('&').next().expect("secret");
        assert_eq!(secret.len(), 32, "{uri}");
        secret.to_owned()
    }

    fn screen(&self) -> &Screen {
        self.app.screen()
    }

    fn phone_messages(&self) -> usize {
        self.daemon.outbox().len()
    }
}

fn assert_on(flow: &Flow<'_>, what: &str, is: impl Fn(&Screen) -> bool) {
    assert!(
        is(flow.screen()),
        "expected the {what} screen; the app shows:\n{}",
        flow.text((100, 30))
    );
}

/// What an authenticator app holding `secret_base32` shows at the daemon's current time.
fn app_code(daemon: &TestDaemon, secret_base32: &str) -> String {
    let key = data_encoding::BASE32_NOPAD
        .decode(secret_base32.as_bytes())
        .expect("Base32");
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(Secret::new(key.into_boxed_slice()))
        .build()
        .expect("totp");
    totp.generate(daemon.clock.now().secs() as u64).to_string()
}

#[tokio::test]
async fn f3_enrols_an_authenticator_app_from_its_qr_code_which_then_signs_in() {
    let daemon = TestDaemon::start().await;
    let application = daemon.create_application("Flow app").await;
    let mut flow = Flow::start(&daemon, &application).await;

    assert_eq!(flow.send(key(KeyCode::F(3))).await, 0);
    assert_eq!(flow.keys("app@example.com\tapp password 1\tApp\n").await, 1);
    // Tab chooses the app; Enter fetches a secret and the tenant's issuer.
    assert_eq!(flow.send(key(KeyCode::Tab)).await, 0);
    assert!(flow.text((80, 24)).contains("(•) Authenticator app"));
    assert_eq!(flow.keys("\n").await, 2);
    assert!(
        flow.text(LARGE)
            .contains("Scan the QR code with your authenticator app")
    );
    let secret = flow.scan_secret("app@example.com");
    let grouped: Vec<String> = secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    assert!(
        flow.text(LARGE).contains(&grouped.join(" ")),
        "the secret for typing by hand"
    );

    // At 80×24 the code does not fit in the form; ^F shows it full-screen, just as scannable.
    assert!(flow.scan((80, 24)).is_empty());
    assert!(
        flow.text((80, 24))
            .contains("does not fit here: ^F shows it")
    );
    flow.send(ctrl('f')).await;
    let scanned = flow.scan((80, 24));
    assert_eq!(scanned.len(), 1);
    assert!(scanned[0].contains(&format!("secret={secret}&")));
    flow.send(key(KeyCode::Esc)).await;

    // A wrong code: 421 in words.
    let code = app_code(&daemon, &secret);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(flow.keys(&format!("{wrong}\n")).await, 1);
    assert!(
        flow.text((80, 24))
            .contains("Error: that code did not match — check the phone's clock"),
        "{}",
        flow.text((80, 24))
    );

    // The app's code enables it: its first method, so the recovery codes come.
    assert_eq!(flow.keys(&format!("{code}\n")).await, 1);
    let text = flow.text((80, 24));
    assert!(
        text.contains("Two-factor is on. Store these recovery codes now"),
        "{text}"
    );
    flow.keys("\n").await;
    assert_on(&flow, "login", |s| matches!(s, Screen::Login(_)));
    assert!(flow.text(LARGE).contains(
        "OK: account app@example.com is ready with authenticator-app two-factor: sign in"
    ));
    assert_eq!(flow.phone_messages(), 0, "no SMS in all this");

    // Sign in: the app is the only method, nothing is texted; its next code signs in (the one
    // that enabled it cannot be used again).
    flow.advance(Duration::from_secs(30)).await;
    assert_eq!(flow.keys("app password 1\n").await, 1);
    assert_on(&flow, "two-factor", |s| matches!(s, Screen::TwoFactor(_)));
    let text = flow.text((80, 24));
    assert!(
        text.contains("Open your authenticator app and type its current 6-digit code."),
        "{text}"
    );
    assert!(!text.contains("^R"), "nothing to send: {text}");
    flow.keys(&format!("{}\n", app_code(&daemon, &secret)))
        .await;
    assert_on(&flow, "signed-in", |s| matches!(s, Screen::SignedIn(_)));
    let text = flow.text((100, 30));
    assert!(text.contains("Email  app@example.com"), "{text}");
    assert!(text.contains("amr    pwd, otp, mfa"), "{text}");
    assert_eq!(flow.phone_messages(), 0);
}

#[tokio::test]
async fn a_signed_in_sms_user_adds_the_app_signs_in_with_it_and_is_then_not_texted() {
    let daemon = TestDaemon::start().await;
    let application = daemon.create_application("Flow app").await;
    daemon
        .create_user(
            "both@example.com",
            "both password 1",
            &application,
            Some(PHONE),
        )
        .await;
    let mut flow = Flow::start(&daemon, &application).await;

    // Signed in the SMS way.
    flow.keys("both@example.com\tboth password 1\n").await;
    assert_on(&flow, "two-factor", |s| matches!(s, Screen::TwoFactor(_)));
    flow.keys(&format!("{}\n", daemon.last_code_to(PHONE)))
        .await;
    assert_on(&flow, "signed-in", |s| matches!(s, Screen::SignedIn(_)));
    assert_eq!(flow.phone_messages(), 1);

    // `a` adds the app: no recovery codes this time (not the first method), back to Signed in.
    assert_eq!(flow.keys("a").await, 0);
    flow.send(key(KeyCode::Tab)).await;
    assert_eq!(flow.keys("\n").await, 2);
    let secret = flow.scan_secret("both@example.com");
    assert_eq!(
        flow.keys(&format!("{}\n", app_code(&daemon, &secret)))
            .await,
        1
    );
    assert_on(&flow, "signed-in", |s| matches!(s, Screen::SignedIn(_)));
    assert!(
        flow.text((80, 24))
            .contains("OK: the authenticator app is now a two-factor method of both@example.com")
    );

    // Next sign-in: SMS was used last, so a code went out; the user picks the app instead.
    flow.keys("l").await;
    flow.advance(Duration::from_secs(31)).await;
    flow.keys("both password 1\n").await;
    assert_on(&flow, "two-factor", |s| matches!(s, Screen::TwoFactor(_)));
    assert_eq!(flow.phone_messages(), 2);
    let text = flow.text((80, 24));
    assert!(
        text.contains("> 1. SMS to +1******0123 (code sent)"),
        "{text}"
    );
    assert!(text.contains("  2. Authenticator app"), "{text}");
    flow.send(key(KeyCode::Down)).await;
    flow.keys(&format!("{}\n", app_code(&daemon, &secret)))
        .await;
    assert_on(&flow, "signed-in", |s| matches!(s, Screen::SignedIn(_)));
    assert!(flow.text((100, 30)).contains("amr    pwd, otp, mfa"));

    // The sign-in after that: the app was used last, so nothing is texted and the screen does
    // not claim otherwise; the app is preselected and an SMS can still be asked for.
    flow.keys("l").await;
    flow.advance(Duration::from_secs(31)).await;
    flow.keys("both password 1\n").await;
    assert_on(&flow, "two-factor", |s| matches!(s, Screen::TwoFactor(_)));
    assert_eq!(flow.phone_messages(), 2, "no SMS this time");
    let text = flow.text((80, 24));
    assert!(
        text.contains("1. SMS to +1******0123 (nothing sent)"),
        "{text}"
    );
    assert!(
        text.contains("> 2. Authenticator app (used last)"),
        "{text}"
    );
    assert!(!text.contains("was sent"), "{text}");
    assert!(
        text.contains("Send an SMS to +1******0123 instead (^R): available now"),
        "{text}"
    );

    // ^R: the SMS instead, whose code signs in.
    assert_eq!(flow.send(ctrl('r')).await, 1);
    assert_eq!(flow.phone_messages(), 3);
    assert!(
        flow.text((80, 24))
            .contains("OK: a new code was sent by SMS to +1******0123")
    );
    flow.keys(&format!("{}\n", daemon.last_code_to(PHONE)))
        .await;
    assert_on(&flow, "signed-in", |s| matches!(s, Screen::SignedIn(_)));
    assert!(flow.text((100, 30)).contains("amr    pwd, sms"));
}
