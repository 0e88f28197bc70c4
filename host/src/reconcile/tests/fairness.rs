//! Fair share by fuel against a greedy tenant.

use super::*;

const GREEDY_FUEL: u64 = 1_000_000_000;
const FRUGAL_FUEL: u64 = 1_000;

fn by_tenant() -> Script {
    Arc::new(|t: &JobTicket| {
        let fuel = if &*t.id.tenant == "greedy" {
            GREEDY_FUEL
        } else {
            FRUGAL_FUEL
        };
        Step::ok().fuel(fuel).takes(ms(100))
    })
}

#[tokio::test(start_paused = true)]
async fn frugal_jobs_go_first_when_both_are_due() {
    let h = Harness::start(exact().max_concurrent(1), by_tenant());
    // Greedy jobs are added first, so plain FIFO would run them first every time.
    for p in ["g1", "g2", "g3"] {
        h.handle
            .upsert_job(spec("greedy", p, "c1").with_interval(secs(3600)))
            .unwrap();
    }
    for p in ["f1", "f2", "f3"] {
        h.handle
            .upsert_job(spec("frugal", p, "c1").with_interval(secs(3600)))
            .unwrap();
    }
    advance(secs(5)).await;
    let first: Vec<String> = h
        .log()
        .iter()
        .map(|r| r.ticket.id.plugin.to_string())
        .collect();
    assert_eq!(
        first,
        ["g1", "g2", "g3", "f1", "f2", "f3"],
        "no fuel burned yet: FIFO"
    );

    // All six are due at the same instant, greedy ones triggered first.
    for p in ["g1", "g2", "g3", "f1", "f2", "f3"] {
        let tenant = if p.starts_with('g') {
            "greedy"
        } else {
            "frugal"
        };
        h.handle.trigger(id(tenant, p)).unwrap();
    }
    advance(secs(5)).await;
    let second: Vec<String> = h.log()[6..]
        .iter()
        .map(|r| r.ticket.id.plugin.to_string())
        .collect();
    assert_eq!(second, ["f1", "f2", "f3", "g1", "g2", "g3"]);
}

#[tokio::test(start_paused = true)]
async fn a_greedy_tenant_is_held_back_but_never_starves() {
    let max_delay = secs(5);
    let h = Harness::start(
        exact().max_concurrent(1).fair_share(secs(60), max_delay),
        by_tenant(),
    );
    let greedy = id("greedy", "g");
    h.handle
        .upsert_job(spec("greedy", "g", "c1").with_interval(secs(1)))
        .unwrap();
    // 30 frugal jobs of 100 ms every second: three times what one slot can do.
    for i in 0..30 {
        h.handle
            .upsert_job(spec("frugal", &format!("f{i}"), "c1").with_interval(secs(1)))
            .unwrap();
    }
    advance(secs(120)).await;

    let g = h.starts(&greedy);
    assert!(g.len() >= 10, "greedy starved: {} runs", g.len());
    // Start to start: its own run (100 ms), its interval, at most max_delay of hold, then at
    // most the 30 frugal jobs already queued ahead of it plus the run in flight.
    let bound = ms(100) + secs(1) + max_delay + ms(3_100);
    let worst = gaps(&g).into_iter().max().unwrap();
    assert!(worst <= bound, "greedy waited {worst:?}");
    // But it is held back: each frugal job runs more often than the greedy one.
    let log = h.log();
    for i in 0..30 {
        let f = format!("f{i}");
        let n = log.iter().filter(|r| *r.ticket.id.plugin == *f).count();
        assert!(n > g.len(), "{f} ran {n} times, greedy {}", g.len());
    }
}

#[tokio::test(start_paused = true)]
async fn without_fair_share_the_same_load_is_served_round_robin() {
    // The control for the test above: with no hold, the greedy job keeps pace with the others.
    let h = Harness::start(
        exact()
            .max_concurrent(1)
            .fair_share(secs(60), Duration::ZERO),
        by_tenant(),
    );
    let greedy = id("greedy", "g");
    h.handle
        .upsert_job(spec("greedy", "g", "c1").with_interval(secs(1)))
        .unwrap();
    for i in 0..30 {
        h.handle
            .upsert_job(spec("frugal", &format!("f{i}"), "c1").with_interval(secs(1)))
            .unwrap();
    }
    advance(secs(120)).await;
    let g = h.starts(&greedy).len();
    let f0 = h.starts(&id("frugal", "f0")).len();
    assert!(g + 1 >= f0, "greedy {g} vs frugal {f0}");
}
