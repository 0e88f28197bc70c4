//! Plugin state in etcd, so a tenant that moves keeps it: `<prefix>/state/<tenant>/<plugin>/<key>`.
//!
//! A run reads from a copy loaded when this replica took the tenant (one range read; the
//! owner is the only writer, so the copy stays true while it owns). Every write is one
//! transaction that holds only if this replica still owns the tenant under its current lease
//! *and* the key is unchanged since this replica last saw it. Two replicas that both believe
//! they own the tenant (a partition, a frozen process) can't both write, so a decision that
//! is persisted before it is acted on, like `ccr-failover`'s fencing token, is taken once.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use etcd_client::{Compare, CompareOp, GetOptions, Txn, TxnOp, TxnOpResponse};

use super::Coordination;
use crate::cluster::ApiError;
use crate::runtime::{StateStore, MAX_STATE_TOTAL};

/// What this replica last read or wrote: value and `mod_revision` per key (0 = absent).
#[derive(Debug, Default, Clone)]
struct Copy {
    /// The ownership generation it was loaded under; `None` before the first load.
    generation: Option<u64>,
    keys: BTreeMap<String, (String, i64)>,
}

/// The etcd-backed [`StateStore`] of one (tenant, plugin).
pub struct EtcdState {
    coord: Arc<Coordination>,
    tenant: String,
    plugin: String,
    copy: Mutex<Copy>,
}

/// `/` and `%` escaped, so a tenant or plugin name is one path segment.
fn segment(s: &str) -> String {
    s.replace('%', "%25").replace('/', "%2F")
}

impl EtcdState {
    pub fn new(coord: Arc<Coordination>, tenant: &str, plugin: &str) -> Self {
        Self {
            coord,
            tenant: tenant.into(),
            plugin: plugin.into(),
            copy: Mutex::new(Copy::default()),
        }
    }

    fn dir(&self) -> String {
        format!(
            "{}/state/{}/{}/",
            self.coord.prefix,
            segment(&self.tenant),
            segment(&self.plugin)
        )
    }

    fn copy(&self) -> Result<std::sync::MutexGuard<'_, Copy>, ApiError> {
        self.copy
            .lock()
            .map_err(|_| ApiError::Other("plugin state lock poisoned".into()))
    }

    fn unavailable(&self, what: &str, e: impl std::fmt::Display) -> ApiError {
        ApiError::Unavailable(format!(
            "plugin state of [{}/{}] in etcd: {what}: {e}",
            self.tenant, self.plugin
        ))
    }

    /// One etcd call, within the coordination's call limit; a failure is `unavailable`.
    async fn bounded<T>(
        &self,
        what: &str,
        call: impl std::future::Future<Output = Result<T, etcd_client::Error>>,
    ) -> Result<T, ApiError> {
        let limit = self.coord.call_limit();
        match tokio::time::timeout(limit, call).await {
            Ok(r) => r.map_err(|e| self.unavailable(what, e)),
            Err(_) => Err(self.unavailable(what, format!("no answer in {limit:?}"))),
        }
    }

    async fn write(&self, key: &str, value: Option<&str>) -> Result<(), ApiError> {
        if let Err(reason) = crate::guard::Fence::check(self.coord.as_ref(), &self.tenant) {
            return Err(ApiError::Throttled(reason));
        }
        let (mut client, lease) = self
            .coord
            .session()
            .ok_or_else(|| ApiError::Throttled("ownership lost: no etcd session".into()))?;
        let seen = {
            let copy = self.copy()?;
            let mut next: BTreeMap<&str, &str> = copy
                .keys
                .iter()
                .map(|(k, (v, _))| (k.as_str(), v.as_str()))
                .collect();
            match value {
                Some(v) => next.insert(key, v),
                None => next.remove(key),
            };
            let total: usize = next.iter().map(|(k, v)| k.len() + v.len()).sum();
            if total > MAX_STATE_TOTAL {
                return Err(ApiError::Invalid(format!(
                    "plugin state would be {total} bytes, over the {MAX_STATE_TOTAL} byte limit"
                )));
            }
            copy.keys.get(key).map_or(0, |(_, rev)| *rev)
        };
        let owner = self.coord.owner_key(&self.tenant);
        let path = format!("{}{key}", self.dir());
        let op = match value {
            Some(v) => TxnOp::put(path.as_str(), v, None),
            None => TxnOp::delete(path.as_str(), None),
        };
        let txn = Txn::new()
            .when([
                Compare::value(owner.as_str(), CompareOp::Equal, self.coord.replica_id()),
                Compare::lease(owner.as_str(), CompareOp::Equal, lease),
                Compare::mod_revision(path.as_str(), CompareOp::Equal, seen),
            ])
            .and_then([op])
            .or_else([TxnOp::get(owner.as_str(), None)]);
        let r = self.bounded("write", client.txn(txn)).await?;
        if r.succeeded() {
            let rev = r.header().map_or(0, |h| h.revision());
            let mut copy = self.copy()?;
            match value {
                Some(v) => copy.keys.insert(key.to_string(), (v.to_string(), rev)),
                None => copy.keys.remove(key),
            };
            return Ok(());
        }
        // Which compare failed: the owner key says whether ownership or the key moved.
        let holder = r.op_responses().into_iter().find_map(|op| match op {
            TxnOpResponse::Get(g) => g
                .kvs()
                .first()
                .map(|kv| (kv.value_str().unwrap_or("").to_string(), kv.lease())),
            _ => None,
        });
        match holder {
            Some((who, l)) if who == self.coord.replica_id() && l == lease => {
                // Ours, yet the key moved: drop the copy so the next run reads it again.
                self.copy()?.generation = None;
                Err(ApiError::Conflict(format!(
                    "state key [{key}] changed in etcd since this replica read it; the write was not applied"
                )))
            }
            other => {
                crate::guard::Fence::fenced(self.coord.as_ref(), &self.tenant);
                let by = other.map_or_else(|| "nobody".to_string(), |(w, _)| w);
                Err(ApiError::Throttled(format!(
                    "ownership lost: tenant [{}] is held by {by} in etcd; the state write was not applied",
                    self.tenant
                )))
            }
        }
    }
}

#[async_trait]
impl StateStore for EtcdState {
    async fn prepare(&self) -> Result<(), ApiError> {
        let generation = self.coord.generation(&self.tenant);
        if generation.is_some() && self.copy()?.generation == generation {
            return Ok(());
        }
        let (mut client, _) = self
            .coord
            .session()
            .ok_or_else(|| ApiError::Throttled("ownership lost: no etcd session".into()))?;
        let dir = self.dir();
        let r = self
            .bounded(
                "read",
                client.get(dir.as_str(), Some(GetOptions::new().with_prefix())),
            )
            .await?;
        let mut keys = BTreeMap::new();
        for kv in r.kvs() {
            let (Ok(k), Ok(v)) = (kv.key_str(), kv.value_str()) else {
                return Err(self.unavailable("read", "a key or value is not UTF-8"));
            };
            if let Some(name) = k.strip_prefix(&dir) {
                keys.insert(name.to_string(), (v.to_string(), kv.mod_revision()));
            }
        }
        *self.copy()? = Copy { generation, keys };
        Ok(())
    }

    fn get(&self, key: &str) -> Option<String> {
        self.copy().ok()?.keys.get(key).map(|(v, _)| v.clone())
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), ApiError> {
        self.write(key, Some(value)).await
    }

    async fn delete(&self, key: &str) -> Result<(), ApiError> {
        self.write(key, None).await
    }

    fn keys(&self) -> Vec<String> {
        self.copy()
            .map(|c| c.keys.keys().cloned().collect())
            .unwrap_or_default()
    }
}
