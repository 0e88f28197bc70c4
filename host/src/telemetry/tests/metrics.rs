use std::time::Duration;

use crate::runtime::{MetricKind, MetricsSink, RunOutcome, RunReport, TrapKind};
use crate::telemetry::{Metrics, ReloadResult};

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn lines_starting<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn every_host_family_is_exposed_with_its_labels() {
    let m = Metrics::new();
    m.observe_run(
        "payments",
        "rollover",
        &RunReport {
            outcome: RunOutcome::Ok {
                requeue_after_ms: None,
                summary: "fine".into(),
            },
            fuel: 1_000,
            wall: Duration::from_millis(30),
        },
    );
    m.observe_run(
        "payments",
        "rollover",
        &RunReport {
            outcome: RunOutcome::Trap {
                kind: TrapKind::OutOfFuel,
                message: "spent".into(),
            },
            fuel: 5_000,
            wall: Duration::from_millis(200),
        },
    );
    m.set_queue_depth(7);
    m.plugin_reloaded(ReloadResult::Rejected);
    m.set_plugin_version("payments", "rollover", "1.4.2");
    m.set_breaker("hot", true, "thread pool write queue 85%");
    m.mutation("payments", "rollover", "dry-run");
    m.http_request("hot", Some(429));
    m.http_request("hot", None);
    m.http_retry("hot");
    m.set_ism_failed("hot", 2);
    m.observe_transition_latency("hot", Duration::from_secs(400));
    m.set_follower_lag("logs-follower", 1_500);
    m.set_paused_followers("dr", 1);
    let text = m.encode().unwrap();

    for want in [
        r#"lifeguard_reconcile_total{tenant="payments",plugin="rollover",result="ok"} 1"#,
        r#"lifeguard_reconcile_total{tenant="payments",plugin="rollover",result="trap"} 1"#,
        r#"lifeguard_reconcile_errors_total{tenant="payments",plugin="rollover"} 1"#,
        r#"lifeguard_reconcile_time_seconds_count{tenant="payments",plugin="rollover"} 2"#,
        r#"lifeguard_reconcile_time_seconds_bucket{le="0.05",tenant="payments",plugin="rollover"} 1"#,
        "lifeguard_workqueue_depth 7",
        r#"lifeguard_fuel_consumed_total{tenant="payments",plugin="rollover"} 6000"#,
        r#"lifeguard_plugin_traps_total{tenant="payments",plugin="rollover",kind="out-of-fuel"} 1"#,
        r#"lifeguard_plugin_reloads_total{result="rejected"} 1"#,
        r#"lifeguard_plugin_version_info{tenant="payments",plugin="rollover",version="1.4.2"} 1"#,
        r#"lifeguard_breaker_open{cluster="hot",reason="thread pool write queue 85%"} 1"#,
        r#"lifeguard_mutations_total{tenant="payments",verb="rollover",outcome="dry-run"} 1"#,
        r#"lifeguard_http_requests_total{cluster="hot",status="429"} 1"#,
        r#"lifeguard_http_requests_total{cluster="hot",status="error"} 1"#,
        r#"lifeguard_http_retries_total{cluster="hot"} 1"#,
        r#"lifeguard_ism_failed_indices{cluster="hot"} 2"#,
        r#"lifeguard_ism_transition_latency_seconds_bucket{le="900.0",cluster="hot"} 1"#,
        r#"lifeguard_ccr_follower_lag_ops{index="logs-follower"} 1500"#,
        r#"lifeguard_ccr_paused_followers{cluster="dr"} 1"#,
        "# TYPE lifeguard_reconcile_time_seconds histogram",
        "# EOF",
    ] {
        assert!(
            text.lines().any(|l| l == want),
            "missing {want:?} in\n{text}"
        );
    }
}

#[test]
fn breaker_and_version_keep_one_series_each() {
    let m = Metrics::new();
    m.set_breaker("hot", true, "health red");
    m.set_breaker("hot", true, "queue full");
    m.set_breaker("hot", false, "queue full");
    m.set_plugin_version("t", "p", "1.0.0");
    m.set_plugin_version("t", "p", "1.1.0");
    let text = m.encode().unwrap();
    assert_eq!(
        lines_starting(&text, "lifeguard_breaker_open{"),
        [r#"lifeguard_breaker_open{cluster="hot",reason="queue full"} 0"#]
    );
    assert_eq!(
        lines_starting(&text, "lifeguard_plugin_version_info{"),
        [r#"lifeguard_plugin_version_info{tenant="t",plugin="p",version="1.1.0"} 1"#]
    );

    m.forget_plugin("t", "p");
    let text = m.encode().unwrap();
    assert!(lines_starting(&text, "lifeguard_plugin_version_info{").is_empty());
}

#[test]
fn plugin_metrics_get_prefix_and_tenant_labels() {
    let m = Metrics::new();
    m.record(
        "payments",
        "rollover",
        MetricKind::Counter,
        "docs_seen_total",
        3.0,
        &labels(&[("zone", "a")]),
    );
    m.record(
        "payments",
        "rollover",
        MetricKind::Counter,
        "docs_seen_total",
        2.0,
        &labels(&[("zone", "a")]),
    );
    m.record(
        "payments",
        "rollover",
        MetricKind::Gauge,
        "ingest_rate",
        12.5,
        &labels(&[("z", "1"), ("a", "2")]),
    );
    m.record(
        "payments",
        "rollover",
        MetricKind::Histogram,
        "shard_gb",
        0.3,
        &[],
    );
    let text = m.encode().unwrap();
    for want in [
        // `_total` is not doubled, and label order is stable whatever the plugin sent.
        r#"lifeguard_plugin_docs_seen_total{tenant="payments",plugin="rollover",zone="a"} 5.0"#,
        r#"lifeguard_plugin_ingest_rate{tenant="payments",plugin="rollover",a="2",z="1"} 12.5"#,
        r#"lifeguard_plugin_shard_gb_count{tenant="payments",plugin="rollover"} 1"#,
    ] {
        assert!(
            text.lines().any(|l| l == want),
            "missing {want:?} in\n{text}"
        );
    }
}

#[test]
fn plugin_series_are_capped_and_the_overflow_counted() {
    let m = Metrics::with_series_cap(100);
    for i in 0..1_000 {
        let id = i.to_string();
        m.record(
            "t",
            "noisy",
            MetricKind::Gauge,
            "requests",
            1.0,
            &labels(&[("id", &id)]),
        );
    }
    // Updating a series already kept is not an overflow.
    m.record(
        "t",
        "noisy",
        MetricKind::Gauge,
        "requests",
        2.0,
        &labels(&[("id", "0")]),
    );
    m.record(
        "t",
        "calm",
        MetricKind::Gauge,
        "requests",
        1.0,
        &labels(&[("id", "x")]),
    );
    assert_eq!(m.plugin_series("t", "noisy"), 100);

    let text = m.encode().unwrap();
    let noisy = lines_starting(
        &text,
        r#"lifeguard_plugin_requests{tenant="t",plugin="noisy","#,
    );
    assert_eq!(noisy.len(), 100);
    assert!(noisy.contains(&r#"lifeguard_plugin_requests{tenant="t",plugin="noisy",id="0"} 2.0"#));
    assert!(text.contains(r#"lifeguard_plugin_requests{tenant="t",plugin="calm",id="x"} 1.0"#));
    assert!(
        text.lines()
            .any(|l| l == r#"lifeguard_plugin_series_dropped_total{tenant="t",plugin="noisy"} 900"#),
        "{text}"
    );
    assert!(!text.contains(r#"series_dropped_total{tenant="t",plugin="calm"}"#));

    // Unloading the plugin frees its series and its share of the cap.
    m.forget_plugin("t", "noisy");
    assert_eq!(m.plugin_series("t", "noisy"), 0);
    m.record(
        "t",
        "noisy",
        MetricKind::Gauge,
        "requests",
        1.0,
        &labels(&[("id", "new")]),
    );
    assert_eq!(m.plugin_series("t", "noisy"), 1);
}

#[test]
fn plugin_names_cannot_clash_with_host_or_other_families() {
    let m = Metrics::new();
    // `lifeguard_plugin_traps_total` and `…_version_info` are the host's.
    m.record("t", "p", MetricKind::Counter, "traps", 1.0, &[]);
    m.record("t", "p", MetricKind::Gauge, "version_info", 1.0, &[]);
    m.record(
        "t",
        "p",
        MetricKind::Counter,
        "series_dropped_total",
        1.0,
        &[],
    );
    // Same name, other kind: the first one wins.
    m.record("t", "p", MetricKind::Gauge, "depth", 1.0, &[]);
    m.record("t", "q", MetricKind::Counter, "depth", 1.0, &[]);
    // A gauge whose sample name equals an existing counter's.
    m.record("t", "p", MetricKind::Counter, "hits", 1.0, &[]);
    m.record("t", "q", MetricKind::Gauge, "hits_total", 1.0, &[]);
    let text = m.encode().unwrap();
    assert!(
        !text.contains(r#"lifeguard_plugin_traps_total{tenant="t""#),
        "{text}"
    );
    assert!(
        !text.contains(r#"lifeguard_plugin_version_info{tenant="t""#),
        "{text}"
    );
    assert!(text.contains(r#"lifeguard_plugin_depth{tenant="t",plugin="p"} 1.0"#));
    assert!(!text.contains(r#"plugin="q"} 1"#), "{text}");
    assert!(
        text.contains(r#"lifeguard_plugin_series_dropped_total{tenant="t",plugin="p"} 3"#),
        "{text}"
    );
    assert!(
        text.contains(r#"lifeguard_plugin_series_dropped_total{tenant="t",plugin="q"} 2"#),
        "{text}"
    );
}

#[test]
fn hostile_label_values_cannot_break_the_exposition() {
    let m = Metrics::new();
    m.record(
        "t",
        "p",
        MetricKind::Gauge,
        "g",
        1.0,
        &labels(&[("v", "a\"} 666\nevil_metric 1")]),
    );
    m.set_breaker("hot", true, "reason with \"quotes\"");
    // Invalid names and values are dropped outright.
    m.record("t", "p", MetricKind::Gauge, "bad-name", 1.0, &[]);
    m.record("t", "p", MetricKind::Gauge, "nan", f64::NAN, &[]);
    m.record("t", "p", MetricKind::Counter, "neg", -1.0, &[]);
    m.record(
        "t",
        "p",
        MetricKind::Gauge,
        "dup",
        1.0,
        &labels(&[("a", "1"), ("a", "2")]),
    );
    m.record(
        "t",
        "p",
        MetricKind::Gauge,
        "own",
        1.0,
        &labels(&[("tenant", "other")]),
    );
    let text = m.encode().unwrap();
    assert!(
        text.contains(
            r#"lifeguard_plugin_g{tenant="t",plugin="p",v="a\"} 666\nevil_metric 1"} 1.0"#
        ),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("evil_metric")));
    assert!(text.contains(r#"reason="reason with \"quotes\"""#));
    for gone in ["bad-name", "_nan", "_neg", "_dup", "_own"] {
        assert!(!text.contains(gone), "{gone} in {text}");
    }
    assert_eq!(m.plugin_series("t", "p"), 1);
}

#[test]
fn typed_readers_sum_plugin_counters_and_traps_per_tenant() {
    let m = Metrics::new();
    let trap = RunReport {
        outcome: RunOutcome::Trap {
            kind: TrapKind::OutOfFuel,
            message: "spent".into(),
        },
        fuel: 5,
        wall: Duration::from_millis(2),
    };
    m.observe_run("web", "tuner", &trap);
    m.observe_run("web", "doctor", &trap);
    m.observe_run("orders", "guard", &trap);
    let policy = |p: &str| labels(&[("policy", p)]);
    m.record(
        "web",
        "tuner",
        MetricKind::Counter,
        "threshold_changes_total",
        2.0,
        &policy("a"),
    );
    m.record(
        "web",
        "tuner",
        MetricKind::Counter,
        "threshold_changes_total",
        1.0,
        &policy("b"),
    );
    m.record(
        "ops",
        "tuner",
        MetricKind::Counter,
        "threshold_changes_total",
        4.0,
        &policy("a"),
    );
    m.record("ops", "tuner", MetricKind::Gauge, "other", 9.0, &[]);
    let changes = m.plugin_counter_by_tenant("threshold_changes_total");
    assert_eq!(changes.get("web"), Some(&3.0));
    assert_eq!(changes.get("ops"), Some(&4.0));
    assert_eq!(changes.len(), 2);
    assert!(m.plugin_counter_by_tenant("other").is_empty());
    let traps = m.traps_by_tenant();
    assert_eq!(traps.get("web"), Some(&2));
    assert_eq!(traps.get("orders"), Some(&1));
}
