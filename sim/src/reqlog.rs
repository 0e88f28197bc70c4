//! The request log behind `/_sim/requests`: every request with its status and sim time.
use std::collections::VecDeque;

use serde::Serialize;

/// Oldest entries are dropped past this many, so a long-running sim stays bounded.
const CAP: usize = 200_000;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestRecord {
    pub seq: u64,
    pub cluster: String,
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    pub sim_time_ms: i64,
    /// Set when the response came from an injected fault rather than the cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<RequestRecord>,
    next: u64,
}

impl RequestLog {
    pub fn push(&mut self, mut rec: RequestRecord) {
        self.next += 1;
        rec.seq = self.next;
        if self.entries.len() >= CAP {
            self.entries.pop_front();
        }
        self.entries.push_back(rec);
    }
    pub fn all(&self) -> Vec<RequestRecord> {
        self.entries.iter().cloned().collect()
    }
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
