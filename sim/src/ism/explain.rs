//! `_plugins/_ism/explain`: the exact field order and omissions of `ExplainResponse`.
use serde_json::{json, Map, Value};

use crate::model::Index;

const PLUGINS_KEY: &str = "index.plugins.index_state_management.policy_id";
const OPENDISTRO_KEY: &str = "index.opendistro.index_state_management.policy_id";

/// One index's explain object.
pub fn entry(ix: &Index, show_policy: bool, validate: bool) -> Value {
    let mut o = Map::new();
    let Some(m) = &ix.managed else {
        o.insert(PLUGINS_KEY.into(), Value::Null);
        o.insert(OPENDISTRO_KEY.into(), Value::Null);
        o.insert("enabled".into(), Value::Null);
        return Value::Object(o);
    };
    o.insert(PLUGINS_KEY.into(), json!(m.policy_id));
    o.insert(OPENDISTRO_KEY.into(), json!(m.policy_id));
    o.insert("index".into(), json!(ix.name));
    o.insert("index_uuid".into(), json!(ix.uuid));
    o.insert("policy_id".into(), json!(m.policy_id));
    if let Some(meta) = &m.meta {
        o.insert("policy_seq_no".into(), json!(meta.policy_seq_no));
        o.insert(
            "policy_primary_term".into(),
            json!(meta.policy_primary_term),
        );
        let on_rollover = meta.action.as_ref().is_some_and(|a| a.name == "rollover");
        if meta.rolled_over == Some(true) || on_rollover {
            o.insert(
                "rolled_over".into(),
                json!(meta.rolled_over.unwrap_or(false)),
            );
            if let Some(n) = &meta.rolled_over_index_name {
                o.insert("rolled_over_index_name".into(), json!(n));
            }
        }
        o.insert(
            "index_creation_date".into(),
            json!(meta.index_creation_date),
        );
        if meta.policy_completed == Some(true) {
            o.insert("policy_completed".into(), json!(true));
        } else {
            if let Some(t) = &meta.transition_to {
                o.insert("transition_to".into(), json!(t));
            } else {
                if let Some(s) = &meta.state {
                    o.insert(
                        "state".into(),
                        json!({"name": s.name, "start_time": s.start_time}),
                    );
                }
                if let Some(a) = &meta.action {
                    o.insert("action".into(), json!({"name": a.name, "start_time": a.start_time, "index": a.index,
                        "failed": a.failed, "consumed_retries": a.consumed_retries, "last_retry_time": a.last_retry_time}));
                }
                if let Some(s) = &meta.step {
                    o.insert("step".into(), json!({"name": s.name, "start_time": s.start_time, "step_status": s.status.as_str()}));
                }
            }
            o.insert(
                "retry_info".into(),
                json!({"failed": meta.retry_failed, "consumed_retries": meta.retry_consumed}),
            );
            o.insert("info".into(), Value::Object(meta.info.clone()));
        }
    }
    o.insert("enabled".into(), json!(m.enabled));
    if show_policy {
        o.insert("policy".into(), m.policy.json.clone());
    }
    if validate {
        o.insert(
            "validate".into(),
            json!({"validation_message": "", "validation_status": "passed"}),
        );
    }
    Value::Object(o)
}

/// The filter of `POST explain` (2.12+).
#[derive(Debug, Default)]
pub struct Filter {
    pub policy_id: Option<String>,
    pub state: Option<String>,
    pub action_type: Option<String>,
    pub failed: Option<bool>,
}

impl Filter {
    pub fn from_body(body: &Value) -> Self {
        let f = body.get("filter").cloned().unwrap_or(Value::Null);
        Self {
            policy_id: f
                .get("policy_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            state: f.get("state").and_then(Value::as_str).map(str::to_string),
            action_type: f
                .get("action_type")
                .and_then(Value::as_str)
                .map(str::to_string),
            failed: f.get("failed").and_then(Value::as_bool),
        }
    }

    pub fn matches(&self, ix: &Index) -> bool {
        let Some(m) = &ix.managed else {
            return self.is_empty();
        };
        let meta = m.meta.as_ref();
        self.policy_id.as_ref().is_none_or(|p| *p == m.policy_id)
            && self.state.as_ref().is_none_or(|s| {
                meta.and_then(|x| x.state.as_ref())
                    .is_some_and(|st| st.name == *s)
            })
            && self.action_type.as_ref().is_none_or(|a| {
                meta.and_then(|x| x.action.as_ref())
                    .is_some_and(|ac| ac.name == *a)
            })
            && self.failed.is_none_or(|f| m.is_failed() == f)
    }

    fn is_empty(&self) -> bool {
        self.policy_id.is_none()
            && self.state.is_none()
            && self.action_type.is_none()
            && self.failed.is_none()
    }
}
