//! Hostile: recurses without end.
use common::*;

struct Recursion;

#[inline(never)]
fn dive(depth: u64, pad: &mut [u64; 16]) -> u64 {
    pad[(depth % 16) as usize] = depth;
    let mut local = *pad;
    dive(depth + 1, &mut local) + local[3]
}

impl common::Guest for Recursion {
    fn describe() -> PluginInfo {
        info("recursion")
    }

    fn reconcile(_ctx: Context) -> Result<Action, ReconcileError> {
        let mut pad = [0u64; 16];
        ok(format!("{}", dive(0, &mut pad)))
    }
}

common::export!(Recursion with_types_in common);
