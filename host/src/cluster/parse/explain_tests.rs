use super::*;

/// The explain example of the semantics notes §2.4, verbatim.
const NOTES_EXAMPLE: &str = r#"{
  "logs-000001": {
    "index.plugins.index_state_management.policy_id": "hot_warm",
    "index.opendistro.index_state_management.policy_id": "hot_warm",
    "index": "logs-000001", "index_uuid": "yPHItytKTNO8OI8EBrHnyQ", "policy_id": "hot_warm",
    "policy_seq_no": 3, "policy_primary_term": 1, "rolled_over": true, "rolled_over_index_name": "logs-000002",
    "index_creation_date": 1684830592835,
    "state": {"name": "warm", "start_time": 1684917000000},
    "action": {"name": "transition", "start_time": 1684917300000, "index": -1, "failed": false, "consumed_retries": 0, "last_retry_time": 0},
    "step": {"name": "attempt_transition_step", "start_time": 1684917300000, "step_status": "condition_not_met"},
    "retry_info": {"failed": false, "consumed_retries": 0},
    "info": {"message": "Evaluating transition conditions [index=logs-000001]"},
    "enabled": true
  },
  "logs-000002": {
    "index.plugins.index_state_management.policy_id": "hot_warm",
    "index.opendistro.index_state_management.policy_id": "hot_warm",
    "index": "logs-000002", "index_uuid": "CgKsxFmQSIa8dWqpbSJmyA", "policy_id": "hot_warm",
    "policy_seq_no": 3, "policy_primary_term": 1, "rolled_over": false, "index_creation_date": 1684917000100,
    "state": {"name": "hot", "start_time": 1684917300500},
    "action": {"name": "rollover", "start_time": 1684917600000, "index": 0, "failed": true, "consumed_retries": 3, "last_retry_time": 1684918500000},
    "step": {"name": "attempt_rollover", "start_time": 1684917600000, "step_status": "failed"},
    "retry_info": {"failed": false, "consumed_retries": 0},
    "info": {"message": "Missing rollover_alias index setting [index=logs-000002]"},
    "enabled": false
  },
  "logs-archive": {"index.plugins.index_state_management.policy_id": null,
                   "index.opendistro.index_state_management.policy_id": null, "enabled": null},
  "total_managed_indices": 2
}"#;

#[test]
fn notes_example_parses_every_field() {
    let entries = ism_explain(NOTES_EXAMPLE.as_bytes()).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.index.as_str()).collect();
    assert_eq!(names, ["logs-000001", "logs-000002", "logs-archive"]);

    let first = &entries[0];
    assert_eq!(
        *first,
        ExplainEntry {
            index: "logs-000001".into(),
            index_uuid: Some("yPHItytKTNO8OI8EBrHnyQ".into()),
            policy_id: Some("hot_warm".into()),
            policy_seq_no: Some(3),
            policy_primary_term: Some(1),
            enabled: Some(true),
            index_creation_date_ms: Some(1684830592835),
            rolled_over: Some(true),
            rolled_over_index_name: Some("logs-000002".into()),
            policy_completed: false,
            transition_to: None,
            state: Some(StateInfo {
                name: "warm".into(),
                start_time_ms: Some(1684917000000)
            }),
            action: Some(ActionInfo {
                name: "transition".into(),
                start_time_ms: Some(1684917300000),
                index: -1,
                failed: false,
                consumed_retries: 0,
                last_retry_time_ms: Some(0),
            }),
            step: Some(StepInfo {
                name: "attempt_transition_step".into(),
                start_time_ms: Some(1684917300000),
                step_status: StepStatus::ConditionNotMet,
            }),
            retry_info: Some(RetryInfo {
                failed: false,
                consumed_retries: 0
            }),
            info_message: Some("Evaluating transition conditions [index=logs-000001]".into()),
            info_cause: None,
        }
    );

    let second = &entries[1];
    assert_eq!(second.enabled, Some(false));
    assert_eq!(second.rolled_over, Some(false));
    let action = second.action.as_ref().unwrap();
    assert!(action.failed);
    assert_eq!(action.consumed_retries, 3);
    assert_eq!(action.index, 0);
    assert_eq!(
        second.step.as_ref().unwrap().step_status,
        StepStatus::Failed
    );

    let archive = &entries[2];
    assert_eq!(archive.policy_id, None);
    assert_eq!(archive.enabled, None);
    assert_eq!(archive.state, None);
    assert!(!archive.policy_completed);
}

#[test]
fn managed_but_not_initialized_takes_the_policy_from_the_setting() {
    let body = br#"{"new-1":{"index.plugins.index_state_management.policy_id":"p",
        "index.opendistro.index_state_management.policy_id":"p","enabled":true},"total_managed_indices":1}"#;
    let e = &ism_explain(body).unwrap()[0];
    assert_eq!(e.policy_id.as_deref(), Some("p"));
    assert_eq!(e.policy_seq_no, None);
    assert_eq!(e.enabled, Some(true));
}

#[test]
fn transitioning_completed_and_failed_shapes() {
    let body = br#"{
      "t":{"index.plugins.index_state_management.policy_id":"p","index":"t","policy_id":"p","policy_seq_no":-2,
           "policy_primary_term":0,"index_creation_date":1,"transition_to":"warm",
           "retry_info":{"failed":false,"consumed_retries":0},"info":{"message":"Transitioning to warm [index=t]"},"enabled":true},
      "c":{"index.plugins.index_state_management.policy_id":"p","index":"c","policy_id":"p","index_creation_date":1,
           "policy_completed":true,"enabled":false},
      "f":{"index.plugins.index_state_management.policy_id":"p","index":"f","policy_id":"p",
           "retry_info":{"failed":true,"consumed_retries":1},
           "info":{"message":"Failed to rollover index [index=f]","cause":"index name [f] does not match pattern"},
           "action":{"name":"rollover","start_time":null,"index":0,"failed":false,"consumed_retries":0,"last_retry_time":null},
           "some_future_field":{"x":[1,2]},"enabled":false}}"#;
    let es = ism_explain(body).unwrap();
    assert_eq!(es[0].transition_to.as_deref(), Some("warm"));
    assert_eq!(es[0].policy_seq_no, Some(-2));
    assert!(es[0].state.is_none() && es[0].step.is_none());
    assert!(es[1].policy_completed);
    assert_eq!(es[2].retry_info.as_ref().map(|r| r.failed), Some(true));
    assert_eq!(
        es[2].info_cause.as_deref(),
        Some("index name [f] does not match pattern")
    );
    let a = es[2].action.as_ref().unwrap();
    assert_eq!((a.start_time_ms, a.last_retry_time_ms), (None, None));
}

#[test]
fn nonexistent_index_gives_no_entries() {
    assert!(ism_explain(br#"{"total_managed_indices":0}"#)
        .unwrap()
        .is_empty());
}

#[test]
fn unknown_step_status_reads_as_starting() {
    let body = br#"{"i":{"policy_id":"p","step":{"name":"s","step_status":"brand_new"}}}"#;
    let e = &ism_explain(body).unwrap()[0];
    assert_eq!(e.step.as_ref().unwrap().step_status, StepStatus::Starting);
}

#[test]
fn wrong_top_level_is_an_error() {
    assert!(ism_explain(b"[]").is_err());
    assert!(ism_explain(b"{\"i\":").is_err());
}
