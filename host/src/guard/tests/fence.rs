//! The fence (`[coordination]`): a replica that lost its lease or the tenant's ownership
//! sends nothing, reads nothing, and audits each refused mutation as `fenced`.
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::*;

#[derive(Default)]
struct Switch {
    lost: AtomicBool,
    fenced: AtomicU32,
}

impl Fence for Switch {
    fn check(&self, tenant: &str) -> Result<(), String> {
        if self.lost.load(Ordering::SeqCst) {
            Err(format!("ownership lost: tenant [{tenant}] moved"))
        } else {
            Ok(())
        }
    }

    fn fenced(&self, _tenant: &str) {
        self.fenced.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_lost_fence_refuses_every_mutation_and_read() {
    let mut r = rig();
    let switch = Arc::new(Switch::default());
    r.ctx.fence = Some(switch.clone());
    let g = r.view();
    g.put_settings("logs-app1-000001", &json!({"index.number_of_replicas": 0}))
        .await
        .unwrap();
    assert_eq!(r.fake.calls_matching("put_settings").len(), 1, "held: sent");

    switch.lost.store(true, Ordering::SeqCst);
    let before = r.fake.calls().len();
    let results = every_mutation(g.as_ref(), "logs-app1-000001", "app1-p", "app1-r").await;
    for (verb, res) in &results {
        match res {
            Err(ApiError::Throttled(m)) => assert!(m.starts_with("ownership lost"), "{verb}: {m}"),
            other => panic!("{verb}: expected throttled, got {other:?}"),
        }
    }
    let read = g.indices("logs-*").await;
    assert!(
        matches!(&read, Err(ApiError::Throttled(m)) if m.starts_with("ownership lost")),
        "a read after the loss: {read:?}"
    );
    let raw_read = g.raw("GET", "/logs-app1-000001/_settings", None).await;
    assert!(
        matches!(&raw_read, Err(ApiError::Throttled(m)) if m.starts_with("ownership lost")),
        "a raw read after the loss: {raw_read:?}"
    );
    assert_eq!(r.fake.calls().len(), before, "nothing reached the cluster");
    let fenced = r
        .outcomes()
        .iter()
        .filter(|(_, v)| *v == Verdict::Fenced)
        .count();
    assert_eq!(
        fenced,
        results.len(),
        "one `fenced` line per refused mutation"
    );
    assert_eq!(switch.fenced.load(Ordering::SeqCst) as usize, results.len());
}
