//! Well-behaved: reads health on its first cluster, keeps a run counter in state, sleeps a
//! little (config `sleep_ms`), and reports.
use common::*;

struct Good;

impl common::Guest for Good {
    fn describe() -> PluginInfo {
        info("good")
    }

    fn reconcile(ctx: Context) -> Result<Action, ReconcileError> {
        let runs: u64 = state::get("runs").and_then(|v| v.parse().ok()).unwrap_or(0) + 1;
        state::set("runs", &runs.to_string())
            .map_err(|e| ReconcileError::Transient(format!("{e:?}")))?;
        let health = match ctx.clusters.first() {
            Some(c) => match cluster::health(c) {
                Ok(h) => format!("{:?}", h.status),
                Err(e) => return Err(ReconcileError::Transient(format!("{e:?}"))),
            },
            None => "no cluster".into(),
        };
        if let Some(ms) = ctx.config.split("\"sleep_ms\":").nth(1).and_then(|r| {
            r.trim_matches(|c: char| !c.is_ascii_digit())
                .parse::<u64>()
                .ok()
        }) {
            clock::sleep(ms);
        }
        metrics::gauge("runs", runs as f64, &[]);
        ok(format!("run {runs}, health {health}"))
    }
}

common::export!(Good with_types_in common::bindings);
