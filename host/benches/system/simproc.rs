//! The simulator in its own process (`lifeguard sim`), so that the bench process's CPU and
//! RSS are the host's (or the baseline client's) alone.
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};

/// A running `lifeguard sim` child.
pub struct SimProcess {
    child: Child,
    url: String,
    client: reqwest::Client,
}

/// A free loopback port (bound, then released for the child to take).
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl SimProcess {
    /// Start `lifeguard sim` on `scenario` (TOML) at `speed`, and wait until it answers.
    pub async fn start(scratch: &Path, scenario: &str, speed: f64) -> anyhow::Result<Self> {
        let file = scratch.join("scenario.toml");
        std::fs::create_dir_all(scratch)?;
        std::fs::write(&file, scenario)?;
        let port = free_port()?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_lifeguard"))
            .args(["sim", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--speed", &speed.to_string()])
            .arg("--scenario")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting `lifeguard sim`")?;
        // Drain its log so a chatty simulator never blocks on a full pipe.
        if let Some(err) = child.stderr.take() {
            std::thread::spawn(move || for _ in BufReader::new(err).lines() {});
        }
        let sim = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if sim.client.get(&sim.url).send().await.is_ok() {
                return Ok(sim);
            }
            if Instant::now() > deadline {
                return Err(anyhow!("`lifeguard sim` did not answer within 60 s"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// User + system CPU seconds the simulator has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        crate::common::cpu_seconds_of(&format!("/proc/{}/stat", self.child.id()))
    }

    /// Requests in the simulator's log.
    pub async fn requests(&self) -> anyhow::Result<u64> {
        let v: serde_json::Value = self
            .client
            .get(format!("{}/_sim/requests", self.url))
            .send()
            .await?
            .json()
            .await?;
        v.get("total")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| anyhow!("/_sim/requests without a total"))
    }

    pub async fn clear_requests(&self) -> anyhow::Result<()> {
        self.client
            .delete(format!("{}/_sim/requests", self.url))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
