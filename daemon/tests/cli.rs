//! The `twofoldd` binary as an operator meets it: `init`, `serve`, `check-config`, systemd
//! notifications and signals, `/metrics`, `backup` and `restore`. Every test spawns the real
//! binary with temp dirs on port 0 and waits on conditions with bounded polling.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_twofoldd");
/// How long a child may take to come up (a debug build, a loaded 2-core machine).
const STARTUP: Duration = Duration::from_secs(60);

fn twofoldd() -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("TWOFOLD_") || name == "NOTIFY_SOCKET" || name.starts_with("LISTEN_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs a command to completion: (status, stdout, stderr).
fn run(command: &mut Command) -> (ExitStatus, String, String) {
    let output = command.output().expect("runs");
    (
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A running `twofoldd serve`.
struct Served {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

impl Served {
    /// Starts `serve --config CONFIG --listen 127.0.0.1:0` with cheap password hashing.
    fn start(config: &Path, env: &[(&str, &str)]) -> Served {
        let mut command = twofoldd();
        command
            .args(["serve", "--config"])
            .arg(config)
            .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
            .env("TWOFOLD_SECURITY__ARGON2_MEMORY_KIB", "256")
            .env("TWOFOLD_SECURITY__ARGON2_ITERATIONS", "1")
            .env("TWOFOLD_SECURITY__HASH_QUEUE", "256")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("spawns");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("twofoldd: listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let Ok(addr) = rx.recv_timeout(STARTUP) else {
            let _ = child.kill();
            panic!(
                "twofoldd did not come up; its log:\n{}",
                stderr.lock().unwrap()
            );
        };
        Served {
            child,
            url: format!("http://{addr}"),
            stderr,
        }
    }

    fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        nix::sys::signal::kill(pid, signal).expect("signal");
    }

    /// Waits (bounded) for the process to exit.
    fn wait(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// SIGTERM and a clean exit.
    fn stop(mut self) {
        self.signal(nix::sys::signal::Signal::SIGTERM);
        let status = self.wait(Duration::from_secs(20));
        assert_eq!(
            status.map(|s| s.code()),
            Some(Some(0)),
            "log:\n{}",
            self.log()
        );
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `twofoldd init --dir D`: the config path and the API key it generated.
fn init(dir: &Path) -> (PathBuf, String) {
    let (status, stdout, stderr) = run(twofoldd().args(["init", "--dir"]).arg(dir));
    assert!(status.success(), "init failed: {stdout}{stderr}");
    let kickstart: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("kickstart.json")).unwrap())
            .unwrap();
    let key = kickstart["apiKeys"][0]["key"].as_str().unwrap().to_owned();
    (dir.join("twofold.toml"), key)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn create_user(http: &reqwest::Client, url: &str, key: &str, email: &str) -> u16 {
    http.post(format!("{url}/api/user"))
        .header("Authorization", key)
        .json(&json!({ "user": { "email": email, "password": "correct horse battery" } }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn login(http: &reqwest::Client, url: &str, email: &str, password: &str) -> u16 {
    http.post(format!("{url}/api/login"))
        .json(&json!({ "loginId": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn help_and_version_on_every_subcommand() {
    let (status, stdout, _) = run(twofoldd().arg("--version"));
    assert!(status.success());
    assert!(stdout.contains(env!("CARGO_PKG_VERSION")), "{stdout}");
    for sub in ["serve", "init", "check-config", "backup", "restore"] {
        let (status, stdout, _) = run(twofoldd().args([sub, "--help"]));
        assert!(status.success(), "{sub} --help");
        assert!(stdout.contains("Usage"), "{sub}: {stdout}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn init_then_serve_comes_up_and_init_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("twofold");
    let (config, key) = init(&home);
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.contains("listen = \"127.0.0.1:9011\""), "{written}");
    assert!(written.contains("data_dir = \"data\""), "{written}");

    // A second init changes nothing.
    let (status, _, stderr) = run(twofoldd().args(["init", "--dir"]).arg(&home));
    assert!(!status.success());
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), written);

    let served = Served::start(&config, &[]);
    let http = client();
    let status = http
        .get(format!("{}/api/status", served.url))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200);
    // The kickstart's key works, and the data went where the config said (relative to it).
    assert_eq!(
        create_user(&http, &served.url, &key, "first@example.com").await,
        200
    );
    assert!(home.join("data").join("twofold.redb").exists());
    served.stop();
}

#[test]
fn check_config_prints_the_effective_config_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = init(dir.path());
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[sms]\npublic_url = \"https://relay:hunter2@auth.example.com\"\n");
    std::fs::write(&config, text).unwrap();
    let (status, stdout, stderr) = run(twofoldd()
        .args(["check-config", "--config"])
        .arg(&config)
        .env("TWOFOLD_SERVER__SHUTDOWN_GRACE_SECS", "7"));
    assert!(status.success(), "{stderr}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert!(
        stdout.contains("https://relay:********@auth.example.com"),
        "{stdout}"
    );
    assert!(stdout.contains("shutdown_grace_secs = 7"), "{stdout}");
    assert!(
        stdout.contains("argon2_memory_kib = 19456"),
        "defaults shown: {stdout}"
    );

    std::fs::write(&config, "[server]\nmax_body_bytes = 3\n").unwrap();
    let (status, _, stderr) = run(twofoldd().args(["check-config", "--config"]).arg(&config));
    assert!(!status.success());
    assert!(stderr.contains("server.max_body_bytes"), "{stderr}");
}

/// Receives one notification, bounded.
fn notification(socket: &UnixDatagram) -> String {
    let mut buf = [0u8; 4096];
    let n = socket
        .recv(&mut buf)
        .expect("a notification within the timeout");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn notification_with(socket: &UnixDatagram, wanted: &str) -> String {
    let deadline = Instant::now() + STARTUP;
    loop {
        assert!(Instant::now() < deadline, "no {wanted}");
        let message = notification(socket);
        if message.lines().any(|l| l == wanted) {
            return message;
        }
    }
}

/// Reads one HTTP/1.1 response head and its Content-Length body; returns the status.
fn read_response(stream: &mut TcpStream) -> u16 {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("reads the response");
        assert_eq!(n, 1, "connection closed mid-response");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    head.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn systemd_hears_ready_and_stopping_and_a_request_in_flight_completes() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = init(&dir.path().join("home"));
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(STARTUP)).unwrap();
    let mut served = Served::start(&config, &[("NOTIFY_SOCKET", socket_path.to_str().unwrap())]);

    // READY=1 comes only once the API answers.
    notification_with(&socket, "READY=1");
    let mut stream = TcpStream::connect(served.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let host = served.addr().to_owned();
    write!(stream, "GET /api/status HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut stream), 200);

    // A login on the same connection, its body held back. `Expect: 100-continue` makes the
    // server say when the handler starts reading the body: from then on it is in flight.
    let body =
        json!({ "loginId": "nobody@example.com", "password": "not the password" }).to_string();
    write!(
        stream,
        "POST /api/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    assert_eq!(read_response(&mut stream), 100);

    let asked = Instant::now();
    served.signal(nix::sys::signal::Signal::SIGTERM);
    notification_with(&socket, "STOPPING=1");
    // The daemon is draining; the request still completes.
    stream.write_all(body.as_bytes()).unwrap();
    assert_eq!(read_response(&mut stream), 404);
    let status = served.wait(Duration::from_secs(5));
    assert!(
        asked.elapsed() <= Duration::from_secs(5),
        "took {:?}",
        asked.elapsed()
    );
    assert_eq!(
        status.map(|s| s.code()),
        Some(Some(0)),
        "exit within 5 s with code 0; log:\n{}",
        served.log()
    );
}

fn counter(scrape: &prometheus_parse::Scrape, name: &str, label: &str, value: &str) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name && s.labels.get(label) == Some(value))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum()
}

fn parse_metrics(text: &str) -> prometheus_parse::Scrape {
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses")
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_parse_as_prometheus_text_and_count_logins_by_status() {
    let dir = tempfile::tempdir().unwrap();
    let (config, key) = init(dir.path());
    // A free port for the metrics-only listener.
    let metrics_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let served = Served::start(
        &config,
        &[("TWOFOLD_SERVER__METRICS_LISTEN", metrics_addr.as_str())],
    );
    let http = client();
    let url = &served.url;
    assert_eq!(create_user(&http, url, &key, "m@example.com").await, 200);
    assert_eq!(
        login(&http, url, "m@example.com", "correct horse battery").await,
        200
    );
    assert_eq!(
        login(&http, url, "m@example.com", "correct horse battery").await,
        200
    );
    assert_eq!(
        login(&http, url, "nobody@example.com", "whatever it is").await,
        404
    );

    // Without the key: 401. With it: the exposition.
    let refused = http.get(format!("{url}/metrics")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let text = http
        .get(format!("{url}/metrics"))
        .header("Authorization", &key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let scrape = parse_metrics(&text);
    assert_eq!(
        counter(&scrape, "twofold_logins_total", "status", "200"),
        2.0,
        "{text}"
    );
    assert_eq!(
        counter(&scrape, "twofold_logins_total", "status", "404"),
        1.0,
        "{text}"
    );
    assert_eq!(
        counter(
            &scrape,
            "twofold_http_requests_total",
            "route",
            "/api/login"
        ),
        3.0,
        "{text}"
    );
    for name in [
        "twofold_http_request_duration_seconds",
        "twofold_store_commit_duration_seconds",
        "twofold_hash_pool_queue_depth",
        "twofold_hash_pool_wait_seconds_total",
        "twofold_build_info",
        "twofold_sms_hourly_budget",
    ] {
        assert!(
            scrape.samples.iter().any(|s| s.metric == name),
            "{name} missing:\n{text}"
        );
    }
    // No raw ids in route labels.
    assert!(!text.contains("route=\"/api/user/0"), "{text}");

    // The metrics-only listener needs no key and serves nothing else.
    let open = http
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    let scrape = parse_metrics(&open.text().await.unwrap());
    assert_eq!(
        counter(&scrape, "twofold_logins_total", "status", "200"),
        2.0
    );
    let other = http
        .get(format!("http://{metrics_addr}/api/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    served.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_reloads_log_level_cors_and_rate_limits_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = init(dir.path());
    let quiet = std::fs::read_to_string(&config)
        .unwrap()
        .replace("level = \"info\"", "level = \"warn\"");
    std::fs::write(&config, &quiet).unwrap();
    let served = Served::start(&config, &[]);
    let http = client();
    let origin = "https://app.example.com";
    let allowed = || async {
        http.get(format!("{}/api/status", served.url))
            .header("Origin", origin)
            .send()
            .await
            .unwrap()
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(allowed().await, None);
    for _ in 0..2 {
        assert_eq!(
            login(&http, &served.url, "x@example.com", "wrong password").await,
            404
        );
    }
    assert!(
        !served.log().contains("twofold::access"),
        "{}",
        served.log()
    );

    let reloaded = quiet
        .replace("level = \"warn\"", "level = \"info\"")
        .replace(
            "[server]\n",
            &format!("[server]\ncors_allowed_origins = [\"{origin}\"]\n"),
        )
        + "\n[rate_limits]\nlogin = [{ requests = 1, seconds = 3600 }]\n";
    std::fs::write(&config, reloaded).unwrap();
    served.signal(nix::sys::signal::Signal::SIGHUP);
    let deadline = Instant::now() + Duration::from_secs(20);
    while allowed().await.as_deref() != Some(origin) {
        assert!(
            Instant::now() < deadline,
            "CORS not reloaded:\n{}",
            served.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The new login limit: counts start over, one per hour.
    assert_eq!(
        login(&http, &served.url, "x@example.com", "wrong password").await,
        404
    );
    assert_eq!(
        login(&http, &served.url, "x@example.com", "wrong password").await,
        429
    );
    // The access log is on now (the writer may lag the response a little).
    while !served.log().contains("twofold::access") {
        assert!(
            Instant::now() < deadline,
            "log level not reloaded:\n{}",
            served.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    served.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_while_logins_run_holds_every_acknowledged_user_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let (config, key) = init(&home);
    let served = Served::start(&config, &[("TWOFOLD_RATE_LIMITS__ENABLED", "false")]);
    let http = client();
    let url = served.url.clone();
    assert_eq!(
        create_user(&http, &url, &key, "seed@example.com").await,
        200
    );

    // Logins hammer the daemon the whole time; users keep being created.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut logins = Vec::new();
    for _ in 0..3 {
        let (http, url, stop) = (http.clone(), url.clone(), Arc::clone(&stop));
        logins.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                assert_eq!(
                    login(&http, &url, "seed@example.com", "correct horse battery").await,
                    200
                );
                n += 1;
            }
            n
        }));
    }
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let creator = {
        let (http, url, key, stop, acknowledged) = (
            http.clone(),
            url.clone(),
            key.clone(),
            Arc::clone(&stop),
            Arc::clone(&acknowledged),
        );
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let email = format!("user{i}@example.com");
                assert_eq!(create_user(&http, &url, &key, &email).await, 200);
                acknowledged.lock().unwrap().push(email);
                i += 1;
            }
        })
    };
    // Let some users be acknowledged first (bounded).
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 5 {
        assert!(Instant::now() < deadline, "users are not being created");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let out = dir.path().join("backup.redb");
    let (status, stdout, stderr) = tokio::task::spawn_blocking({
        let (url, key, out) = (url.clone(), key.clone(), out.clone());
        move || {
            run(twofoldd()
                .args(["backup", "--url", &url, "--out"])
                .arg(&out)
                .env("TWOFOLD_API_KEY", key))
        }
    })
    .await
    .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total_logins = 0;
    for task in logins {
        total_logins += task.await.unwrap();
    }
    creator.await.unwrap();
    assert!(status.success(), "backup failed: {stdout}{stderr}");
    assert!(total_logins > 0);
    assert!(stdout.contains("master key"), "{stdout}");

    // The backup opens as a store holding every user acknowledged before it began.
    {
        let store: Arc<dyn daemon::store::Store> =
            Arc::new(daemon::store::redb::RedbStore::open_file(&out, 0).expect("a valid store"));
        for email in before.iter().chain(["seed@example.com".to_owned()].iter()) {
            let email = email.clone();
            let found = store
                .read(move |tx| tx.user_by_email(&email))
                .await
                .unwrap();
            assert!(
                found.is_some(),
                "a user acknowledged before the backup is missing"
            );
        }
    }
    // A second backup to the same file is refused.
    let (status, _, _) = run(twofoldd()
        .args(["backup", "--url", &url, "--out"])
        .arg(&out)
        .env("TWOFOLD_API_KEY", &key));
    assert!(!status.success());
    served.stop();

    // Restore refuses a data dir whose master key is another one.
    let other = dir.path().join("other");
    let (other_config, _) = init(&other);
    Served::start(&other_config, &[]).stop();
    let (status, _, stderr) = run(twofoldd()
        .args(["restore", "--in"])
        .arg(&out)
        .arg("--data-dir")
        .arg(other.join("data")));
    assert!(!status.success());
    assert!(
        stderr.contains("not the one this backup was written with"),
        "{stderr}"
    );

    // With the right key it restores, and the daemon serves the restored users.
    let fresh = dir.path().join("fresh");
    let (fresh_config, _) = init(&fresh);
    std::fs::create_dir_all(fresh.join("data")).unwrap();
    std::fs::copy(
        home.join("data").join("master.key"),
        fresh.join("data").join("master.key"),
    )
    .unwrap();
    let (status, stdout, stderr) = run(twofoldd()
        .args(["restore", "--in"])
        .arg(&out)
        .arg("--data-dir")
        .arg(fresh.join("data")));
    assert!(status.success(), "restore failed: {stdout}{stderr}");
    let restored = Served::start(&fresh_config, &[]);
    assert_eq!(
        login(&http, &restored.url, &before[0], "correct horse battery").await,
        200
    );
    // The original API key came with the data.
    assert_eq!(
        create_user(&http, &restored.url, &key, "after-restore@example.com").await,
        200
    );
    restored.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn socket_activation_serves_on_the_inherited_listener() {
    let Some(activate) = [
        "/usr/bin/systemd-socket-activate",
        "/bin/systemd-socket-activate",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists()) else {
        eprintln!("systemd-socket-activate is not installed; skipping");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = init(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(activate)
        .args(["-l", &format!("127.0.0.1:{port}"), BIN, "serve", "--config"])
        .arg(&config)
        .env("TWOFOLD_SECURITY__ARGON2_MEMORY_KIB", "256")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The socket is bound before twofoldd runs; the first connection starts it.
    let http = client();
    let deadline = Instant::now() + STARTUP;
    let answered = loop {
        if let Ok(reply) = http
            .get(format!("http://127.0.0.1:{port}/api/status"))
            .send()
            .await
        {
            break reply.status().as_u16();
        }
        assert!(
            Instant::now() < deadline,
            "no answer on the activated socket"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answered, 200);
}

#[test]
fn the_systemd_watchdog_is_pinged_when_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = init(dir.path());
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(STARTUP)).unwrap();
    let served = Served::start(
        &config,
        &[
            ("NOTIFY_SOCKET", socket_path.to_str().unwrap()),
            ("WATCHDOG_USEC", "400000"),
        ],
    );
    notification_with(&socket, "READY=1");
    notification_with(&socket, "WATCHDOG=1");
    notification_with(&socket, "WATCHDOG=1");
    served.stop();
}
