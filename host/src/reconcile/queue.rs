//! The two queues: timers (jobs waiting for a due time) and ready queues (due jobs waiting
//! for a slot under the global and per-cluster caps).
//!
//! Both are heaps with lazy deletion: an entry carries the `stamp` the job had when it was
//! pushed, and the caller drops entries whose stamp no longer matches. Rescheduling a job is
//! then one push, never a search. Stamps come from one increasing counter, so they also
//! break ties first-in first-out and stay valid across reuse of a job's slot.
//!
//! Ready jobs are kept per cluster, and a set orders the clusters that may start a run (under
//! their cap, with a job waiting) by the key of their first job. Picking the next run is
//! then `O(log n)`, and a cluster at its cap never blocks another cluster's jobs.

use std::{
    cmp::Reverse,
    collections::{BTreeSet, BinaryHeap},
};

use tokio::time::Instant;

/// Position of a job in the job table.
pub(crate) type Slot = u32;
/// Index of a cluster in [`ReadyQueues`].
pub(crate) type ClusterIdx = usize;

/// One queued job: ordered by `at`, then by `stamp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Entry {
    pub(crate) at: Instant,
    pub(crate) stamp: u64,
    pub(crate) slot: Slot,
}

/// Jobs waiting for a due time.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<Entry>>,
}

impl Timers {
    pub(crate) fn push(&mut self, entry: Entry) {
        self.heap.push(Reverse(entry));
    }

    /// Pops the earliest entry if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Entry> {
        match self.heap.peek() {
            Some(Reverse(e)) if e.at <= now => self.heap.pop().map(|Reverse(e)| e),
            _ => None,
        }
    }

    /// When the earliest entry (possibly stale) is due.
    pub(crate) fn next_at(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(e)| e.at)
    }
}

#[derive(Debug)]
struct ClusterQueue {
    heap: BinaryHeap<Reverse<Entry>>,
    running: usize,
    cap: usize,
    /// The key under which this cluster sits in `eligible`, if it does.
    listed: Option<(Instant, u64)>,
}

/// Due jobs waiting for a slot, per cluster, under a global cap.
#[derive(Debug)]
pub(crate) struct ReadyQueues {
    clusters: Vec<ClusterQueue>,
    eligible: BTreeSet<(Instant, u64, ClusterIdx)>,
    running: usize,
    max_running: usize,
}

impl ReadyQueues {
    pub(crate) fn new(max_running: usize) -> Self {
        Self {
            clusters: Vec::new(),
            eligible: BTreeSet::new(),
            running: 0,
            max_running,
        }
    }

    /// Registers a cluster with its cap and returns its index.
    pub(crate) fn add_cluster(&mut self, cap: usize) -> ClusterIdx {
        self.clusters.push(ClusterQueue {
            heap: BinaryHeap::new(),
            running: 0,
            cap,
            listed: None,
        });
        self.clusters.len() - 1
    }

    /// Runs in flight across all clusters.
    pub(crate) fn running(&self) -> usize {
        self.running
    }

    /// Queues `entry` on `cluster`; `entry.at` is its fairness-weighted key.
    pub(crate) fn push(&mut self, cluster: ClusterIdx, entry: Entry) {
        if let Some(c) = self.clusters.get_mut(cluster) {
            c.heap.push(Reverse(entry));
            self.relist(cluster);
        }
    }

    /// Pops the next job to start: the lowest key among clusters under their cap, if the
    /// global cap allows another run. The caller checks the entry's stamp, and calls
    /// [`Self::started`] if it starts the run.
    pub(crate) fn pop_next(&mut self) -> Option<(ClusterIdx, Entry)> {
        if self.running >= self.max_running {
            return None;
        }
        let &(_, _, cluster) = self.eligible.first()?;
        let entry = self
            .clusters
            .get_mut(cluster)
            .and_then(|c| c.heap.pop())
            .map(|Reverse(e)| e);
        self.relist(cluster);
        entry.map(|e| (cluster, e))
    }

    /// Counts a run started on `cluster`.
    pub(crate) fn started(&mut self, cluster: ClusterIdx) {
        if let Some(c) = self.clusters.get_mut(cluster) {
            c.running += 1;
            self.running += 1;
            self.relist(cluster);
        }
    }

    /// Counts a run finished on `cluster`.
    pub(crate) fn finished(&mut self, cluster: ClusterIdx) {
        if let Some(c) = self.clusters.get_mut(cluster) {
            c.running = c.running.saturating_sub(1);
            self.running = self.running.saturating_sub(1);
            self.relist(cluster);
        }
    }

    /// Puts `cluster` in the eligible set under its first job's key, or takes it out.
    fn relist(&mut self, cluster: ClusterIdx) {
        let Some(c) = self.clusters.get_mut(cluster) else {
            return;
        };
        let want = if c.running < c.cap {
            c.heap.peek().map(|Reverse(e)| (e.at, e.stamp))
        } else {
            None
        };
        if want == c.listed {
            return;
        }
        if let Some((at, stamp)) = c.listed.take() {
            self.eligible.remove(&(at, stamp, cluster));
        }
        if let Some((at, stamp)) = want {
            self.eligible.insert((at, stamp, cluster));
        }
        c.listed = want;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn entry(t0: Instant, secs: u64, stamp: u64) -> Entry {
        Entry {
            at: t0 + Duration::from_secs(secs),
            stamp,
            slot: stamp as Slot,
        }
    }

    #[test]
    fn timers_pop_only_due_entries_in_order() {
        let t0 = Instant::now();
        let mut t = Timers::default();
        t.push(entry(t0, 5, 1));
        t.push(entry(t0, 1, 2));
        t.push(entry(t0, 1, 3));
        assert_eq!(t.next_at(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(t.pop_due(t0), None);
        let now = t0 + Duration::from_secs(2);
        assert_eq!(t.pop_due(now).map(|e| e.stamp), Some(2));
        assert_eq!(t.pop_due(now).map(|e| e.stamp), Some(3));
        assert_eq!(t.pop_due(now), None);
    }

    #[test]
    fn a_full_cluster_does_not_block_another() {
        let t0 = Instant::now();
        let mut q = ReadyQueues::new(10);
        let (a, b) = (q.add_cluster(1), q.add_cluster(1));
        q.push(a, entry(t0, 0, 1));
        q.push(a, entry(t0, 1, 2));
        q.push(b, entry(t0, 5, 3));
        let (c, e) = q.pop_next().unwrap();
        assert_eq!((c, e.stamp), (a, 1));
        q.started(a);
        // a is at its cap: b's later job goes next although a has an earlier one.
        let (c, e) = q.pop_next().unwrap();
        assert_eq!((c, e.stamp), (b, 3));
        q.started(b);
        assert!(q.pop_next().is_none());
        q.finished(a);
        assert_eq!(q.pop_next().map(|(c, e)| (c, e.stamp)), Some((a, 2)));
    }

    #[test]
    fn global_cap_stops_pops() {
        let t0 = Instant::now();
        let mut q = ReadyQueues::new(1);
        let (a, b) = (q.add_cluster(5), q.add_cluster(5));
        q.push(a, entry(t0, 0, 1));
        q.push(b, entry(t0, 0, 2));
        let (c, _) = q.pop_next().unwrap();
        q.started(c);
        assert!(q.pop_next().is_none());
        assert_eq!(q.running(), 1);
        q.finished(c);
        assert!(q.pop_next().is_some());
    }
}
