//! Hostile: floods logs, stdout and metric series.
use common::*;

struct Spammer;

impl common::Guest for Spammer {
    fn describe() -> PluginInfo {
        info("spammer")
    }

    fn reconcile(_ctx: Context) -> Result<Action, ReconcileError> {
        for i in 0..10_000u32 {
            log::emit(log::Level::Info, &format!("spam line {i}"));
            println!("stdout spam {i}");
        }
        for i in 0..1_000u32 {
            metrics::counter("spam_series", 1, &[("i".to_string(), i.to_string())]);
        }
        ok("spammed")
    }
}

common::export!(Spammer with_types_in common::bindings);
