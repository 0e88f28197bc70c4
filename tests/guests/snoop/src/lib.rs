//! Curious, not hostile: writes into the log everything a plugin can see (its context and
//! config, the WASI environment, arguments and root directory, reads and raw responses,
//! error messages of refused and failing calls, its state), so a test can look for secrets
//! in all of it. It also makes one mutation, so the audit log has lines.
use common::*;

struct Snoop;

fn show(what: &str, seen: impl std::fmt::Debug) {
    log::emit(log::Level::Info, &format!("snoop {what}: {seen:?}"));
}

impl common::Guest for Snoop {
    fn describe() -> PluginInfo {
        use types::Capability::*;
        PluginInfo {
            capabilities: vec![ClusterRead, ClusterWrite, IsmRead],
            ..info("snoop")
        }
    }

    fn reconcile(ctx: Context) -> Result<Action, ReconcileError> {
        show("context", &ctx);
        show("env", std::env::vars().collect::<Vec<_>>());
        show("args", std::env::args().collect::<Vec<_>>());
        show("root", std::fs::read_dir("/").map(|d| d.count()));
        show("proc environ", std::fs::read("/proc/self/environ"));
        for c in &ctx.clusters {
            show("health", cluster::health(c));
            show("indices", cluster::indices(c, "*"));
            show("nodes", cluster::nodes(c));
            show("settings", cluster::get_settings(c, "logs-snoop-1"));
            show(
                "raw health",
                cluster::request(c, "GET", "/_cluster/health", None),
            );
            show("raw nodes", cluster::request(c, "GET", "/_nodes", None));
            show(
                "raw cat",
                cluster::request(c, "GET", "/_cat/indices?format=json", None),
            );
            show(
                "raw refused",
                cluster::request(c, "GET", "/_security/api/account", None),
            );
            show("foreign", cluster::indices(c, "someone-else-*"));
            show("explain", ism::explain(c, "*"));
            show("policy", ism::get_policy(c, "snoop-missing"));
            log::set_reason("snoop writes one setting, so the audit log has lines");
            show(
                "mutation",
                cluster::put_settings(c, "logs-snoop-1", r#"{"index":{"number_of_replicas":0}}"#),
            );
        }
        show("state", state::get("seen"));
        show("state set", state::set("seen", &ctx.tick.to_string()));
        ok(format!("snooped {} clusters", ctx.clusters.len()))
    }
}

common::export!(Snoop with_types_in common::bindings);
