//! Hostile: floods logs, stdout and metric series, each several times its cap (100 log
//! lines, 16 KiB of stdout, 100 series) and no more, so that a run stays well inside the
//! deadline on a loaded machine.
use common::*;

struct Spammer;

impl common::Guest for Spammer {
    fn describe() -> PluginInfo {
        info("spammer")
    }

    fn reconcile(_ctx: Context) -> Result<Action, ReconcileError> {
        for i in 0..1_000u32 {
            log::emit(log::Level::Info, &format!("spam line {i}"));
            println!("stdout spam {i} {:-<90}", "");
        }
        for i in 0..1_000u32 {
            metrics::counter("spam_series", 1, &[("i".to_string(), i.to_string())]);
        }
        ok("spammed")
    }
}

common::export!(Spammer with_types_in common::bindings);
