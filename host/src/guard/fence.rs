//! The fence in front of every host call of a run: with coordination, a replica acts for a
//! tenant only while its lease is provably live and it holds the tenant's ownership key.
//! The guard knows nothing of etcd; `crate::coord` implements this.

/// Whether this replica may act for a tenant now.
pub trait Fence: Send + Sync {
    /// `Err(reason)` when it may not; the reason starts with "ownership lost".
    fn check(&self, tenant: &str) -> Result<(), String>;
    /// A mutation was refused by [`Fence::check`].
    fn fenced(&self, tenant: &str);
}
