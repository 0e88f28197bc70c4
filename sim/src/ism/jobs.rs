//! The managed-index jobs as the job scheduler keeps them: attaching a policy to an index and
//! scheduling its next run (`job_interval` plus jitter). Index operations attach jobs here;
//! only [`super::runner`] runs them.
use super::meta::Managed;
use crate::model::Cluster;
use crate::util::{hash_str, splitmix64};
use crate::world::{EventKind, World};

pub fn job_interval_ms(cl: &Cluster) -> i64 {
    let minutes = cl
        .settings
        .get_f64("plugins.index_state_management.job_interval")
        .or_else(|| {
            cl.settings
                .get_f64("opendistro.index_state_management.job_interval")
        })
        .unwrap_or(5.0)
        .max(1.0);
    (minutes * 60_000.0) as i64
}

pub fn jitter(cl: &Cluster) -> f64 {
    let limit = cl
        .settings
        .get_f64("plugins.jobscheduler.jitter_limit")
        .unwrap_or(0.6);
    cl.settings
        .get_f64("plugins.index_state_management.jitter")
        .unwrap_or(0.6)
        .clamp(0.0, 1.0)
        .min(limit)
}

/// Schedules the next run of an index's job: interval plus a jitter derived from the seed.
pub fn schedule_next(world: &mut World, c: usize, index: &str) {
    let seed = world.seed;
    let now = world.now;
    let cl = &mut world.clusters[c];
    let interval = job_interval_ms(cl);
    let jit = jitter(cl);
    let Some(m) = cl.indices.get_mut(index).and_then(|ix| ix.managed.as_mut()) else {
        return;
    };
    let frac = (splitmix64(seed ^ hash_str(index) ^ m.runs.wrapping_mul(0x9E37)) >> 11) as f64
        / (1u64 << 53) as f64;
    m.next_run = now + interval + (interval as f64 * jit * frac) as i64;
    m.gen += 1;
    let (t, gen) = (m.next_run, m.gen);
    world.schedule(
        t,
        EventKind::IsmJob {
            cluster: c,
            index: index.to_string(),
            gen,
        },
    );
}

/// Starts managing an index (add API, ism_template, scenario).
pub fn attach(
    world: &mut World,
    c: usize,
    index: &str,
    policy_id: &str,
    seq_no: i64,
    term: i64,
) -> bool {
    let cl = &mut world.clusters[c];
    let Some(stored) = cl.policies.get(policy_id) else {
        return false;
    };
    let policy = stored.policy.clone();
    let Some(ix) = cl.indices.get_mut(index) else {
        return false;
    };
    ix.managed = Some(Managed {
        policy_id: policy_id.to_string(),
        policy,
        policy_seq_no: seq_no,
        policy_primary_term: term,
        enabled: true,
        next_run: 0,
        gen: 0,
        runs: 0,
        change_policy: None,
        meta: None,
    });
    schedule_next(world, c, index);
    true
}
