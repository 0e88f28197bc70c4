//! Request counters and the per-tick retry budget, read by the metrics exporter.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;

/// Live counters of one cluster client. Cheap to update from any task.
#[derive(Debug, Default)]
pub(super) struct Counters {
    /// By status label: the HTTP code (`"200"`), or `timeout`, `connect`, `error`.
    requests: Mutex<BTreeMap<String, u64>>,
    retries: AtomicU64,
    budget_exhausted: AtomicU64,
    failovers: AtomicU64,
}

impl Counters {
    pub(super) fn request(&self, status: &str) {
        // A poisoned lock only means another thread panicked mid-increment; the map is
        // still a valid map, so keep counting.
        let mut map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        match map.get_mut(status) {
            Some(n) => *n += 1,
            None => {
                map.insert(status.to_owned(), 1);
            }
        }
    }
    pub(super) fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub(super) fn budget_exhausted(&self) {
        self.budget_exhausted.fetch_add(1, Ordering::Relaxed);
    }
    pub(super) fn failover(&self) {
        self.failovers.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn snapshot(&self, cluster: &str, budget: &RetryBudget) -> HttpStats {
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        HttpStats {
            cluster: cluster.to_owned(),
            requests_by_status: requests.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            retries_total: self.retries.load(Ordering::Relaxed),
            retry_budget_exhausted_total: self.budget_exhausted.load(Ordering::Relaxed),
            failovers_total: self.failovers.load(Ordering::Relaxed),
            retry_budget_remaining: budget.remaining(),
        }
    }
}

/// A point-in-time copy of a client's counters, for `http_requests_total{cluster,status}`,
/// `http_retries_total{cluster}` and friends. Totals are monotonic over the client's life.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HttpStats {
    /// The cluster name.
    pub cluster: String,
    /// Responses and transport failures by status label, sorted by label: the HTTP code
    /// (`"200"`, `"429"`), or `timeout`, `connect`, `error` when no response arrived.
    pub requests_by_status: Vec<(String, u64)>,
    /// Retries sent (attempts after the first).
    pub retries_total: u64,
    /// Calls that wanted to retry but found this tick's retry budget spent.
    pub retry_budget_exhausted_total: u64,
    /// Switches to another base URL after a connection failure or timeout.
    pub failovers_total: u64,
    /// Retries left in the current tick.
    pub retry_budget_remaining: u32,
}

impl HttpStats {
    /// All requests, whatever their status.
    pub fn requests_total(&self) -> u64 {
        self.requests_by_status.iter().map(|(_, n)| n).sum()
    }
}

/// Retries one cluster may spend in one tick, shared by every call.
#[derive(Debug)]
pub(super) struct RetryBudget {
    per_tick: u32,
    left: AtomicU32,
}

impl RetryBudget {
    pub(super) fn new(per_tick: u32) -> Self {
        RetryBudget {
            per_tick,
            left: AtomicU32::new(per_tick),
        }
    }

    /// Take one retry; false when the tick's budget is spent.
    pub(super) fn try_take(&self) -> bool {
        self.left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    pub(super) fn reset(&self) {
        self.left.store(self.per_tick, Ordering::Release);
    }

    pub(super) fn remaining(&self) -> u32 {
        self.left.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_runs_out_and_resets() {
        let b = RetryBudget::new(2);
        assert!(b.try_take() && b.try_take());
        assert!(!b.try_take());
        assert_eq!(b.remaining(), 0);
        b.reset();
        assert_eq!(b.remaining(), 2);
    }

    #[test]
    fn snapshot_counts_by_status() {
        let c = Counters::default();
        c.request("200");
        c.request("429");
        c.request("200");
        c.retry();
        let s = c.snapshot("x", &RetryBudget::new(3));
        assert_eq!(
            s.requests_by_status,
            vec![("200".into(), 2), ("429".into(), 1)]
        );
        assert_eq!((s.requests_total(), s.retries_total), (3, 1));
        assert_eq!(s.retry_budget_remaining, 3);
    }
}
