//! The coordination families of `/metrics`, registered only when `[coordination]` is set, so
//! a single-process host exports no series that could never get a value.
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

type L1 = [(&'static str, String); 1];

/// How one lease keep-alive ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    Ok,
    /// etcd could not be reached or did not answer in time.
    Error,
    /// etcd answered that the lease is gone.
    Expired,
}

impl Renewal {
    pub fn as_str(self) -> &'static str {
        match self {
            Renewal::Ok => "ok",
            Renewal::Error => "error",
            Renewal::Expired => "expired",
        }
    }
}

#[derive(Debug, Default)]
pub struct CoordMetrics {
    members: Gauge,
    owned: Gauge,
    renewals: Family<L1, Counter>,
    ownership_changes: Counter,
    fenced: Counter,
}

impl CoordMetrics {
    pub(super) fn register(&self, r: &mut Registry) {
        r.register(
            "coordination_members",
            "Live replicas in the etcd membership.",
            self.members.clone(),
        );
        r.register(
            "owned_tenants",
            "Tenants whose ownership key this replica holds.",
            self.owned.clone(),
        );
        r.register(
            "lease_renewals",
            "etcd lease keep-alives by result (ok, error, expired).",
            self.renewals.clone(),
        );
        r.register(
            "ownership_changes",
            "Tenants this replica took or handed over.",
            self.ownership_changes.clone(),
        );
        r.register(
            "fenced_mutations",
            "Mutations refused because the lease was not provably live or the tenant not owned.",
            self.fenced.clone(),
        );
        // Every result series exists from the start, so a rate() has a zero to start from.
        for r in [Renewal::Ok, Renewal::Error, Renewal::Expired] {
            drop(
                self.renewals
                    .get_or_create(&[("result", r.as_str().to_string())]),
            );
        }
    }

    pub fn set_members(&self, n: usize) {
        self.members.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    pub fn set_owned(&self, n: usize) {
        self.owned.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    pub fn renewal(&self, r: Renewal) {
        self.renewals
            .get_or_create(&[("result", r.as_str().to_string())])
            .inc();
    }

    pub fn ownership_changed(&self, n: u64) {
        self.ownership_changes.inc_by(n);
    }

    pub fn fenced(&self) {
        self.fenced.inc();
    }

    pub fn fenced_total(&self) -> u64 {
        self.fenced.get()
    }
}
