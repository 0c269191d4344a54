//! Contract test: our Twilio requests against Twilio's published OpenAPI spec, served by Stoplight Prism
//! (`../shared/twilio/run-prism-mock.sh`). Prism answers 422 when a request breaks the spec (path and
//! `MessagingServiceSid` patterns, `StatusCallback` format, form content type, `To` required) and 401 without
//! Basic auth; it checks neither credentials nor E.164 (see `../shared/twilio/PRISM-CHECKS.md`).
//!
//! Skips with a "skipped: …" message when `../shared` is missing, or when Prism is not installed and cannot
//! be (no npm, or the install fails). The Prism process is killed when the test ends, panics included.

use std::path::{Path, PathBuf};
use std::process::Command;

use providers::twilio::TwilioProvider;
use providers::{Sms, SmsProvider};

use super::twilio_config;

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";

/// Kills the Prism process on drop.
struct PrismGuard {
    pid: u32,
    url: String,
    log: PathBuf,
    /// Holds the log directory until Prism is gone.
    _dir: tempfile::TempDir,
}

impl Drop for PrismGuard {
    fn drop(&mut self) {
        // The PID is the one the script printed for the Prism it started for this test.
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
    }
}

impl PrismGuard {
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn command_works(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|output| output.status.success())
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("bound address").port()
}

/// Starts Prism on a free port, or says why not (`Err` = skip message).
fn start_prism() -> Result<PrismGuard, String> {
    let root = workspace_root();
    let script = root.join("../shared/twilio/run-prism-mock.sh");
    if !script.is_file() {
        return Err(format!("{} is missing", script.display()));
    }
    let prefix = std::env::var_os("TWOFOLD_PRISM_PREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/prism"));
    let installed = prefix.join("node_modules/.bin/prism").is_file();
    if !installed && !command_works("npm", "--version") {
        return Err(format!(
            "Prism is not installed in {} and npm is absent",
            prefix.display()
        ));
    }
    if !command_works("curl", "--version") {
        return Err("curl (needed by run-prism-mock.sh) is absent".to_owned());
    }

    let dir = tempfile::tempdir().expect("tempdir for the Prism log");
    let log = dir.path().join("prism.log");
    let port = free_port();
    let output = Command::new("bash")
        .arg(&script)
        .arg("--prefix")
        .arg(&prefix)
        .arg("--port")
        .arg(port.to_string())
        .arg("--log")
        .arg(&log)
        .arg("--timeout")
        .arg("120")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let value = |key: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_owned)
    };
    if !output.status.success() {
        // The script stops a Prism it started when it fails.
        if !prefix.join("node_modules/.bin/prism").is_file() {
            return Err(format!("Prism could not be installed: {}", stderr.trim()));
        }
        let log_text = std::fs::read_to_string(&log).unwrap_or_default();
        panic!("run-prism-mock.sh failed:\n{stdout}\n{stderr}\nPrism log:\n{log_text}");
    }
    let pid = value("PRISM_PID")
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no PRISM_PID in the script's output:\n{stdout}"));
    // From here on, the guard stops Prism whatever happens.
    let mut guard = PrismGuard {
        pid,
        url: String::new(),
        log,
        _dir: dir,
    };
    guard.url = value("PRISM_URL")
        .unwrap_or_else(|| panic!("no PRISM_URL in the script's output:\n{stdout}"));
    Ok(guard)
}

#[tokio::test]
async fn twilio_requests_conform_to_twilios_openapi_spec() {
    let prism = match tokio::task::spawn_blocking(start_prism)
        .await
        .expect("the Prism starter ran")
    {
        Ok(prism) => prism,
        Err(reason) => {
            eprintln!("skipped: Prism contract test: {reason}");
            return;
        }
    };

    // 1. A From sender, with a status callback (Prism checks its `format: uri`).
    let mut cfg = twilio_config(&prism.url);
    cfg.account_sid = ACCOUNT_SID.to_owned();
    cfg.status_callback = Some("https://login.example.org/twilio/status".to_owned());
    let sms = Sms::new("+14155551234", "Your twofold code is 482913");
    let result = TwilioProvider::new(cfg)
        .expect("valid config")
        .send(&sms)
        .await;
    let receipt = result.unwrap_or_else(|error| {
        panic!(
            "Prism rejected our request: {error:?}\nPrism log:\n{}",
            prism.log_tail()
        )
    });
    let sid = receipt.message_id.expect("Prism's example has a sid");
    assert!(sid.starts_with("SM") && sid.len() == 34, "{sid}");
    assert!(receipt.status.is_some());

    // 2. A Messaging Service sender (Prism checks `^MG[0-9a-fA-F]{32}$`).
    let mut cfg = twilio_config(&prism.url);
    cfg.account_sid = ACCOUNT_SID.to_owned();
    cfg.from_phone_number = None;
    cfg.messaging_service_sid = Some("MG0123456789abcdef0123456789abcdef".to_owned());
    let receipt = TwilioProvider::new(cfg)
        .expect("valid config")
        .send(&sms)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "Prism rejected our Messaging Service request: {error:?}\nPrism log:\n{}",
                prism.log_tail()
            )
        });
    assert!(receipt.message_id.is_some_and(|sid| sid.starts_with("SM")));

    // 3. Controls: this Prism does reject what breaks the spec, so the successes above mean something.
    let endpoint = format!(
        "{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        prism.url
    );
    let http = reqwest::Client::new();
    let missing_to = http
        .post(&endpoint)
        .basic_auth(ACCOUNT_SID, Some("token"))
        .form(&[("From", "+15005550006"), ("Body", "hello")])
        .send()
        .await
        .expect("Prism answers");
    assert_eq!(missing_to.status().as_u16(), 422, "a request without To");
    let bad_service = http
        .post(&endpoint)
        .basic_auth(ACCOUNT_SID, Some("token"))
        .form(&[
            ("To", "+14155551234"),
            ("MessagingServiceSid", "MG123"),
            ("Body", "hello"),
        ])
        .send()
        .await
        .expect("Prism answers");
    assert_eq!(
        bad_service.status().as_u16(),
        422,
        "a short MessagingServiceSid"
    );
    let no_auth = http
        .post(&endpoint)
        .form(&[
            ("To", "+14155551234"),
            ("From", "+15005550006"),
            ("Body", "hello"),
        ])
        .send()
        .await
        .expect("Prism answers");
    assert_eq!(
        no_auth.status().as_u16(),
        401,
        "a request without Basic auth"
    );
}
