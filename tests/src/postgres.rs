//! Throwaway PostgreSQL for tests: [`PgCluster`] runs `initdb` into a temporary directory and
//! starts a private server on a free loopback port (as the `postgres` user when the tests
//! run as root, which `initdb` refuses), and stops it when dropped. Binaries are looked for
//! in `$TWOFOLD_TEST_PG_BIN`, `/usr/lib/postgresql/*/bin` and `PATH`.
//!
//! `TWOFOLD_TEST_POSTGRES_URL` (a superuser URL of a running server) is used instead when
//! set; tests needing to stop the server still need the binaries. A test that finds
//! neither prints why and skips: [`PgCluster::start_or_skip`] returns `None` (unless
//! `TWOFOLD_TEST_REQUIRE_POSTGRES` is set, as in CI: then it fails).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use tempfile::TempDir;

const SUPERUSER: &str = "twofold";

/// A private PostgreSQL server, or a database on the server `TWOFOLD_TEST_POSTGRES_URL` names.
pub struct PgCluster {
    server: Option<Server>,
    /// Superuser URL without a database.
    base: String,
}

struct Server {
    bin: PathBuf,
    dir: TempDir,
    port: u16,
    run_as_postgres: bool,
}

/// Where the PostgreSQL server binaries are (`initdb`, `pg_ctl`).
pub fn find_binaries() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(dir) = std::env::var("TWOFOLD_TEST_PG_BIN") {
        let dir = PathBuf::from(dir);
        if has_both(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    // Newest first.
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions.reverse();
    if let Some(dir) = versions.into_iter().find(|d| has_both(d)) {
        return Some(dir);
    }
    std::env::var_os("PATH").and_then(|path| std::env::split_paths(&path).find(|d| has_both(d)))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Server {
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.run_as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, mut command: Command, what: &str) {
        let output = command
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
        assert!(
            output.status.success(),
            "{what} failed: {}\n{}\nserver log:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
        );
    }

    fn init(bin: PathBuf) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("twofold-pg-")
            .tempdir()
            .expect("tempdir");
        let run_as_postgres = is_root();
        let server = Self {
            bin,
            dir,
            port: free_port(),
            run_as_postgres,
        };
        if run_as_postgres {
            let status = Command::new("chown")
                .args(["postgres:"])
                .arg(server.dir.path())
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "cannot hand the test directory to postgres"
            );
        }
        let mut initdb = server.command("initdb");
        initdb
            .arg("-D")
            .arg(server.data())
            .args(["-U", SUPERUSER, "--auth=trust", "--no-sync", "-E", "UTF8"])
            .args(["--locale=C"]);
        server.run(initdb, "initdb");
        server.start();
        server
    }

    /// Starts the server and waits until it accepts connections (`pg_ctl -w`).
    fn start(&self) {
        let mut pg_ctl = self.command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c shared_buffers=16MB -c max_connections=60",
                self.port,
                self.dir.path().display()
            ))
            .args(["-w", "-t", "60", "start"]);
        self.run(pg_ctl, "pg_ctl start");
    }

    fn stop(&self, mode: &str) {
        let mut pg_ctl = self.command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data())
            .args(["-m", mode, "-w", "-t", "60", "stop"]);
        self.run(pg_ctl, "pg_ctl stop");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

impl PgCluster {
    /// A server for one test, or `None` (with a printed reason) when there is none to have.
    pub fn start_or_skip(test: &str) -> Option<Self> {
        if let Ok(url) = std::env::var("TWOFOLD_TEST_POSTGRES_URL") {
            return Some(Self {
                server: None,
                base: url.trim_end_matches('/').to_owned(),
            });
        }
        Self::private_or_skip(test)
    }

    /// A private server this test may stop and start, or `None` (with a printed reason).
    pub fn private_or_skip(test: &str) -> Option<Self> {
        let Some(bin) = find_binaries() else {
            assert!(
                std::env::var_os("TWOFOLD_TEST_REQUIRE_POSTGRES").is_none(),
                "{test}: TWOFOLD_TEST_REQUIRE_POSTGRES is set but no PostgreSQL binaries were found"
            );
            eprintln!(
                "SKIPPED {test}: no PostgreSQL server binaries (initdb, pg_ctl) found in \
                 $TWOFOLD_TEST_PG_BIN, /usr/lib/postgresql/*/bin or PATH; install the \
                 `postgresql` package to run it"
            );
            return None;
        };
        let server = Server::init(bin);
        let base = format!("postgres://{SUPERUSER}@127.0.0.1:{}", server.port);
        Some(Self {
            server: Some(server),
            base,
        })
    }

    /// Creates an empty database and returns its URL.
    pub async fn create_database(&self) -> String {
        let name = format!(
            "twofold_test_{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::Relaxed)
        );
        let admin = if self.server.is_some() {
            format!("{}/postgres", self.base)
        } else {
            self.base.clone()
        };
        let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
            .await
            .expect("connect to the test PostgreSQL");
        let driver = tokio::spawn(connection);
        // One statement each: neither may run inside a transaction block.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            client
                .batch_execute(&sql)
                .await
                .expect("create a test database");
        }
        drop(client);
        let _ = driver.await;
        self.url_of(&name)
    }

    fn url_of(&self, database: &str) -> String {
        match self.base.rsplit_once('/') {
            // An external URL names a database: replace it.
            Some((head, _)) if self.server.is_none() && !head.ends_with('/') => {
                format!("{head}/{database}")
            }
            _ => format!("{}/{database}", self.base),
        }
    }

    /// Stops the server (fast shutdown: connections are cut). Panics for an external server.
    pub fn stop(&self) {
        self.server.as_ref().expect("a private server").stop("fast");
    }

    /// Starts the stopped server again on the same port.
    pub fn restart(&self) {
        self.server.as_ref().expect("a private server").start();
    }
}
