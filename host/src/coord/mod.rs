//! Several `lifeguard run` replicas sharing the tenants through etcd (`[coordination]`).
//!
//! Each replica holds one etcd lease and keeps it alive. Its member key and the ownership
//! keys of the tenants it runs are bound to that lease, so they vanish with it. Tenants are
//! spread over the live members by rendezvous hashing. Ownership is taken with a
//! create-if-absent transaction and handed over by deleting the key. The [`Coordination`]
//! value is the guard's [`Fence`]: every host call of a run checks, on the monotonic clock,
//! that the lease is provably live and the tenant still owned.
//!
//! | file         | job |
//! |--------------|-----|
//! | `config`     | the `[coordination]` section |
//! | `fence`      | the lease clock: live until last keep-alive's send + TTL − margin |
//! | `rendezvous` | which member should own which tenant |
//! | `etcd`       | the session: lease, keep-alive, membership, ownership transactions |
//! | `state`      | plugin state in etcd, written only under ownership |
mod config;
mod etcd;
mod fence;
mod rendezvous;
mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

pub use config::{Backend, CoordinationConfig};
pub use fence::LeaseClock;
pub use rendezvous::owner;
pub use state::EtcdState;

use crate::guard::Fence;
use crate::telemetry::{CoordinationStatus, Metrics};

/// This replica's view of the coordination: its lease, what it owns, who else is there.
pub struct Coordination {
    config: CoordinationConfig,
    replica_id: String,
    prefix: String,
    tenants: Vec<String>,
    lease: LeaseClock,
    owned: watch::Sender<BTreeSet<String>>,
    view: Mutex<View>,
    metrics: Arc<Metrics>,
    /// The live session's client and lease, for the state store's transactions.
    session: Mutex<Option<(etcd_client::Client, i64)>>,
    /// Per owned tenant, a number that changes each time this replica takes it anew, so a
    /// state copy loaded under an earlier ownership is read again.
    generations: Mutex<BTreeMap<String, u64>>,
    next_generation: std::sync::atomic::AtomicU64,
}

/// What the last ownership round saw in etcd.
#[derive(Debug, Clone, Default)]
struct View {
    members: Vec<String>,
    owners: BTreeMap<String, String>,
    last_error: Option<String>,
}

impl Coordination {
    pub fn new(config: CoordinationConfig, tenants: Vec<String>, metrics: Arc<Metrics>) -> Self {
        let (owned, _) = watch::channel(BTreeSet::new());
        Self {
            replica_id: config.replica_id(),
            prefix: config.prefix(),
            config,
            tenants,
            lease: LeaseClock::default(),
            owned,
            view: Mutex::new(View::default()),
            metrics,
            session: Mutex::new(None),
            generations: Mutex::new(BTreeMap::new()),
            next_generation: std::sync::atomic::AtomicU64::new(1),
        }
    }

    pub fn replica_id(&self) -> &str {
        &self.replica_id
    }

    pub fn ttl(&self) -> Duration {
        self.config.lease_ttl
    }

    /// The tenants this replica owns now, and every change to them.
    pub fn owned(&self) -> watch::Receiver<BTreeSet<String>> {
        self.owned.subscribe()
    }

    /// Whether this replica holds `tenant`'s ownership key now.
    pub fn owns(&self, tenant: &str) -> bool {
        self.owned.borrow().contains(tenant)
    }

    /// The etcd key that says who owns `tenant`.
    fn owner_key(&self, tenant: &str) -> String {
        format!("{}/owners/{tenant}", self.prefix)
    }

    /// How long one etcd call may take before it counts as failed.
    fn call_limit(&self) -> Duration {
        (self.ttl() / 3).max(Duration::from_millis(300))
    }

    fn session(&self) -> Option<(etcd_client::Client, i64)> {
        self.session.lock().ok()?.clone()
    }

    fn set_session(&self, s: Option<(etcd_client::Client, i64)>) {
        if let Ok(mut cur) = self.session.lock() {
            *cur = s;
        }
    }

    /// The ownership generation of `tenant`, while this replica owns it.
    fn generation(&self, tenant: &str) -> Option<u64> {
        self.generations.lock().ok()?.get(tenant).copied()
    }

    pub fn lease_live(&self) -> bool {
        self.lease.live()
    }

    /// Start the session task; it ends (releasing everything) once `stop` turns true.
    pub fn spawn(self: &Arc<Self>, stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move { etcd::run(me, stop).await })
    }

    pub fn status(&self) -> CoordinationStatus {
        let v = self.view.lock().map(|v| v.clone()).unwrap_or_default();
        CoordinationStatus {
            replica_id: self.replica_id.clone(),
            prefix: self.prefix.clone(),
            lease_live: self.lease.live(),
            lease_age_ms: self
                .lease
                .age()
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            members: v.members,
            owners: v.owners,
            owned: self.owned.borrow().iter().cloned().collect(),
            last_error: v.last_error,
        }
    }

    fn set_owned(&self, next: BTreeSet<String>) {
        let changed = self.owned.send_if_modified(|cur| {
            if *cur == next {
                return false;
            }
            let moved = cur.symmetric_difference(&next).count();
            self.metrics.coord().ownership_changed(moved as u64);
            *cur = next.clone();
            true
        });
        if changed {
            self.metrics.coord().set_owned(next.len());
            if let Ok(mut g) = self.generations.lock() {
                g.retain(|t, _| next.contains(t));
                for t in &next {
                    g.entry(t.clone()).or_insert_with(|| {
                        self.next_generation
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                    });
                }
            }
        }
    }

    fn record_view(&self, f: impl FnOnce(&mut View)) {
        if let Ok(mut v) = self.view.lock() {
            f(&mut v);
        }
    }
}

impl Fence for Coordination {
    fn check(&self, tenant: &str) -> Result<(), String> {
        if !self.lease.live() {
            return Err(format!(
                "ownership lost: the etcd lease of replica [{}] is not provably live",
                self.replica_id
            ));
        }
        if !self.owns(tenant) {
            return Err(format!(
                "ownership lost: replica [{}] does not own tenant [{tenant}]",
                self.replica_id
            ));
        }
        Ok(())
    }

    fn fenced(&self, _tenant: &str) {
        self.metrics.coord().fenced();
    }
}
