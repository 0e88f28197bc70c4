//! The managed-index job and its metadata (`ManagedIndexMetaData`).
use serde_json::{Map, Value};

use super::policy::Policy;

#[derive(Debug, Clone, PartialEq)]
pub struct StateMeta {
    pub name: String,
    pub start_time: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionMeta {
    pub name: String,
    pub start_time: Option<i64>,
    pub index: i64,
    pub failed: bool,
    pub consumed_retries: i64,
    pub last_retry_time: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    Starting,
    ConditionNotMet,
    Failed,
    Completed,
    TimedOut,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::ConditionNotMet => "condition_not_met",
            Self::Failed => "failed",
            Self::Completed => "completed",
            Self::TimedOut => "timed_out",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepMeta {
    pub name: String,
    pub start_time: i64,
    pub status: StepStatus,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub policy_seq_no: i64,
    pub policy_primary_term: i64,
    pub rolled_over: Option<bool>,
    pub rolled_over_index_name: Option<String>,
    pub index_creation_date: i64,
    pub transition_to: Option<String>,
    pub state: Option<StateMeta>,
    pub action: Option<ActionMeta>,
    pub step: Option<StepMeta>,
    pub retry_failed: bool,
    pub retry_consumed: i64,
    pub info: Map<String, Value>,
    pub policy_completed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChangePolicy {
    pub policy_id: String,
    pub state: Option<String>,
    pub include_states: Vec<String>,
    pub is_safe: bool,
}

/// One managed index: the job (schedule, enabled) plus the policy copy and metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Managed {
    pub policy_id: String,
    pub policy: Policy,
    pub policy_seq_no: i64,
    pub policy_primary_term: i64,
    pub enabled: bool,
    pub next_run: i64,
    pub gen: u64,
    pub runs: u64,
    pub change_policy: Option<ChangePolicy>,
    pub meta: Option<Meta>,
}

impl Managed {
    pub fn is_failed(&self) -> bool {
        self.meta
            .as_ref()
            .is_some_and(|m| m.retry_failed || m.action.as_ref().is_some_and(|a| a.failed))
    }
}
