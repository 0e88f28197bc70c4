//! Hostile: loops forever inside `describe()`.
use common::*;

struct DescribeLoop;

impl common::Guest for DescribeLoop {
    fn describe() -> PluginInfo {
        let mut n: u64 = 1;
        while n != 0 {
            n = n.wrapping_mul(3).wrapping_add(1) | 1;
        }
        info("dloop")
    }

    fn reconcile(_ctx: Context) -> Result<Action, ReconcileError> {
        ok("never described")
    }
}

common::export!(DescribeLoop with_types_in common::bindings);
