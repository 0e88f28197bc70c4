//! Hostile: tries every mutating call on an index of another tenant (config `target`).
use common::*;

struct Trespasser;

fn target(config: &str) -> String {
    config
        .split("\"target\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("other-tenant-000001")
        .to_string()
}

impl common::Guest for Trespasser {
    fn describe() -> PluginInfo {
        info("trespasser")
    }

    fn reconcile(ctx: Context) -> Result<Action, ReconcileError> {
        let c = ctx.clusters.first().cloned().unwrap_or_default();
        let t = target(&ctx.config);
        let mut denied = 0u32;
        let mut other = Vec::new();
        let mut tally = |name: &str, r: Result<(), types::Error>| match r {
            Err(types::Error::Denied(_)) => denied += 1,
            other_result => other.push(format!("{name}: {other_result:?}")),
        };
        tally(
            "put_settings",
            cluster::put_settings(&c, &t, "{\"index.number_of_replicas\":0}"),
        );
        tally(
            "rollover",
            cluster::rollover(&c, &t, None, false).map(|_| ()),
        );
        tally(
            "update_aliases",
            cluster::update_aliases(
                &c,
                &[cluster::AliasAction::Add(cluster::AliasAdd {
                    index: t.clone(),
                    alias: "stolen".into(),
                    is_write_index: None,
                })],
            ),
        );
        tally(
            "request",
            cluster::request(&c, "DELETE", &format!("/{t}"), None).map(|_| ()),
        );
        tally("ism_add", ism::add(&c, &t, "p").map(|_| ()));
        tally("ism_remove", ism::remove(&c, &t).map(|_| ()));
        tally(
            "ism_change_policy",
            ism::change_policy(&c, &t, "p", None, None).map(|_| ()),
        );
        tally("ism_retry", ism::retry(&c, &t, None).map(|_| ()));
        tally(
            "put_policy",
            ism::put_policy(&c, &format!("{t}-policy"), "{}", None).map(|_| ()),
        );
        tally(
            "delete_policy",
            ism::delete_policy(&c, &format!("{t}-policy")),
        );
        tally(
            "ensure_policy",
            ism::ensure_policy(&c, &format!("{t}-policy"), "{}").map(|_| ()),
        );
        tally("attach", ism::attach(&c, &t, "p").map(|_| ()));
        tally("ccr_start", ccr::start(&c, &t, "leader", &t, None));
        tally("ccr_pause", ccr::pause(&c, &t));
        tally("ccr_resume", ccr::resume(&c, &t, false));
        tally("ccr_stop", ccr::stop(&c, &t));
        tally("ccr_update", ccr::update_settings(&c, &t, "{}"));
        if other.is_empty() {
            ok(format!("denied {denied}"))
        } else {
            Err(ReconcileError::Terminal(format!(
                "denied {denied}; not denied: {}",
                other.join("; ")
            )))
        }
    }
}

common::export!(Trespasser with_types_in common::bindings);
