//! `twofoldd` as a child process: start it on a data directory, time how long until
//! `/api/status` answers, read its memory from `/proc`, stop it with SIGTERM.
//!
//! It does not build the binary (see [`super::binary`]) or seed data.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::client::Conn;

/// How the nodes of one cluster are configured.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub binary: PathBuf,
    pub data_dir: PathBuf,
    pub kickstart: Option<PathBuf>,
    /// Extra `TWOFOLD_*` variables.
    pub env: Vec<(String, String)>,
}

pub struct Node {
    child: Child,
    pub addr: SocketAddr,
    /// From spawning the process to the first 200 from `/api/status`.
    pub startup: Duration,
}

/// A free loopback port (bound, read, released: the daemon binds it right after).
fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

impl Node {
    /// Starts the daemon and waits (bounded) until it answers.
    pub async fn start(spec: &NodeSpec) -> anyhow::Result<Node> {
        let addr = free_port()?;
        let mut command = Command::new(&spec.binary);
        command
            .arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(&spec.data_dir)
            .env("TWOFOLD_LOG__LEVEL", "error")
            .env("TWOFOLD_RATE_LIMITS__ENABLED", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(kickstart) = &spec.kickstart {
            command.arg("--kickstart").arg(kickstart);
        }
        for (key, value) in &spec.env {
            command.env(key, value);
        }
        let started = Instant::now();
        let mut child = command.spawn()?;
        let mut conn = Conn::new(addr);
        let deadline = started + Duration::from_secs(30);
        loop {
            if let Ok(answer) = conn.get("/api/status").await
                && answer.status == 200
            {
                break;
            }
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("twofoldd exited during start-up: {status}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                anyhow::bail!("twofoldd did not answer /api/status within 30 s");
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        Ok(Node {
            startup: started.elapsed(),
            child,
            addr,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `(VmRSS, VmHWM)` in MiB.
    pub fn memory_mib(&self) -> anyhow::Result<(f64, f64)> {
        memory_mib(self.pid())
    }

    /// SIGTERM, then waits (bounded) for the exit.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id())?);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                anyhow::bail!("twofoldd did not stop within 20 s of SIGTERM");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `(VmRSS, VmHWM)` of a process in MiB, from `/proc/<pid>/status`.
pub fn memory_mib(pid: u32) -> anyhow::Result<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> anyhow::Result<f64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .ok_or_else(|| anyhow::anyhow!("no {name} in /proc/{pid}/status"))?;
        let kib: f64 = line
            .split_whitespace()
            .nth(1)
            .ok_or_else(|| anyhow::anyhow!("bad {name} line"))?
            .parse()?;
        Ok(kib / 1024.0)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// Size of the store file in a data directory.
pub fn store_bytes(data_dir: &Path) -> u64 {
    std::fs::metadata(data_dir.join(daemon::store::redb::FILE_NAME)).map_or(0, |m| m.len())
}
