//! Real etcd members for the HA tests: one or three, started on ephemeral loopback ports with
//! their data in a temp dir, stopped and removed on drop. `make setup-etcd` installs etcd
//! (Debian `etcd-server`).
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An etcd cluster of one or more members.
pub struct Etcd {
    children: Vec<Child>,
    /// The client URL of each member.
    pub urls: Vec<String>,
    /// The first member's client URL.
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Etcd {
    /// One member, ready to serve.
    pub async fn start() -> Etcd {
        Self::cluster(1).await
    }

    /// `n` members forming one cluster, each ready to serve.
    pub async fn cluster(n: usize) -> Etcd {
        let bin = which_etcd();
        let dir = tempfile::tempdir().unwrap();
        let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
        let initial: Vec<String> = ports
            .iter()
            .enumerate()
            .map(|(i, (_, p))| format!("m{i}=http://127.0.0.1:{p}"))
            .collect();
        let initial = initial.join(",");
        let mut children = Vec::new();
        let mut urls = Vec::new();
        for (i, (c, p)) in ports.iter().enumerate() {
            let url = format!("http://127.0.0.1:{c}");
            let peer_url = format!("http://127.0.0.1:{p}");
            let log = std::fs::File::create(dir.path().join(format!("etcd-m{i}.log"))).unwrap();
            let child = Command::new(bin)
                .args(["--name", &format!("m{i}"), "--data-dir"])
                .arg(dir.path().join(format!("data-m{i}")))
                .args([
                    "--listen-client-urls",
                    &url,
                    "--advertise-client-urls",
                    &url,
                ])
                .args(["--listen-peer-urls", &peer_url])
                .args(["--initial-advertise-peer-urls", &peer_url])
                .args(["--initial-cluster", &initial])
                .args(["--initial-cluster-state", "new"])
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap();
            children.push(child);
            urls.push(url);
        }
        let e = Etcd {
            children,
            url: urls[0].clone(),
            urls,
            _dir: dir,
        };
        for u in &e.urls {
            wait_healthy(u, Duration::from_secs(30)).await;
        }
        e
    }

    /// Send `sig` (`-STOP`, `-CONT`) to member `i`: a stopped member answers nobody, as in
    /// a partition, and comes back with its data on `-CONT`.
    pub fn signal(&self, i: usize, sig: &str) {
        super::signal(self.children[i].id(), sig);
    }
}

async fn wait_healthy(url: &str, within: Duration) {
    let started = Instant::now();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    while started.elapsed() < within {
        if let Ok(r) = client.get(format!("{url}/health")).send().await {
            if r.text().await.is_ok_and(|t| t.contains("true")) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("etcd at {url} not healthy within {within:?}");
}

impl Drop for Etcd {
    fn drop(&mut self) {
        for c in &mut self.children {
            // A stopped member must be woken to die on SIGKILL's wait.
            let _ = Command::new("kill")
                .args(["-CONT", &c.id().to_string()])
                .status();
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn which_etcd() -> &'static str {
    for p in ["/usr/bin/etcd", "/usr/local/bin/etcd"] {
        if Path::new(p).exists() {
            return p;
        }
    }
    panic!("etcd is not installed: `make setup-etcd` installs it (Debian package etcd-server)");
}
