//! The mutation budget: how many mutations one tenant may send per tick, with deletes capped
//! separately. The host resets it at every tick ([`Budget::reset`], or
//! [`BudgetBook::reset_all`]).
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

/// ```toml
/// [guard.budget]          # the default for every tenant
/// mutations_per_tick = 20
/// deletes_per_tick = 5
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetConfig {
    /// Mutations sent per tenant per tick, deletes included. Default 20.
    #[serde(default = "default_mutations")]
    pub mutations_per_tick: u32,
    /// Deletes (`delete_policy`, auto-follow rule deletes, raw `DELETE`) per tenant per tick.
    /// Default 5.
    #[serde(default = "default_deletes")]
    pub deletes_per_tick: u32,
}

fn default_mutations() -> u32 {
    20
}

fn default_deletes() -> u32 {
    5
}

impl Default for BudgetConfig {
    fn default() -> Self {
        Self {
            mutations_per_tick: default_mutations(),
            deletes_per_tick: default_deletes(),
        }
    }
}

/// What was spent so far this tick.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BudgetUsage {
    pub mutations: u32,
    pub deletes: u32,
}

/// One tenant's budget, shared by all its runs in a tick.
#[derive(Debug)]
pub struct Budget {
    cfg: BudgetConfig,
    used: Mutex<BudgetUsage>,
}

impl Budget {
    pub fn new(cfg: BudgetConfig) -> Self {
        Self {
            cfg,
            used: Mutex::new(BudgetUsage::default()),
        }
    }

    /// Take one mutation (and one delete if `delete`), or say why not. Nothing is taken on
    /// refusal, so a refused delete does not eat into the general budget.
    pub fn try_take(&self, delete: bool) -> Result<(), String> {
        let Ok(mut used) = self.used.lock() else {
            return Err("mutation budget unavailable".into());
        };
        if used.mutations >= self.cfg.mutations_per_tick {
            return Err(format!(
                "mutation budget of {} per tick spent",
                self.cfg.mutations_per_tick
            ));
        }
        if delete && used.deletes >= self.cfg.deletes_per_tick {
            return Err(format!(
                "delete budget of {} per tick spent",
                self.cfg.deletes_per_tick
            ));
        }
        used.mutations += 1;
        if delete {
            used.deletes += 1;
        }
        Ok(())
    }

    /// Start a new tick.
    pub fn reset(&self) {
        if let Ok(mut used) = self.used.lock() {
            *used = BudgetUsage::default();
        }
    }

    pub fn usage(&self) -> BudgetUsage {
        self.used.lock().map(|u| *u).unwrap_or_default()
    }
}

/// The budgets of all tenants, so the host can hand a run its tenant's and reset them all at
/// a tick.
#[derive(Debug, Default)]
pub struct BudgetBook {
    default: BudgetConfig,
    overrides: HashMap<String, BudgetConfig>,
    budgets: Mutex<HashMap<String, Arc<Budget>>>,
}

impl BudgetBook {
    /// `overrides` are per-tenant budgets; other tenants get `default`.
    pub fn new(default: BudgetConfig, overrides: HashMap<String, BudgetConfig>) -> Self {
        Self {
            default,
            overrides,
            budgets: Mutex::new(HashMap::new()),
        }
    }

    /// The tenant's budget, created on first use.
    pub fn tenant(&self, tenant: &str) -> Arc<Budget> {
        let cfg = self.overrides.get(tenant).copied().unwrap_or(self.default);
        match self.budgets.lock() {
            Ok(mut m) => m
                .entry(tenant.to_string())
                .or_insert_with(|| Arc::new(Budget::new(cfg)))
                .clone(),
            // A poisoned map still yields a working (if unshared) budget.
            Err(_) => Arc::new(Budget::new(cfg)),
        }
    }

    /// Start a new tick for every tenant.
    pub fn reset_all(&self) {
        if let Ok(m) = self.budgets.lock() {
            m.values().for_each(|b| b.reset());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_mutations_and_deletes_separately() {
        let b = Budget::new(BudgetConfig {
            mutations_per_tick: 4,
            deletes_per_tick: 2,
        });
        assert!(b.try_take(true).is_ok());
        assert!(b.try_take(true).is_ok());
        assert_eq!(
            b.try_take(true),
            Err("delete budget of 2 per tick spent".into())
        );
        assert!(b.try_take(false).is_ok());
        assert!(b.try_take(false).is_ok());
        assert_eq!(
            b.try_take(false),
            Err("mutation budget of 4 per tick spent".into())
        );
        assert_eq!(
            b.usage(),
            BudgetUsage {
                mutations: 4,
                deletes: 2
            }
        );
        b.reset();
        assert!(b.try_take(true).is_ok());
    }

    #[test]
    fn book_shares_per_tenant_and_resets_all() {
        let mut o = HashMap::new();
        o.insert(
            "big".to_string(),
            BudgetConfig {
                mutations_per_tick: 1,
                deletes_per_tick: 0,
            },
        );
        let book = BudgetBook::new(BudgetConfig::default(), o);
        let a1 = book.tenant("a");
        let a2 = book.tenant("a");
        a1.try_take(false).unwrap();
        assert_eq!(a2.usage().mutations, 1);
        let big = book.tenant("big");
        big.try_take(false).unwrap();
        assert!(big.try_take(false).is_err());
        book.reset_all();
        assert_eq!(a2.usage().mutations, 0);
        assert!(big.try_take(false).is_ok());
    }

    #[test]
    fn defaults() {
        let c: BudgetConfig = toml::from_str("").unwrap();
        assert_eq!(c, BudgetConfig::default());
        assert_eq!((c.mutations_per_tick, c.deletes_per_tick), (20, 5));
        assert!(toml::from_str::<BudgetConfig>("nope = 1").is_err());
    }
}
