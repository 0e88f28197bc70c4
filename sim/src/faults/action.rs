//! What a fault is, as data: the actions posted to `/_sim/faults` or listed in a scenario
//! timeline, the HTTP rules they leave in force, and the per-request verdict. The world holds
//! a [`Faults`]; [`super::apply`] and [`super::verdict`] act on it.
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// One fault action, as posted to `/_sim/faults` or listed in a scenario timeline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Adds `ms` of real latency to matching requests.
    Latency {
        ms: u64,
        #[serde(default)]
        path: Option<String>,
        #[serde(default)]
        cluster: Option<String>,
        #[serde(default)]
        duration: Option<String>,
    },
    /// Answers matching requests with `status` (429, 500, 503) with the given probability.
    Error {
        status: u16,
        #[serde(default = "one")]
        probability: f64,
        #[serde(default)]
        path: Option<String>,
        #[serde(default)]
        retry_after: Option<u64>,
        #[serde(default)]
        cluster: Option<String>,
        #[serde(default)]
        duration: Option<String>,
    },
    NodeDown {
        node: String,
        #[serde(default)]
        cluster: Option<String>,
        #[serde(default)]
        duration: Option<String>,
    },
    NodeUp {
        node: String,
        #[serde(default)]
        cluster: Option<String>,
    },
    /// Fills a node's disk to `percent` (other data, shards included).
    DiskFill {
        node: String,
        percent: f64,
        #[serde(default)]
        cluster: Option<String>,
    },
    /// The leader refuses connections (`mode: "refuse"`) or answers 503 (`mode: "503"`).
    LeaderOutage {
        #[serde(default = "refuse")]
        mode: String,
        #[serde(default)]
        duration: Option<String>,
    },
    LeaderRestore {},
    /// Holds a thread pool full (queue at capacity, all threads active): requests that need it
    /// get 429 `rejected_execution_exception`.
    Saturate {
        #[serde(default = "write")]
        pool: String,
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        cluster: Option<String>,
        #[serde(default)]
        duration: Option<String>,
    },
    /// Removes one HTTP rule by id.
    RemoveRule {
        id: u64,
    },
    /// Removes every HTTP rule.
    ClearRules {},
}

fn one() -> f64 {
    1.0
}
fn refuse() -> String {
    "refuse".to_string()
}
fn write() -> String {
    "write".to_string()
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpRule {
    pub id: u64,
    pub latency_ms: u64,
    pub status: Option<u16>,
    pub probability: f64,
    pub path: Option<String>,
    pub retry_after: Option<u64>,
    pub cluster: Option<usize>,
}

#[derive(Debug, Default)]
pub struct Faults {
    pub rules: Vec<HttpRule>,
    pub next_id: u64,
    pub scheduled: HashMap<u64, FaultAction>,
}

/// What the HTTP layer should do with one request.
#[derive(Debug, Default)]
pub struct Verdict {
    pub latency_ms: u64,
    pub error: Option<(u16, Option<u64>, u64)>,
}

impl Faults {
    pub fn alloc_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}
