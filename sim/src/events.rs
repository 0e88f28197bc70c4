//! The one place simulated time moves: events come off the world's queue in time order and
//! are dispatched to the model that owns them (ISM jobs, the disk monitor, CCR shard tasks,
//! scheduled faults). Nothing below this module calls back up into it.
use super::world::{EventKind, World, CATCH_UP_BUDGET, CCR_TICK_MS, MONITOR_MS};

/// Brings the world up to its clock (called before every request and by the ticker).
/// At most `CATCH_UP_BUDGET` events run per call: when the machine cannot keep up with
/// the requested speed the clock slows down instead of starving requests of the lock.
pub fn catch_up(world: &mut World) {
    let t = world.clock.target();
    if t <= world.now {
        return;
    }
    for _ in 0..CATCH_UP_BUDGET {
        let Some(ev) = world.pop_due(t) else {
            world.now = world.now.max(t);
            return;
        };
        world.now = world.now.max(ev.time);
        handle(world, ev.kind);
    }
    if world.has_due(t) {
        tracing::debug!(
            behind_ms = t - world.now,
            "sim cannot keep up with its speed; slowing the clock"
        );
        let now = world.now;
        world.clock.reanchor(now);
        return;
    }
    world.now = world.now.max(t);
}

/// Moves the clock forward by `ms`, running everything due in time order.
pub fn advance(world: &mut World, ms: i64) {
    let target = world.clock.target().max(world.now) + ms.max(0);
    world.clock.reanchor(target);
    run_until(world, target);
}

/// Processes every event with `time <= target`, earliest first (ties in scheduling order).
pub fn run_until(world: &mut World, target: i64) {
    while let Some(ev) = world.pop_due(target) {
        world.now = world.now.max(ev.time);
        handle(world, ev.kind);
    }
    world.now = world.now.max(target);
}

fn handle(world: &mut World, kind: EventKind) {
    match kind {
        EventKind::IsmJob {
            cluster,
            index,
            gen,
        } => {
            super::ism::runner::run_job(world, cluster, &index, gen);
        }
        EventKind::Monitor { cluster } => {
            super::alloc::monitor(world, cluster);
            world.schedule(world.now + MONITOR_MS, EventKind::Monitor { cluster });
        }
        EventKind::CcrTick { cluster } => {
            super::ccr::tick(world, cluster);
            world.schedule(world.now + CCR_TICK_MS, EventKind::CcrTick { cluster });
        }
        EventKind::Fault(id) => {
            if let Some(action) = world.faults.scheduled.remove(&id) {
                if let Err(e) = super::faults::apply(world, &action) {
                    tracing::warn!(error = %e, "scheduled fault failed");
                }
            }
        }
    }
}
