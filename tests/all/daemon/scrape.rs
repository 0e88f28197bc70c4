//! `/metrics`, scraped over HTTP from a daemon running the demo's scenario (the demo's world,
//! config, plugins and ingest plan): every family the host exports has at least one sample,
//! every sample's value is plausible for what it measures, and the cluster gauges fed from
//! the snapshot (failed ISM indices, transition latency, follower lag, paused followers) are
//! among them.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lifeguard::demo::setup;
use lifeguard::sim::{Sim, SimOptions};

/// Simulated milliseconds per real one: six simulated hours in eight seconds, as the short
/// demo runs.
const SPEED: f64 = 2700.0;

/// A sample: its name, labels as written, and value.
struct Sample {
    name: String,
    labels: String,
    value: f64,
}

/// `# TYPE` lines (family → kind) and the samples of a text exposition.
fn parse(text: &str) -> (BTreeMap<String, String>, Vec<Sample>) {
    let mut families = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            if let Some((name, kind)) = rest.split_once(' ') {
                families.insert(name.to_string(), kind.to_string());
            }
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((head, value)) = line.rsplit_once(' ') else {
            panic!("a sample without a value: {line}");
        };
        let (name, labels) = match head.split_once('{') {
            Some((n, l)) => (n, l.trim_end_matches('}')),
            None => (head, ""),
        };
        samples.push(Sample {
            name: name.to_string(),
            labels: labels.to_string(),
            value: value
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {line}")),
        });
    }
    (families, samples)
}

/// The family a sample name belongs to (`x_total`, `x_bucket`, `x_sum`, `x_count` → `x`).
fn family_of<'a>(families: &'a BTreeMap<String, String>, sample: &str) -> Option<&'a str> {
    if families.contains_key(sample) {
        return families.get_key_value(sample).map(|(k, _)| k.as_str());
    }
    ["_total", "_bucket", "_sum", "_count", "_info"]
        .iter()
        .filter_map(|s| sample.strip_suffix(s))
        .find_map(|base| families.get_key_value(base).map(|(k, _)| k.as_str()))
}

/// Families without a sample.
fn empty_families(text: &str) -> Vec<String> {
    let (families, samples) = parse(text);
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &samples {
        if let Some(f) = family_of(&families, &s.name) {
            *seen.entry(f).or_default() += 1;
        }
    }
    families
        .keys()
        .filter(|f| !seen.contains_key(f.as_str()))
        .cloned()
        .collect()
}

/// Why a sample's value is implausible, if it is.
fn implausible(kind: &str, s: &Sample) -> Option<&'static str> {
    let v = s.value;
    if !v.is_finite() {
        return Some("not finite");
    }
    match kind {
        "counter" | "histogram" if v < 0.0 => Some("a negative count or sum"),
        "info" if v != 1.0 => Some("an info sample that is not 1"),
        _ if s.name == "lifeguard_breaker_open" && v != 0.0 && v != 1.0 => {
            Some("a breaker neither open (1) nor closed (0)")
        }
        _ if s.name.starts_with("lifeguard_ccr_") || s.name.starts_with("lifeguard_ism_") => {
            // Operations, indices and seconds: never negative, and a follower can't be
            // further behind than the leader has ever written.
            (!(0.0..=1e12).contains(&v)).then_some("out of range")
        }
        "gauge" if s.name == "lifeguard_workqueue_depth" && v < 0.0 => Some("a negative depth"),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exported_family_has_a_plausible_sample_on_the_demo_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let paths = setup::Paths {
        plugin_dir: PathBuf::from(env!("PLUGINS_DIR")),
        state_dir: dir.path().join("state"),
        audit_file: dir.path().join("audit.jsonl"),
        config_file: dir.path().join("lifeguard.toml"),
    };
    let files = setup::PluginFiles {
        rollover_tuner: "rollover_tuner.wasm".into(),
        ism_doctor: "ism_doctor.wasm".into(),
    };
    let sim = Arc::new(
        Sim::start(SimOptions {
            follower: true,
            speed: 0.0,
            scenario: Some(setup::scenario().unwrap()),
            ..SimOptions::default()
        })
        .await
        .unwrap(),
    );
    setup::start_replication(&sim).unwrap();
    let follower = sim.follower_url().unwrap().to_string();
    let text = setup::render_config(sim.leader_url(), &follower, &paths, &files);
    let loaded = lifeguard::config::parse_str(&paths.config_file, &text).unwrap();
    let host = lifeguard::daemon::start(loaded, setup::host_options(&sim, SPEED))
        .await
        .unwrap();
    let url = format!("http://{}/metrics", host.telemetry_addr.unwrap());

    let t0 = sim.now_ms();
    sim.set_speed(SPEED);
    let plan = setup::ingest_plan();
    let mut next = 0;
    let started = Instant::now();
    let (mut text, mut empty) = (String::new(), Vec::new());
    // Families appear with their first sample; some need the story to move on (a completed
    // ISM transition, which takes simulated hours). Give it up to about three simulated days.
    while started.elapsed() < Duration::from_secs(90) {
        let elapsed = sim.now_ms() - t0;
        while next < plan.len() && plan[next].at_ms <= elapsed {
            setup::apply_ingest(&sim, &plan[next]).unwrap();
            next += 1;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        text = reqwest::get(&url).await.unwrap().text().await.unwrap();
        empty = empty_families(&text);
        if empty.is_empty() && transitions(&text) >= 1.0 {
            break;
        }
    }
    sim.set_speed(0.0);
    host.shutdown(Duration::from_secs(5)).await;

    assert!(
        empty.is_empty(),
        "families exported without a sample after {:?}: {empty:?}\n{text}",
        started.elapsed()
    );
    let (families, samples) = parse(&text);
    assert!(families.len() >= 20, "{families:?}");
    for s in &samples {
        let f = family_of(&families, &s.name)
            .unwrap_or_else(|| panic!("sample {} of no declared family", s.name));
        let kind = families[f].as_str();
        if let Some(why) = implausible(kind, s) {
            panic!("{}{{{}}} = {}: {why}", s.name, s.labels, s.value);
        }
    }
    // The fed cluster gauges say something true of the demo's world.
    let value = |name: &str, needle: &str| {
        samples
            .iter()
            .find(|s| s.name == name && s.labels.contains(needle))
            .map(|s| s.value)
    };
    assert!(
        value("lifeguard_ccr_paused_followers", "cluster=\"follower\"").is_some(),
        "{text}"
    );
    assert!(
        samples
            .iter()
            .any(|s| s.name == "lifeguard_ccr_follower_lag_ops" && s.labels.contains("orders-")),
        "the orders followers have a lag series: {text}"
    );
    assert!(
        transitions(&text) >= 1.0,
        "no ISM transition measured in {:?}: {text}",
        started.elapsed()
    );
    assert!(
        value("lifeguard_ism_failed_indices", "cluster=\"leader\"").is_some(),
        "{text}"
    );
}

/// Transitions measured so far, over every cluster.
fn transitions(text: &str) -> f64 {
    parse(text)
        .1
        .iter()
        .filter(|s| s.name == "lifeguard_ism_transition_latency_seconds_count")
        .map(|s| s.value)
        .sum()
}
