//! The etcd session of one replica: connect, grant (or resume) the lease, register the
//! member key, then every third of the TTL renew the lease and run one ownership round.
//! A round costs two range reads whatever the number of tenants, plus one transaction per
//! tenant that changes hands.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use etcd_client::{
    Certificate, Client, Compare, CompareOp, ConnectOptions, GetOptions, PutOptions, TlsOptions,
    Txn, TxnOp,
};
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{info, warn};

use super::{rendezvous, Coordination};
use crate::telemetry::Renewal;

/// Why a session ended before `stop`.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error("etcd: {0}")]
    Etcd(#[from] etcd_client::Error),
    #[error("etcd did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the lease expired")]
    Expired,
    #[error("{0}")]
    Config(String),
}

/// Run sessions until `stop`; a failed one is retried with backoff, resuming its lease if
/// etcd still has it.
pub(super) async fn run(c: Arc<Coordination>, mut stop: watch::Receiver<bool>) {
    let mut lease = None;
    let mut backoff = Duration::from_millis(200);
    loop {
        if *stop.borrow() {
            break;
        }
        match session(&c, &mut lease, &mut stop).await {
            Ok(()) => break,
            Err(e) => {
                warn!(replica = %c.replica_id, error = %e, "coordination session ended; mutations stop until the lease is live again");
                c.record_view(|v| v.last_error = Some(e.to_string()));
                if matches!(e, SessionError::Expired) {
                    lease = None;
                    c.set_session(None);
                    c.lease.lost();
                }
                if !c.lease.live() {
                    c.set_owned(BTreeSet::new());
                }
            }
        }
        tokio::select! {
            _ = stop.changed() => {}
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(c.ttl() / 2);
    }
    c.set_owned(BTreeSet::new());
    c.lease.lost();
}

async fn bounded<T>(
    limit: Duration,
    f: impl std::future::Future<Output = Result<T, etcd_client::Error>>,
) -> Result<T, SessionError> {
    match tokio::time::timeout(limit, f).await {
        // etcd forgot the lease (it expired while we could not reach it): a new one is due.
        Ok(Err(e)) if e.to_string().contains("lease not found") => Err(SessionError::Expired),
        Ok(r) => r.map_err(SessionError::from),
        Err(_) => Err(SessionError::Timeout(limit)),
    }
}

async fn connect(c: &Coordination) -> Result<Client, SessionError> {
    let cfg = &c.config;
    let limit = c.call_limit();
    let mut opts = ConnectOptions::new()
        .with_connect_timeout(limit)
        .with_timeout(limit)
        .with_require_leader(true);
    if let (Some(u), Some(p)) = (&cfg.username_env, &cfg.password_env) {
        let user = std::env::var(u).map_err(|_| {
            SessionError::Config(format!("coordination.username_env: {u} is not set"))
        })?;
        let pass = std::env::var(p).map_err(|_| {
            SessionError::Config(format!("coordination.password_env: {p} is not set"))
        })?;
        opts = opts.with_user(user, pass);
    }
    if let Some(var) = &cfg.ca_file_env {
        let path = std::env::var(var).map_err(|_| {
            SessionError::Config(format!("coordination.ca_file_env: {var} is not set"))
        })?;
        let pem = std::fs::read(&path).map_err(|e| {
            SessionError::Config(format!("coordination.ca_file_env: cannot read {path}: {e}"))
        })?;
        opts = opts.with_tls(TlsOptions::new().ca_certificate(Certificate::from_pem(pem)));
    }
    bounded(limit, Client::connect(cfg.endpoints.clone(), Some(opts))).await
}

async fn session(
    c: &Arc<Coordination>,
    lease: &mut Option<i64>,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), SessionError> {
    let limit = c.call_limit();
    let mut client = connect(c).await?;
    let ttl_secs = i64::try_from(c.ttl().as_secs()).unwrap_or(i64::MAX);
    // Resume the lease if etcd still has it: the ownership keys bound to it stay ours.
    let (mut keeper, mut stream) = match *lease {
        Some(id) => bounded(limit, client.lease_keep_alive(id)).await?,
        None => {
            let sent = Instant::now();
            let g = bounded(limit, client.lease_grant(ttl_secs, None)).await?;
            c.lease.renewed(
                sent,
                Duration::from_secs(u64::try_from(g.ttl()).unwrap_or(0)),
            );
            *lease = Some(g.id());
            info!(replica = %c.replica_id, lease = g.id(), ttl = g.ttl(), "etcd lease granted");
            bounded(limit, client.lease_keep_alive(g.id())).await?
        }
    };
    let id = lease.unwrap_or_default();
    c.set_session(Some((client.clone(), id)));
    let member_key = format!("{}/members/{}", c.prefix, c.replica_id);
    bounded(
        limit,
        client.put(
            member_key.as_str(),
            c.replica_id.as_str(),
            Some(PutOptions::new().with_lease(id)),
        ),
    )
    .await?;
    let mut tick = tokio::time::interval(c.ttl() / 3);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.changed() => {
                release(c, &mut client, id).await;
                *lease = None;
                return Ok(());
            }
            _ = tick.tick() => {}
        }
        let sent = Instant::now();
        let answer = bounded(limit, async {
            keeper.keep_alive().await?;
            stream.message().await
        })
        .await;
        match answer {
            Ok(Some(r)) if r.ttl() > 0 => {
                c.lease.renewed(
                    sent,
                    Duration::from_secs(u64::try_from(r.ttl()).unwrap_or(0)),
                );
                c.metrics.coord().renewal(Renewal::Ok);
            }
            Ok(Some(_)) => {
                c.metrics.coord().renewal(Renewal::Expired);
                return Err(SessionError::Expired);
            }
            Ok(None) => {
                c.metrics.coord().renewal(Renewal::Error);
                return Err(SessionError::Config("the keep-alive stream closed".into()));
            }
            Err(e) => {
                c.metrics.coord().renewal(Renewal::Error);
                return Err(e);
            }
        }
        if let Err(e) = ownership_round(c, &mut client, id).await {
            warn!(replica = %c.replica_id, error = %e, "ownership round failed");
            c.record_view(|v| v.last_error = Some(e.to_string()));
        }
    }
}

/// The last path segment of each key under `prefix`, with its value and lease.
async fn list(
    client: &mut Client,
    prefix: &str,
    limit: Duration,
) -> Result<Vec<(String, String, i64)>, SessionError> {
    let r = bounded(
        limit,
        client.get(prefix, Some(GetOptions::new().with_prefix())),
    )
    .await?;
    Ok(r.kvs()
        .iter()
        .filter_map(|kv| {
            let key = kv.key_str().ok()?;
            let name = key.strip_prefix(prefix)?.to_string();
            Some((name, kv.value_str().ok()?.to_string(), kv.lease()))
        })
        .collect())
}

/// One round: read members and owners, take what rendezvous gives this replica and is free,
/// hand over what it gives a live other member, keep the rest.
async fn ownership_round(
    c: &Coordination,
    client: &mut Client,
    lease: i64,
) -> Result<(), SessionError> {
    let limit = c.call_limit();
    let members_prefix = format!("{}/members/", c.prefix);
    let owners_prefix = format!("{}/owners/", c.prefix);
    let mut members: Vec<String> = list(client, &members_prefix, limit)
        .await?
        .into_iter()
        .map(|(name, _, _)| name)
        .collect();
    members.sort();
    let owners: BTreeMap<String, (String, i64)> = list(client, &owners_prefix, limit)
        .await?
        .into_iter()
        .map(|(tenant, replica, l)| (tenant, (replica, l)))
        .collect();
    let me = c.replica_id.as_str();
    let mut owned = BTreeSet::new();
    let mut seen = BTreeMap::new();
    for tenant in &c.tenants {
        let key = c.owner_key(tenant);
        let want = rendezvous::owner(&members, tenant);
        match owners.get(tenant) {
            Some((r, l)) if r == me && *l == lease => {
                if want.is_some_and(|w| w != me) {
                    // Hand over: stop acting first (the owned set drops it below), then
                    // free the key for the member rendezvous names.
                    let txn = Txn::new()
                        .when([Compare::lease(key.as_str(), CompareOp::Equal, lease)])
                        .and_then([TxnOp::delete(key.as_str(), None)]);
                    // Copy first: the watch's read guard must be gone before its send.
                    let rest = without(&c.owned.borrow(), tenant);
                    c.set_owned(rest);
                    bounded(limit, client.txn(txn)).await?;
                    info!(replica = me, tenant = %tenant, to = ?want, "ownership handed over");
                } else {
                    owned.insert(tenant.clone());
                    seen.insert(tenant.clone(), me.to_string());
                }
            }
            Some((r, _)) => {
                seen.insert(tenant.clone(), r.clone());
            }
            None if want == Some(me) => {
                let txn = Txn::new()
                    .when([Compare::create_revision(key.as_str(), CompareOp::Equal, 0)])
                    .and_then([TxnOp::put(
                        key.as_str(),
                        me,
                        Some(PutOptions::new().with_lease(lease)),
                    )]);
                let r = bounded(limit, client.txn(txn)).await?;
                if r.succeeded() {
                    info!(replica = me, tenant = %tenant, "ownership taken");
                    owned.insert(tenant.clone());
                    seen.insert(tenant.clone(), me.to_string());
                }
            }
            None => {}
        }
    }
    c.metrics.coord().set_members(members.len());
    c.record_view(|v| {
        v.members = members;
        v.owners = seen;
        v.last_error = None;
    });
    c.set_owned(owned);
    Ok(())
}

fn without(set: &BTreeSet<String>, tenant: &str) -> BTreeSet<String> {
    set.iter().filter(|t| *t != tenant).cloned().collect()
}

/// A clean shutdown: stop acting, then revoke the lease, which deletes the member key and
/// every ownership key at once, so the survivors take over at their next round.
async fn release(c: &Coordination, client: &mut Client, lease: i64) {
    c.set_owned(BTreeSet::new());
    c.set_session(None);
    c.lease.lost();
    match bounded(c.call_limit(), client.lease_revoke(lease)).await {
        Ok(_) => info!(replica = %c.replica_id, "lease revoked; tenants released"),
        Err(e) => {
            warn!(replica = %c.replica_id, error = %e, "lease not revoked; it expires with its TTL")
        }
    }
}
