//! Hostile: allocates until something gives.
use common::*;

struct Bomb;

impl common::Guest for Bomb {
    fn describe() -> PluginInfo {
        info("bomb")
    }

    fn reconcile(_ctx: Context) -> Result<Action, ReconcileError> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![7u8; 1 << 20]);
            if hoard.len() == usize::MAX {
                return ok(format!("{}", hoard.len()));
            }
        }
    }
}

common::export!(Bomb with_types_in common::bindings);
