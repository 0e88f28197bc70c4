//! `GET _plugins/_ism/explain/<pattern>`: an object keyed by index name, plus
//! `total_managed_indices`. Unmanaged indices appear with null policy ids and `enabled:null`.
//! Which metadata fields are present depends on the index's progress (semantics notes §2.4):
//! a completed policy has no state/action/step, a transitioning one only `transition_to`.
use std::borrow::Cow;
use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::lenient::{Flag, Num, Text};
use super::{json, ParseError};
use crate::cluster::model::{ActionInfo, ExplainEntry, RetryInfo, StateInfo, StepInfo, StepStatus};

#[derive(Deserialize)]
struct RawState {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    start_time: Num,
}

#[derive(Deserialize)]
struct RawAction {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    start_time: Num,
    #[serde(default)]
    index: Num,
    #[serde(default)]
    failed: Flag,
    #[serde(default)]
    consumed_retries: Num,
    #[serde(default)]
    last_retry_time: Num,
}

#[derive(Deserialize)]
struct RawStep {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    start_time: Num,
    #[serde(default)]
    step_status: RawStatus,
}

#[derive(Deserialize)]
struct RawRetry {
    #[serde(default)]
    failed: Flag,
    #[serde(default)]
    consumed_retries: Num,
}

#[derive(Deserialize)]
struct RawInfo {
    #[serde(default)]
    message: Text,
    #[serde(default)]
    cause: Text,
}

#[derive(Deserialize)]
struct RawEntry {
    #[serde(rename = "index.plugins.index_state_management.policy_id", default)]
    setting_policy_id: Text,
    #[serde(rename = "index.opendistro.index_state_management.policy_id", default)]
    legacy_policy_id: Text,
    #[serde(default)]
    index_uuid: Text,
    #[serde(default)]
    policy_id: Text,
    #[serde(default)]
    policy_seq_no: Num,
    #[serde(default)]
    policy_primary_term: Num,
    #[serde(default)]
    rolled_over: Flag,
    #[serde(default)]
    rolled_over_index_name: Text,
    #[serde(default)]
    index_creation_date: Num,
    #[serde(default)]
    policy_completed: Flag,
    #[serde(default)]
    transition_to: Text,
    #[serde(default)]
    state: Option<RawState>,
    #[serde(default)]
    action: Option<RawAction>,
    #[serde(default)]
    step: Option<RawStep>,
    #[serde(default)]
    retry_info: Option<RawRetry>,
    #[serde(default)]
    info: Option<RawInfo>,
    #[serde(default)]
    enabled: Flag,
}

/// `step_status`, decoded without allocating. An unknown or missing value (a newer plugin)
/// reads as `starting`: neither failed nor done, so no plugin acts on it as if it were.
struct RawStatus(StepStatus);

impl Default for RawStatus {
    fn default() -> Self {
        RawStatus(StepStatus::Starting)
    }
}

impl<'de> Deserialize<'de> for RawStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Text::deserialize(d)?;
        Ok(RawStatus(match text.0.as_deref() {
            Some("condition_not_met") => StepStatus::ConditionNotMet,
            Some("failed") => StepStatus::Failed,
            Some("completed") => StepStatus::Completed,
            Some("timed_out") => StepStatus::TimedOut,
            _ => StepStatus::Starting,
        }))
    }
}

impl RawEntry {
    fn into_entry(self, index: String) -> ExplainEntry {
        let txt = |t: Text| t.0.unwrap_or_default();
        ExplainEntry {
            index,
            index_uuid: self.index_uuid.0,
            // The setting keys carry the job's policy even before metadata is initialized.
            policy_id: self
                .policy_id
                .0
                .or(self.setting_policy_id.0)
                .or(self.legacy_policy_id.0),
            policy_seq_no: self.policy_seq_no.i64(),
            policy_primary_term: self.policy_primary_term.i64(),
            enabled: self.enabled.0,
            index_creation_date_ms: self.index_creation_date.u64(),
            rolled_over: self.rolled_over.0,
            rolled_over_index_name: self.rolled_over_index_name.0,
            policy_completed: self.policy_completed.0.unwrap_or(false),
            transition_to: self.transition_to.0,
            state: self.state.map(|s| StateInfo {
                name: txt(s.name),
                start_time_ms: s.start_time.u64(),
            }),
            action: self.action.map(|a| ActionInfo {
                name: txt(a.name),
                start_time_ms: a.start_time.u64(),
                index: a.index.i32().unwrap_or(-1),
                failed: a.failed.0.unwrap_or(false),
                consumed_retries: a.consumed_retries.u32().unwrap_or(0),
                last_retry_time_ms: a.last_retry_time.u64(),
            }),
            step: self.step.map(|s| StepInfo {
                name: txt(s.name),
                start_time_ms: s.start_time.u64(),
                step_status: s.step_status.0,
            }),
            retry_info: self.retry_info.map(|r| RetryInfo {
                failed: r.failed.0.unwrap_or(false),
                consumed_retries: r.consumed_retries.u32().unwrap_or(0),
            }),
            info_message: self.info.as_ref().and_then(|i| i.message.0.clone()),
            info_cause: self.info.and_then(|i| i.cause.0),
        }
    }
}

/// An index entry, or nothing for a top-level value that is not an object
/// (`total_managed_indices`, or whatever a later version adds).
struct MaybeEntry(Option<RawEntry>);

impl<'de> Deserialize<'de> for MaybeEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an explain entry")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MaybeEntry, A::Error> {
                RawEntry::deserialize(MapAccessDeserializer::new(map)).map(|e| MaybeEntry(Some(e)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MaybeEntry, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeEntry(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<MaybeEntry, E> {
                Ok(MaybeEntry(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<MaybeEntry, E> {
                Ok(MaybeEntry(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<MaybeEntry, E> {
                Ok(MaybeEntry(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<MaybeEntry, E> {
                Ok(MaybeEntry(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<MaybeEntry, E> {
                Ok(MaybeEntry(None))
            }
            fn visit_unit<E>(self) -> Result<MaybeEntry, E> {
                Ok(MaybeEntry(None))
            }
        }
        d.deserialize_any(V)
    }
}

struct Entries(Vec<ExplainEntry>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an explain response object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    if key == "total_managed_indices" {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    if let MaybeEntry(Some(raw)) = map.next_value()? {
                        out.push(raw.into_entry(key.into_owned()));
                    }
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Parse an explain answer into one entry per index, in response order.
pub fn ism_explain(body: &[u8]) -> Result<Vec<ExplainEntry>, ParseError> {
    json::<Entries>("_ism/explain", body).map(|e| e.0)
}

#[cfg(test)]
#[path = "explain_tests.rs"]
mod tests;
