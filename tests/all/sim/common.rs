//! Test harness: an in-process simulator (or a real cluster from the environment) and a
//! small JSON HTTP client.
use lifeguard::sim::{Sim, SimHandle, SimOptions};
use serde_json::{json, Value};

pub struct Env {
    pub leader: String,
    pub follower: Option<String>,
    pub sim: Option<SimHandle>,
    pub http: reqwest::Client,
}

/// The cluster URLs from `LIFEGUARD_LEADER_URL`/`LIFEGUARD_FOLLOWER_URL`, if set.
pub fn live_urls() -> Option<(String, Option<String>)> {
    let leader = std::env::var("LIFEGUARD_LEADER_URL").ok().filter(|s| !s.is_empty())?;
    let follower = std::env::var("LIFEGUARD_FOLLOWER_URL").ok().filter(|s| !s.is_empty());
    Some((leader.trim_end_matches('/').to_string(), follower.map(|f| f.trim_end_matches('/').to_string())))
}

impl Env {
    /// A fresh in-process pair (clock stopped), or the live cluster when configured.
    pub async fn start() -> Env {
        if let Some((leader, follower)) = live_urls() {
            return Env { leader, follower, sim: None, http: reqwest::Client::new() };
        }
        Self::sim(SimOptions::pair()).await
    }

    /// Always the simulator (tests that drive the clock).
    pub async fn sim(opts: SimOptions) -> Env {
        let sim = Sim::start(opts).await.expect("sim starts");
        Env {
            leader: sim.leader_url().to_string(),
            follower: sim.follower_url().map(str::to_string),
            sim: Some(sim),
            http: reqwest::Client::new(),
        }
    }

    pub async fn call(&self, base: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{base}{path}");
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.http.request(m, &url);
        if let Some(b) = body {
            rb = rb.header("content-type", "application/json").body(b.to_string());
        }
        let resp = rb.send().await.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    pub async fn leader(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call(&self.leader, method, path, body).await
    }

    pub async fn follower(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let f = self.follower.clone().expect("a follower cluster");
        self.call(&f, method, path, body).await
    }

    /// Advances simulated time through the control API.
    pub async fn advance(&self, d: &str) -> i64 {
        let (s, v) = self.leader("POST", "/_sim/clock", Some(json!({"advance": d}))).await;
        assert_eq!(s, 200, "{v}");
        v["now_ms"].as_i64().unwrap()
    }

    pub async fn shutdown(self) {
        if let Some(s) = self.sim {
            s.shutdown().await;
        }
    }
}

/// Sets the ISM job interval to one minute without jitter, so each advance of 1m is one run.
pub async fn fast_ism(env: &Env, base: &str) {
    let (s, v) = env
        .call(base, "PUT", "/_cluster/settings", Some(json!({"persistent": {
            "plugins.index_state_management.job_interval": 1,
            "plugins.index_state_management.jitter": 0.0
        }})))
        .await;
    assert_eq!(s, 200, "{v}");
}
