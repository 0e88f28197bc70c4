//! # Layout
//!
//! The simulated OpenSearch cluster (`lifeguard-sim`).
//!
//! A faithful, deterministic stand-in for OpenSearch with the ISM and CCR plugins, served over
//! HTTP on loopback. `lifeguard sim` runs it from the command line; tests and the host start it
//! in-process with [`Sim::start`] and drive its clock through the returned [`SimHandle`] (or
//! over HTTP under `/_sim/*`, see `README.md` in this folder). In-process callers use the
//! typed control calls of [`SimHandle`] ([`SimHandle::set_ingest`],
//! [`SimHandle::create_autofollow`], [`SimHandle::inject`], …), which share their code with the
//! `/_sim/*` and REST handlers, never HTTP to themselves.
//!
//! | module | job |
//! |---|---|
//! | [`world`] | clusters, the simulated clock and the time-ordered event queue |
//! | [`events`] | the one event dispatch: runs what the queue says is due, in time order |
//! | [`model`] | the state types: indices, shards, aliases, docs, replication, cluster settings |
//! | [`error`] | [`SimError`] for the library API, [`OsError`] for OpenSearch-shaped HTTP errors |
//! | [`nodes`] | nodes, disks, thread pools and their load model |
//! | [`alloc`] | allocation deciders, reroute, disk monitor, allocation explain |
//! | [`ops`] | index operations shared by REST, ISM, CCR and scenarios |
//! | [`rollover`] | core `_rollover` |
//! | [`ism`] | policies, managed-index jobs, the runner, the ISM REST API |
//! | [`ccr`] | replication, lag model, leases, auto-follow, the CCR REST API |
//! | [`faults`] | latency, error storms, node loss, disk fill, outages, saturation |
//! | [`scenario`] | TOML/JSON scenarios and timelines |
//! | [`http`] | listeners, routing, the REST handlers and `/_sim/*` |
//! | [`settings`] | settings as OpenSearch handles them: nested or flat JSON, `null` resets |
//! | [`reqlog`] | the request log behind `/_sim/requests` |
//! | [`util`] | time and byte-size values, ids |
// Handlers return `OsError` (an OpenSearch error body with its extra fields) by value: it is
// the cold path of a simulator, and boxing it would only add noise to every handler.
#![allow(clippy::result_large_err)]

pub mod alloc;
pub mod ccr;
pub mod error;
pub mod events;
pub mod faults;
pub mod http;
pub mod ism;
pub mod model;
pub mod nodes;
pub mod ops;
pub mod reqlog;
pub mod rollover;
pub mod scenario;
pub mod settings;
pub mod util;
pub mod world;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use error::{OsError, SimError};
pub use faults::FaultAction;
pub use reqlog::RequestRecord;
pub use scenario::Scenario;
pub use world::World;

use http::Shared;

/// 2026-01-01T00:00:00Z: simulated time starts here unless the options say otherwise.
pub const DEFAULT_START_MS: i64 = 1_767_225_600_000;

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub seed: u64,
    /// Simulated milliseconds per real millisecond; 0 means the clock moves only when advanced.
    pub speed: f64,
    pub start_ms: i64,
    /// Also start a follower cluster (a CCR pair).
    pub follower: bool,
    pub listen: SocketAddr,
    pub follower_listen: SocketAddr,
    pub scenario: Option<Scenario>,
    /// Processors per default node (thread pool sizes derive from it).
    pub processors: u32,
    /// Require this exact `Authorization` header on every OpenSearch request, as a cluster
    /// with the security plugin does (e.g. `Basic dTpw`); others get 401.
    pub auth: Option<String>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            seed: 42,
            speed: 0.0,
            start_ms: DEFAULT_START_MS,
            follower: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            follower_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: None,
            processors: 8,
            auth: None,
        }
    }
}

impl SimOptions {
    /// A leader/follower pair on ephemeral ports, clock stopped.
    pub fn pair() -> Self {
        Self {
            follower: true,
            ..Self::default()
        }
    }
}

/// Entry point of the library API.
pub struct Sim;

/// Control of a running simulator. Dropping it without [`SimHandle::shutdown`] leaves the
/// listeners running until the runtime stops.
pub struct SimHandle {
    shared: Arc<Shared>,
    leader_url: String,
    follower_url: Option<String>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Sim {
    /// Builds the world, binds the listeners (ephemeral ports by default) and starts serving.
    pub async fn start(opts: SimOptions) -> Result<SimHandle, SimError> {
        let seed = opts
            .scenario
            .as_ref()
            .and_then(|s| s.seed)
            .unwrap_or(opts.seed);
        let speed = opts
            .scenario
            .as_ref()
            .and_then(|s| s.speed)
            .unwrap_or(opts.speed);
        let start = opts
            .scenario
            .as_ref()
            .and_then(|s| s.start_ms)
            .unwrap_or(opts.start_ms);
        let pair = opts.follower || opts.scenario.as_ref().is_some_and(|s| s.follower.is_some());
        let mut clusters = vec![scenario::default_cluster(
            0,
            "leader-cluster",
            seed,
            opts.processors,
        )];
        if pair {
            clusters.push(scenario::default_cluster(
                1,
                "follower-cluster",
                seed,
                opts.processors,
            ));
        }
        let mut world = World::new(seed, start, speed, clusters);
        let leader_l = bind(opts.listen).await?;
        let follower_l = if pair {
            Some(bind(opts.follower_listen).await?)
        } else {
            None
        };
        let leader_addr = leader_l.local_addr()?;
        world.clusters[0].http_addr = leader_addr.to_string();
        if let Some(l) = &follower_l {
            world.clusters[1].http_addr = l.local_addr()?.to_string();
            // The follower knows its leader from the start, as the upstream test pair does.
            let seeds = json!([world.clusters[0].nodes[0].transport_address()]);
            world.clusters[1]
                .settings
                .persistent
                .insert("cluster.remote.leader-cluster.seeds".into(), seeds);
        }
        if let Some(s) = &opts.scenario {
            scenario::apply(&mut world, s)?;
        }
        let follower_url = follower_l
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| format!("http://{a}"));
        let shared = Shared::new(world, opts.auth.clone());
        let (tx, rx) = watch::channel(false);
        let mut tasks = vec![tokio::spawn(http::serve_cluster(
            shared.clone(),
            0,
            leader_l,
            rx.clone(),
        ))];
        if let Some(l) = follower_l {
            tasks.push(tokio::spawn(http::serve_cluster(
                shared.clone(),
                1,
                l,
                rx.clone(),
            )));
        }
        tasks.push(tokio::spawn(ticker(shared.clone(), rx)));
        tracing::info!(leader = %leader_addr, follower = ?follower_url, seed, speed, "simulated OpenSearch started");
        Ok(SimHandle {
            shared,
            leader_url: format!("http://{leader_addr}"),
            follower_url,
            shutdown: tx,
            tasks,
        })
    }
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, SimError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind {
            addr: addr.to_string(),
            source,
        })
}

/// Moves a running clock forward (speed > 0) and applies outage flags to the listeners.
async fn ticker(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(Duration::from_millis(20));
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = shutdown.changed() => return,
        }
        {
            let mut w = shared.lock();
            if w.clock.speed > 0.0 {
                events::catch_up(&mut w);
            }
        }
        shared.sync_listeners();
    }
}

/// Which cluster of the simulated pair a control call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Leader,
    Follower,
}

impl Side {
    /// The world's cluster slot; the follower exists only when the sim was started with one.
    fn cluster(self, world: &World) -> Result<usize, SimError> {
        match self {
            Side::Leader => Ok(0),
            Side::Follower if world.clusters.len() > 1 => Ok(1),
            Side::Follower => Err(SimError::Control(
                "this simulator runs no follower cluster".into(),
            )),
        }
    }
}

impl SimHandle {
    pub fn leader_url(&self) -> &str {
        &self.leader_url
    }
    pub fn follower_url(&self) -> Option<&str> {
        self.follower_url.as_deref()
    }
    /// Current simulated time (epoch ms).
    pub fn now_ms(&self) -> i64 {
        let mut w = self.shared.lock();
        events::catch_up(&mut w);
        w.now
    }
    /// Advances the clock, running every job, CCR tick and timeline event due, in time order.
    pub fn advance(&self, d: Duration) {
        self.advance_ms(d.as_millis() as i64);
    }
    pub fn advance_ms(&self, ms: i64) {
        events::advance(&mut self.shared.lock(), ms);
        self.shared.sync_listeners();
    }
    pub fn set_speed(&self, speed: f64) {
        self.shared.lock().set_speed(speed);
    }
    /// Applies a fault now (see [`FaultAction`]); returns its acknowledgement (with a rule id).
    pub fn inject(&self, action: FaultAction) -> Result<Value, SimError> {
        let r = faults::apply(&mut self.shared.lock(), &action).map_err(SimError::Control);
        self.shared.sync_listeners();
        r
    }
    /// Removes every HTTP fault rule (latency and error storms).
    pub fn clear_faults(&self) {
        self.shared.lock().faults.rules.clear();
    }
    /// The request log (method, path, query, status, sim time, cluster).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().log.all()
    }
    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }
    pub fn load_scenario(&self, s: &Scenario) -> Result<(), SimError> {
        scenario::apply(&mut self.shared.lock(), s)
    }
    /// Sets the ingest rate of an alias's write index (0 stops it); what `POST /_sim/ingest`
    /// does.
    pub fn set_ingest(
        &self,
        side: Side,
        alias: &str,
        docs_per_sec: f64,
        bytes_per_doc: f64,
    ) -> Result<(), SimError> {
        let mut w = self.shared.lock();
        let c = side.cluster(&w)?;
        ops::set_ingest(&mut w, c, alias, docs_per_sec, bytes_per_doc);
        drop(w);
        self.shared.sync_listeners();
        Ok(())
    }
    /// Creates an auto-follow rule on `side` for leader indices matching `pattern` on the
    /// remote `leader_alias`; what `POST _plugins/_replication/_autofollow` does.
    pub fn create_autofollow(
        &self,
        side: Side,
        leader_alias: &str,
        name: &str,
        pattern: &str,
    ) -> Result<(), SimError> {
        let rule = ccr::api::RuleSpec {
            leader_alias,
            name,
            pattern,
            follower_pattern: None,
            settings: json!({}),
        };
        let mut w = self.shared.lock();
        let c = side.cluster(&w)?;
        let r = ccr::api::put_autofollow_rule(&mut w, c, &rule)
            .map_err(|e| SimError::Control(format!("auto-follow rule {name}: {}", e.reason)));
        drop(w);
        self.shared.sync_listeners();
        r
    }
    /// The names of the indices on `side`, sorted; none when the side does not run.
    pub fn index_names(&self, side: Side) -> Vec<String> {
        let w = self.shared.lock();
        match side.cluster(&w) {
            Ok(c) => w.clusters[c].indices.keys().cloned().collect(),
            Err(_) => Vec::new(),
        }
    }
    /// Runs a closure on the world (for assertions and set-ups the HTTP API does not cover).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let r = f(&mut self.shared.lock());
        self.shared.sync_listeners();
        r
    }
    /// Serves one request in-process, bypassing the network (benchmarks, fast tests).
    pub fn request(
        &self,
        cluster: usize,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let req = http::build_req(method, path, query, body.to_vec(), cluster);
        let (resp, _) = http::handle_sync(&self.shared, &req);
        self.shared.sync_listeners();
        let bytes = match resp.body {
            http::types::Body::Json(v) => serde_json::to_vec(&v).unwrap_or_default(),
            http::types::Body::Text(s, _) => s.into_bytes(),
            http::types::Body::Bytes(b, _) => b,
            http::types::Body::Empty => Vec::new(),
        };
        (resp.status, bytes)
    }
    /// Stops the listeners and the ticker.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
