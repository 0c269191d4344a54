//! App-level behaviour: Ctrl-C from anywhere, F-keys, stale replies, and the Phone panel's outbox
//! polling and placement.

use std::path::PathBuf;

use crossterm::event::KeyCode;

use super::*;
use crate::app::PhonePlacement;
use crate::outbox::{OutboxEntry, OutboxRead};
use crate::testing::{ctrl, press};

#[test]
fn ctrl_c_quits_from_every_screen() -> TestResult {
    let mut apps = vec![
        app(),
        at_two_factor(sms_challenge())?,
        at_signed_in(Some("rt"))?,
    ];
    let mut busy = app();
    type_keys(&mut busy, "alice\tsecret\n");
    apps.push(busy);
    let mut twilio = app();
    press(&mut twilio, KeyCode::F(2));
    apps.push(twilio);
    let mut register = app();
    press(&mut register, KeyCode::F(3));
    apps.push(register);
    for mut app in apps {
        assert_eq!(
            app.update(ctrl('c')),
            vec![Effect::Quit],
            "{:?}",
            app.screen()
        );
    }
    Ok(())
}

#[test]
fn f_keys_are_refused_away_from_login_and_signed_in() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    assert_eq!(press(&mut app, KeyCode::F(2)), vec![]);
    assert!(matches!(app.screen(), Screen::TwoFactor(_)));
    assert_eq!(
        app.notice().map(|m| m.render_text(NOW)).as_deref(),
        Some("press Esc to leave this screen first")
    );
    type_keys(&mut app, "1");
    assert_eq!(app.notice(), None, "the notice goes with the next key");
    Ok(())
}

#[test]
fn f3_without_an_api_key_explains() -> TestResult {
    let mut app = app_with(Config {
        has_api_key: false,
        ..config()
    });
    assert_eq!(press(&mut app, KeyCode::F(3)), vec![]);
    assert!(matches!(app.screen(), Screen::Login(_)));
    assert!(
        app.notice()
            .is_some_and(|m| m.text.starts_with("registering needs an API key"))
    );
    Ok(())
}

#[test]
fn f2_from_signed_in_returns_to_the_session() -> TestResult {
    let mut app = at_signed_in(Some("rt"))?;
    press(&mut app, KeyCode::F(2));
    assert!(matches!(app.screen(), Screen::TwilioSetup(_)));
    press(&mut app, KeyCode::Esc); // stop the load
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen(), Screen::SignedIn(_)));
    Ok(())
}

#[test]
fn replies_for_requests_no_longer_wanted_are_dropped() -> TestResult {
    let mut app = app();
    let (id, _) = single_call(&type_keys(&mut app, "alice\tsecret\n"))?;
    let unknown = RequestId(id.0 + 100);
    let before = app.clone();
    assert_eq!(reply(&mut app, unknown, Err(ClientError::NotFound)), vec![]);
    assert_eq!(app, before);
    Ok(())
}

#[test]
fn resize_changes_nothing_but_the_drawing() -> TestResult {
    let mut app = app();
    let before = app.clone();
    assert_eq!(app.update(Event::Resize(100, 40)), vec![]);
    assert_eq!(app, before);
    Ok(())
}

fn phone_config() -> Config {
    Config {
        outbox: Some(PathBuf::from("/tmp/demo/outbox.jsonl")),
        ..config()
    }
}

fn sms(body: &str, secs: i64) -> OutboxEntry {
    OutboxEntry {
        to: "+15551234567".into(),
        body: body.into(),
        sent_instant: Some(NOW.0 + secs * 1000),
        message_id: Some(format!("CO{secs}")),
        provider: Some("console".into()),
    }
}

#[test]
fn the_phone_panel_polls_the_outbox_one_read_at_a_time() -> TestResult {
    let mut app = App::new(phone_config());
    let first = app.update(Event::Tick(NOW));
    assert_eq!(
        first,
        vec![Effect::ReadOutbox {
            path: PathBuf::from("/tmp/demo/outbox.jsonl"),
            offset: 0,
        }]
    );
    assert_eq!(tick(&mut app, 1), vec![], "no second read while one runs");
    app.update(Event::Outbox(OutboxRead {
        entries: vec![sms("Your twofold code is 123456", 0)],
        next_offset: 120,
        restarted: false,
        error: None,
    }));
    let phone = app.phone().ok_or("no phone state")?;
    assert_eq!(phone.entries.len(), 1);
    assert_eq!(
        tick(&mut app, 2),
        vec![Effect::ReadOutbox {
            path: PathBuf::from("/tmp/demo/outbox.jsonl"),
            offset: 120,
        }]
    );
    app.update(Event::Outbox(OutboxRead {
        entries: vec![sms("Your twofold code is 654321", 2)],
        next_offset: 60,
        restarted: true,
        error: None,
    }));
    let phone = app.phone().ok_or("no phone state")?;
    assert_eq!(
        phone.entries,
        vec![sms("Your twofold code is 654321", 2)],
        "a restart drops old lines"
    );
    Ok(())
}

#[test]
fn the_phone_panel_sits_beside_large_terminals_and_f4_toggles_it() -> TestResult {
    let mut app = app_with(phone_config());
    assert_eq!(app.phone_placement(120, 36), PhonePlacement::Beside);
    assert_eq!(app.phone_placement(80, 24), PhonePlacement::Hidden);
    press(&mut app, KeyCode::F(4));
    assert_eq!(app.phone_placement(80, 24), PhonePlacement::Instead);
    assert_eq!(app.phone_placement(120, 36), PhonePlacement::Hidden);
    let text = screen_text(&app, 80, 24)?;
    assert!(
        text.contains("Phone") && text.contains("No messages yet."),
        "{text}"
    );
    assert!(text.contains("F4 hide phone"));

    let without = app_with(config());
    assert_eq!(without.phone_placement(120, 36), PhonePlacement::Hidden);
    assert!(!screen_text(&without, 80, 24)?.contains("F4"));
    Ok(())
}
