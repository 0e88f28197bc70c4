//! The audit sinks: durability, torn tails, rotation, intents.
use std::fs::File;

use super::*;
use crate::testing::temp_dir;

fn line(n: u64) -> AuditLine {
    AuditLine {
        time: crate::time::rfc3339_ms(n),
        time_ms: n,
        tenant: "app1".into(),
        plugin: "p".into(),
        plugin_version: "abc".into(),
        cluster: "prod".into(),
        verb: "put_settings".into(),
        target: format!("logs-app1-{n}"),
        request: "{}".into(),
        outcome: Verdict::Sent,
        error: None,
        reason: "because".into(),
        backup: None,
        id: None,
    }
}

#[tokio::test]
async fn lines_round_trip_and_recent() {
    let dir = temp_dir("audit-rt");
    let path = dir.join("audit.jsonl");
    let a = FileAudit::open(&path, 2).unwrap();
    for n in 1..=3 {
        a.record(line(n)).await.unwrap();
    }
    let read = read_audit(&path).unwrap();
    assert_eq!(read, vec![line(1), line(2), line(3)]);
    assert_eq!(a.recent(10), vec![line(2), line(3)]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(r#""outcome":"sent""#));
    assert_eq!(text.lines().count(), 3);
}

#[tokio::test]
async fn crash_mid_write_keeps_earlier_lines() {
    let dir = temp_dir("audit-crash");
    let path = dir.join("audit.jsonl");
    {
        let a = FileAudit::open(&path, 10).unwrap();
        for n in 1..=3 {
            a.record(line(n)).await.unwrap();
        }
    }
    // Simulate a crash in the middle of writing line 3.
    let full = std::fs::read(&path).unwrap();
    let third = full.len() - serde_json::to_vec(&line(3)).unwrap().len() - 1;
    std::fs::write(&path, &full[..third + 40]).unwrap();
    let r = read_audit_report(&path).unwrap();
    assert!(r.torn_tail);
    assert_eq!(r.lines, vec![line(1), line(2)]);
    assert_eq!(read_audit(&path).unwrap(), vec![line(1), line(2)]);

    // After restart, new lines don't glue onto the fragment, and the status page still
    // has the lines from before.
    let a = FileAudit::open(&path, 10).unwrap();
    assert_eq!(a.recent(10), vec![line(1), line(2)]);
    a.record(line(4)).await.unwrap();
    let r = read_audit_report(&path).unwrap();
    assert!(!r.torn_tail);
    assert_eq!(r.skipped, vec![3]);
    assert_eq!(r.lines, vec![line(1), line(2), line(4)]);
}

#[tokio::test]
async fn unwritable_log_is_unhealthy() {
    let dir = temp_dir("audit-ro");
    let path = dir.join("audit.jsonl");
    let a = FileAudit::open(&path, 10).unwrap();
    assert!(a.healthy());
    // Swap the handle for a read-only one: the next write fails.
    let ro = File::open(&path).unwrap();
    *a.file.lock().unwrap() = ro;
    assert!(a.record(line(1)).await.is_err());
    assert!(!a.healthy());
}

#[test]
fn summaries_redact_and_truncate() {
    let v = serde_json::json!({"a": 1, "auth": {"password": "hunter2", "API_KEY": "k"}});
    let s = summarize_json(&v);
    assert!(!s.contains("hunter2") && !s.contains("\"k\""), "{s}");
    assert!(s.contains("<redacted>"));
    let big = "é".repeat(600);
    let t = summarize_text(&big);
    assert!(t.len() < 600 && t.ends_with("bytes)"), "{t}");
    assert_eq!(summarize_text("plain"), "plain");
}

#[tokio::test]
async fn the_log_rotates_by_size_and_keeps_n_files() {
    let dir = temp_dir("audit-rotate");
    let path = dir.join("audit.jsonl");
    let one = serde_json::to_vec(&line(1)).unwrap().len() as u64 + 1;
    // Two lines fill a file.
    let rotation = Rotation {
        max_bytes: 2 * one,
        keep: 2,
    };
    let a = FileAudit::open_rotating(&path, 10, rotation).unwrap();
    for n in 1..=7 {
        a.record(line(n)).await.unwrap();
    }
    let read = |p: &std::path::Path| read_audit(p).unwrap();
    assert_eq!(read(&path), vec![line(7)]);
    assert_eq!(read(&Rotation::rotated(&path, 1)), vec![line(5), line(6)]);
    assert_eq!(read(&Rotation::rotated(&path, 2)), vec![line(3), line(4)]);
    assert!(
        !Rotation::rotated(&path, 3).exists(),
        "only two rotated files are kept"
    );
    assert_eq!(a.recent(3), vec![line(5), line(6), line(7)]);
}

#[tokio::test]
async fn an_intent_rotated_away_is_still_answered_after_a_crash() {
    let dir = temp_dir("audit-rotate-intent");
    let path = dir.join("audit.jsonl");
    let rotation = Rotation {
        max_bytes: 1,
        keep: 3,
    };
    let intent = AuditLine {
        outcome: Verdict::Intent,
        id: Some("i-1".into()),
        ..line(1)
    };
    {
        let a = FileAudit::open_rotating(&path, 10, rotation).unwrap();
        a.record(intent.clone()).await.unwrap();
        // The process dies before the outcome line.
    }
    assert_eq!(
        read_audit(&Rotation::rotated(&path, 1)).unwrap(),
        vec![intent]
    );
    let _ = FileAudit::open_rotating(&path, 10, rotation).unwrap();
    let answered = read_audit(&path).unwrap();
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].outcome, Verdict::UnknownAfterCrash);
    assert_eq!(answered[0].id.as_deref(), Some("i-1"));
}

#[tokio::test]
async fn a_tee_copies_each_durable_line_once_and_take_drains_the_copy() {
    let dir = temp_dir("audit-tee");
    let path = dir.join("audit.jsonl");
    let file = Arc::new(FileAudit::open(&path, 10).unwrap());
    let copy = Arc::new(MemoryAudit::new(usize::MAX));
    let tee = TeeAudit::new(file, copy.clone());
    tee.record(line(1)).await.unwrap();
    tee.record(line(2)).await.unwrap();
    assert_eq!(read_audit(&path).unwrap(), vec![line(1), line(2)]);
    assert_eq!(copy.take(), vec![line(1), line(2)]);
    assert!(copy.take().is_empty());
    tee.record(line(3)).await.unwrap();
    assert_eq!(copy.take(), vec![line(3)]);
    assert_eq!(tee.recent(5).len(), 3);
    assert!(tee.healthy());
}
