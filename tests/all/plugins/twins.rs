//! The Python ism-doctor and the JavaScript rollover-tuner make the same decisions as their
//! Rust twins on the same scenario: the same mutating requests reach the simulator, in the
//! same order, and leave the same stored policy.
//!
//! Their components come from `LIFEGUARD_PLUGIN_DIR` (`make plugins`, set by `make test`);
//! without it these tests print why and pass.
use lifeguard::runtime::LoadedPlugin;
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use crate::support::lab::{cached_engine, line, memory_state, ok, rust_plugin, Lab};
use crate::support::polyglot_path;

use super::{ism_doctor, rollover_tuner};

/// Compiles a big component once per test binary (and once per machine, thanks to the
/// engine's cache).
async fn polyglot(
    cell: &'static OnceCell<LoadedPlugin>,
    file: &str,
) -> Option<&'static LoadedPlugin> {
    let path = polyglot_path(file, &format!("compare {file} with its Rust twin"))?;
    Some(
        cell.get_or_init(|| async move {
            let bytes = std::fs::read(&path).unwrap();
            tokio::task::spawn_blocking(move || {
                LoadedPlugin::load(cached_engine(), &bytes).unwrap()
            })
            .await
            .unwrap()
        })
        .await,
    )
}

static PY_DOCTOR: OnceCell<LoadedPlugin> = OnceCell::const_new();
static JS_TUNER: OnceCell<LoadedPlugin> = OnceCell::const_new();

/// One decision per target: `POST /_plugins/_ism/add/a,b` is the same decision as two calls
/// for `a` and `b` (the twins batch differently). Sorted, per tick.
fn decisions(lab: &Lab, tick: u64) -> Vec<String> {
    let mut out: Vec<String> = lab
        .mutations()
        .iter()
        .flat_map(|r| {
            let l = line(r);
            let (head, last) = l.rsplit_once('/').unwrap_or(("", &l));
            last.split(',')
                .map(|t| format!("tick {tick}: {head}/{t}"))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    lab.sim.clear_requests();
    out
}

/// The ism-doctor script: three ticks; returns the decisions and the stored policy.
async fn doctor(plugin: &LoadedPlugin) -> (Vec<String>, Value) {
    let lab = Lab::start(ism_doctor::SCENARIO).await;
    let (tenant, state, cfg) = (ism_doctor::tenant(), memory_state(), ism_doctor::config());
    lab.advance("2m");
    let mut sent = Vec::new();
    for tick in 1..=3 {
        ok(&lab
            .run(cached_engine(), plugin, &tenant, &state, &cfg, tick)
            .await);
        sent.extend(decisions(&lab, tick));
        lab.advance("3m");
    }
    (sent, lab.policy("app"))
}

/// The rollover-tuner script: calm ticks, a spike, more ticks.
async fn tuner(plugin: &LoadedPlugin, cfg: Value) -> (Vec<String>, Value) {
    let lab = Lab::start(rollover_tuner::SCENARIO).await;
    let (tenant, state) = (rollover_tuner::tenant(), memory_state());
    lab.advance("2m");
    let mut sent = Vec::new();
    for tick in 1..=6 {
        if tick == 4 {
            lab.call(
                0,
                "POST",
                "/_sim/ingest",
                Some(json!({"alias": "logs-a", "docs_per_sec": 3000.0, "bytes_per_doc": 1000.0})),
            );
        }
        ok(&lab
            .run(cached_engine(), plugin, &tenant, &state, &cfg, tick)
            .await);
        sent.extend(decisions(&lab, tick));
        lab.advance("10m");
    }
    (sent, lab.policy("logs"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_ism_doctor_matches_the_rust_twin() {
    let Some(py) = polyglot(&PY_DOCTOR, "ism-doctor-py.wasm").await else {
        return;
    };
    let rust = rust_plugin("ism-doctor").await;
    let (rust_sent, rust_policy) = doctor(rust).await;
    let (py_sent, py_policy) = doctor(py).await;
    assert_eq!(
        rust_sent,
        [
            "tick 1: POST /_plugins/_ism/add/app-000002",
            "tick 1: POST /_plugins/_ism/add/app-000003",
            "tick 1: POST /_plugins/_ism/change_policy/app-000001",
            "tick 1: PUT /_plugins/_ism/policies/app",
        ],
        "the Rust twin's own decisions"
    );
    assert_eq!(py_sent, rust_sent);
    assert_eq!(py_policy, rust_policy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_rollover_tuner_matches_the_rust_twin() {
    let Some(js) = polyglot(&JS_TUNER, "rollover-tuner-js.wasm").await else {
        return;
    };
    let rust = rust_plugin("rollover-tuner").await;
    // The same config object for both: the JS twin takes the Rust twin's keys.
    let (rust_sent, rust_policy) = tuner(rust, rollover_tuner::config()).await;
    let (js_sent, js_policy) = tuner(js, rollover_tuner::config()).await;
    assert!(
        rust_sent
            .iter()
            .filter(|l| l.contains("PUT /_plugins/_ism/policies/logs"))
            .count()
            >= 2,
        "the scenario must make the Rust twin decide twice: {rust_sent:?}"
    );
    assert_eq!(js_sent, rust_sent);
    let hot = |p: &Value| {
        (
            p["states"][0]["actions"][0]["rollover"].clone(),
            p["states"][0]["transitions"].clone(),
        )
    };
    assert_eq!(
        hot(&js_policy),
        hot(&rust_policy),
        "the JS twin stored a different rollover/transition (JS left, Rust right)"
    );
    assert_eq!(js_policy, rust_policy);
}
