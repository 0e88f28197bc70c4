//! 10. Coordination on etcd: takeover after `kill -9`, etcd requests per tick, and each
//! replica's CPU per tick with 3 replicas against 1, all on 1,000 tenants. Real etcd (one
//! member), real `lifeguard run` processes, the simulator in its own process. Every tenant
//! runs the `probe` guest with one clock call, so what is left is scheduling and
//! coordination.
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};

use crate::common::{self, cpu_seconds_of, median, percentile, Row};
use crate::simproc::SimProcess;

const TTL_S: u64 = 2;
const INTERVAL_S: f64 = 1.0;

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Etcd {
    _proc: Proc,
    url: String,
}

async fn start_etcd(dir: &Path) -> anyhow::Result<Etcd> {
    let (c, p) = (free_port()?, free_port()?);
    let url = format!("http://127.0.0.1:{c}");
    let peer = format!("http://127.0.0.1:{p}");
    let child = Command::new("etcd")
        .args(["--name", "b0", "--data-dir"])
        .arg(dir.join("etcd"))
        .args([
            "--listen-client-urls",
            &url,
            "--advertise-client-urls",
            &url,
        ])
        .args([
            "--listen-peer-urls",
            &peer,
            "--initial-advertise-peer-urls",
            &peer,
        ])
        .args(["--initial-cluster", &format!("b0={peer}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting etcd (`make setup-etcd` installs it)")?;
    let e = Etcd {
        _proc: Proc(child),
        url,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{}/health", e.url)).await {
            if r.text().await.is_ok_and(|t| t.contains("true")) {
                return Ok(e);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(anyhow!("etcd not healthy within 30 s"))
}

/// Every RPC message etcd received (unary requests and keep-alive stream messages).
async fn etcd_messages(etcd: &Etcd) -> anyhow::Result<f64> {
    let text = reqwest::get(format!("{}/metrics", etcd.url))
        .await?
        .text()
        .await?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with("grpc_server_msg_received_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum())
}

struct Replica {
    proc: Option<Proc>,
    dir: PathBuf,
    port: u16,
}

impl Replica {
    fn spawn(dir: &Path) -> anyhow::Result<Proc> {
        let log = std::fs::File::create(dir.join("host.log"))?;
        let child = Command::new(env!("CARGO_BIN_EXE_lifeguard"))
            .current_dir(dir)
            .args(["run", "--config", "lifeguard.toml"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting `lifeguard run`")?;
        Ok(Proc(child))
    }

    fn cpu(&self) -> f64 {
        self.proc
            .as_ref()
            .map_or(0.0, |p| cpu_seconds_of(&format!("/proc/{}/stat", p.0.id())))
    }

    async fn owned(&self, client: &reqwest::Client) -> Option<BTreeSet<String>> {
        let url = format!("http://127.0.0.1:{}/api/status", self.port);
        let v: serde_json::Value = client.get(url).send().await.ok()?.json().await.ok()?;
        Some(
            v["coordination"]["owned"]
                .as_array()?
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
        )
    }
}

struct Rig {
    etcd: Etcd,
    _sim: SimProcess,
    replicas: Vec<Replica>,
    tenants: usize,
    client: reqwest::Client,
}

impl Rig {
    async fn start(scratch: &Path, replicas: usize, tenants: usize) -> anyhow::Result<Rig> {
        let etcd = start_etcd(scratch).await?;
        let sim = SimProcess::start(&scratch.join("sim"), "[leader]\n", 0.0).await?;
        let probe = common::guests_dir().join("probe.wasm");
        let prefix = format!("/lifeguard-bench/{}", std::process::id());
        let mut rs = Vec::new();
        for k in 0..replicas {
            let dir = scratch.join(format!("r{k}"));
            std::fs::create_dir_all(dir.join("plugins"))?;
            std::fs::copy(&probe, dir.join("plugins/probe.wasm"))
                .with_context(|| format!("copying {}", probe.display()))?;
            let port = free_port()?;
            let mut c = format!(
                r#"
[host]
plugin_dir = "plugins"
state_dir = "state"
audit_file = "state/audit.jsonl"
interval = "{INTERVAL_S}s"
telemetry_listen = "127.0.0.1:{port}"
shutdown_grace = "1s"

[[clusters]]
name = "leader"
urls = ["{}"]

[coordination]
backend = "etcd"
endpoints = ["{}"]
prefix = "{prefix}"
lease_ttl = "{TTL_S}s"
replica_id = "r{k}"
"#,
                sim.url(),
                etcd.url
            );
            for t in 0..tenants {
                let _ = write!(
                    c,
                    "\n[[tenants]]\nname = \"t{t}\"\nclusters = [\"leader\"]\nindices = [\"t{t}-*\"]\n\
                     [[tenants.plugins]]\nname = \"p\"\nfile = \"probe.wasm\"\nconfig = {{ n = 1 }}\n"
                );
            }
            std::fs::write(dir.join("lifeguard.toml"), c)?;
            rs.push(Replica {
                proc: None,
                dir,
                port,
            });
        }
        Ok(Rig {
            etcd,
            _sim: sim,
            replicas: rs,
            tenants,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()?,
        })
    }

    fn start_replica(&mut self, k: usize) -> anyhow::Result<()> {
        self.replicas[k].proc = Some(Replica::spawn(&self.replicas[k].dir)?);
        Ok(())
    }

    /// The owned sets of the running replicas once every tenant is owned exactly once.
    async fn settled(&self, within: Duration) -> anyhow::Result<Vec<BTreeSet<String>>> {
        let deadline = Instant::now() + within;
        loop {
            let mut sets = Vec::new();
            let mut total = 0;
            let mut union = BTreeSet::new();
            for r in &self.replicas {
                let s = if r.proc.is_some() {
                    r.owned(&self.client).await.unwrap_or_default()
                } else {
                    BTreeSet::new()
                };
                total += s.len();
                union.extend(s.iter().cloned());
                sets.push(s);
            }
            if total == self.tenants && union.len() == self.tenants {
                return Ok(sets);
            }
            if Instant::now() > deadline {
                return Err(anyhow!(
                    "ownership did not settle within {within:?}: {total} of {}",
                    self.tenants
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// (CPU ms per tick of each running replica, etcd messages per tick) over `window`.
    async fn per_tick(&self, window: Duration) -> anyhow::Result<(Vec<f64>, f64)> {
        let cpu0: Vec<f64> = self.replicas.iter().map(Replica::cpu).collect();
        let m0 = etcd_messages(&self.etcd).await?;
        tokio::time::sleep(window).await;
        let m1 = etcd_messages(&self.etcd).await?;
        let ticks = window.as_secs_f64() / INTERVAL_S;
        let cpu = self
            .replicas
            .iter()
            .zip(cpu0)
            .filter(|(r, _)| r.proc.is_some())
            .map(|(r, c0)| (r.cpu() - c0) * 1000.0 / ticks)
            .collect();
        Ok((cpu, (m1 - m0) / ticks))
    }
}

pub async fn coord() -> anyhow::Result<Vec<Row>> {
    let smoke = common::smoke();
    let tenants = common::scaled(1000, 50);
    let window = Duration::from_secs(if smoke { 3 } else { 15 });
    let kills = if smoke { 2 } else { 20 };
    let scratch = common::scratch("coord");
    let mut rig = Rig::start(&scratch, 3, tenants).await?;

    // One replica alone.
    rig.start_replica(0)?;
    rig.settled(Duration::from_secs(120)).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (one_cpu, one_msgs) = rig.per_tick(window).await?;

    // Three replicas, spread by rendezvous.
    rig.start_replica(1)?;
    rig.start_replica(2)?;
    tokio::time::sleep(Duration::from_secs(3 * TTL_S)).await;
    let spread = rig.settled(Duration::from_secs(120)).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (three_cpu, three_msgs) = rig.per_tick(window).await?;

    // kill -9, takeover, restart; the victim rotates.
    let mut takeover_ms = Vec::new();
    for run in 0..kills {
        let victim = run % 3;
        let sets = rig.settled(Duration::from_secs(60)).await?;
        let moved = sets[victim].clone();
        rig.replicas[victim].proc = None; // kill -9 (SIGKILL on drop)
        let t0 = Instant::now();
        rig.settled(Duration::from_secs(10 * TTL_S)).await?;
        takeover_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        eprintln!(
            "   kill {run}: r{victim}'s {} tenants owned again after {:.0} ms",
            moved.len(),
            takeover_ms[run]
        );
        rig.start_replica(victim)?;
        tokio::time::sleep(Duration::from_secs(3 * TTL_S)).await;
    }

    let counts: Vec<usize> = spread.iter().map(BTreeSet::len).collect();
    let (med, p99) = (median(&mut takeover_ms), percentile(&mut takeover_ms, 0.99));
    let per_tenant = three_msgs / tenants as f64;
    let mean3 = three_cpu.iter().sum::<f64>() / three_cpu.len().max(1) as f64;
    let one = one_cpu.first().copied().unwrap_or(f64::NAN);
    Ok(vec![
        Row::new(
            format!("takeover after kill -9 (lease_ttl {TTL_S} s; {kills} runs)"),
            format!("median {med:.0} ms, p99 {p99:.0} ms"),
        )
        .goal(
            format!("≤ 2 × lease_ttl = {} ms", 2 * TTL_S * 1000),
            p99 <= (2 * TTL_S * 1000) as f64,
        ),
        Row::new(
            format!("etcd requests per tick, 1 replica × {tenants} tenants"),
            format!("{one_msgs:.1}"),
        ),
        Row::new(
            format!("etcd requests per tick, 3 replicas × {tenants} tenants"),
            format!("{three_msgs:.1} ({per_tenant:.4} per tenant)"),
        )
        .goal(
            "O(1) per replica per tick",
            three_msgs <= 3.0 * one_msgs.max(1.0) * 1.5,
        ),
        Row::new(
            format!("CPU per tick, 1 replica × {tenants} tenants"),
            format!("{one:.1} ms"),
        ),
        Row::new(
            format!("CPU per tick, each of 3 replicas ({counts:?} tenants)"),
            format!(
                "{} ms (mean {mean3:.1} ms, {:.2}× one replica's)",
                three_cpu
                    .iter()
                    .map(|c| format!("{c:.1}"))
                    .collect::<Vec<_>>()
                    .join(" / "),
                mean3 / one
            ),
        ),
    ])
}
