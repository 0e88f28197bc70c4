//! Hostile: spins forever. Config `{"mode":"host"}` loops around a host call instead.
use common::*;

struct Looper;

impl common::Guest for Looper {
    fn describe() -> PluginInfo {
        info("looper")
    }

    fn reconcile(ctx: Context) -> Result<Action, ReconcileError> {
        let via_host = ctx.config.contains("host");
        let mut n: u64 = 0;
        loop {
            n = n.wrapping_mul(6364136223846793005).wrapping_add(1);
            if via_host {
                n = n.wrapping_add(clock::now_ms());
            }
            if n == 42 {
                return ok("unreachable in practice");
            }
        }
    }
}

common::export!(Looper with_types_in common::bindings);
