//! Hot reload under a running scheduler: every version switch is observed, no run fails, a
//! broken file keeps the old version serving, a deleted file stops its job.
use std::time::Duration;

use lifeguard::registry::{Registry, RegistryEvent};
use lifeguard::runtime::content_version;

use crate::support::guest_path;
use crate::support::host::{install_bytes, rig, tenant};

/// `bytes` with a custom section appended: a different content hash, the same behaviour.
pub(crate) fn variant(bytes: &[u8], n: u32) -> Vec<u8> {
    let payload = n.to_le_bytes();
    let name = b"lifeguard-test-variant";
    let mut out = bytes.to_vec();
    out.push(0); // custom section id
    out.push((1 + name.len() + payload.len()) as u8); // fits in one LEB128 byte
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.extend_from_slice(&payload);
    out
}

async fn wait_for_version(rig: &crate::support::host::Rig, file: &str, version: &str) -> bool {
    // Generous: each version is a fresh compile, and CI runs other suites alongside.
    for _ in 0..3000 {
        if rig
            .host()
            .host
            .registry()
            .get(file)
            .is_some_and(|v| v.version() == version)
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_reloads_are_each_observed_and_no_run_fails() {
    let t = tenant("churn", "churn-*", "good", "good.wasm", "50ms", "{}");
    let rig = rig(&t, &[("good", "good.wasm")], "").await;
    let mut events = rig.host().host.registry().subscribe();
    let base = std::fs::read(guest_path("good")).unwrap();
    let mut versions = Vec::new();
    for n in 0..200 {
        let bytes = variant(&base, n);
        let v = content_version(&bytes);
        install_bytes(&rig.plugin_dir(), "good.wasm", &bytes);
        assert!(
            wait_for_version(&rig, "good.wasm", &v).await,
            "version {n} never went live"
        );
        versions.push(v);
    }
    let mut seen = Vec::new();
    while let Ok(ev) = events.try_recv() {
        match ev {
            RegistryEvent::Loaded { version, .. } => seen.push(version),
            other => panic!("unexpected registry event {other:?}"),
        }
    }
    for v in &versions {
        assert!(seen.contains(v), "switch to {v} was not observed");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let st = rig.host().scheduler.status().await.unwrap();
    let job = &st[0];
    assert_eq!(job.consecutive_failures, 0, "{job:?}");
    assert_eq!(&*job.version, versions.last().unwrap().as_str());
    let metrics = rig.host().host.metrics().encode().unwrap();
    assert!(
        !metrics
            .lines()
            .any(|l| l.starts_with("lifeguard_reconcile_errors_total{") && !l.ends_with(" 0")),
        "a run failed during the churn:\n{metrics}"
    );
    rig.host.unwrap().shutdown(Duration::from_secs(5)).await;
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_file_keeps_the_old_version_and_a_deleted_one_stops_the_job() {
    let t = tenant("keep", "keep-*", "good", "good.wasm", "100ms", "{}");
    let rig = rig(&t, &[("good", "good.wasm")], "").await;
    let good = content_version(&std::fs::read(guest_path("good")).unwrap());
    let mut events = rig.host().host.registry().subscribe();
    install_bytes(
        &rig.plugin_dir(),
        "good.wasm",
        b"\0asm\x0d\0\x01\0 truncated garbage",
    );
    let rejected = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(RegistryEvent::Rejected { error, .. }) = events.recv().await {
                return error;
            }
        }
    })
    .await
    .expect("the broken file was never rejected");
    assert!(rejected.contains("good.wasm"), "{rejected}");
    let live = rig.host().host.registry().get("good.wasm").unwrap();
    assert_eq!(live.version(), good);
    let sched = rig.host().scheduler.clone();
    let before = sched.status().await.unwrap()[0].runs;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let st = sched.status().await.unwrap();
    assert!(st[0].runs > before, "the old version stopped serving");
    assert_eq!(st[0].consecutive_failures, 0);

    std::fs::remove_file(rig.plugin_dir().join("good.wasm")).unwrap();
    let mut gone = false;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if sched.status().await.unwrap().is_empty() {
            gone = true;
            break;
        }
    }
    assert!(gone, "the job kept running after its file was deleted");
    rig.host.unwrap().shutdown(Duration::from_secs(5)).await;
    rig.sim.shutdown().await;
}

/// Two files with the same bytes compile once; once neither is loaded the code is released,
/// and the same bytes compile again.
#[tokio::test]
async fn identical_files_share_one_compile_until_both_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(guest_path("good")).unwrap();
    for f in ["a.wasm", "b.wasm", "c.wasm"] {
        install_bytes(dir.path(), f, &bytes);
    }
    install_bytes(dir.path(), "d.wasm", &variant(&bytes, 1));
    let registry = Registry::new(crate::support::engine(), dir.path());
    let a = registry.load("a.wasm").await.unwrap();
    let b = registry.load("b.wasm").await.unwrap();
    assert_eq!(registry.compiles(), 1, "b.wasm reuses a.wasm's code");
    assert_eq!(a.version(), b.version());
    assert_eq!((a.file.as_str(), b.file.as_str()), ("a.wasm", "b.wasm"));
    registry.load("d.wasm").await.unwrap();
    assert_eq!(registry.compiles(), 2, "other bytes compile");

    // Held by a run in flight, a removed version still shares its code.
    registry.remove("a.wasm");
    registry.remove("b.wasm");
    drop(a);
    registry.load("c.wasm").await.unwrap();
    assert_eq!(registry.compiles(), 2, "b's version is still alive");
    registry.remove("c.wasm");
    drop(b);
    registry.load("a.wasm").await.unwrap();
    assert_eq!(
        registry.compiles(),
        3,
        "nothing held the code: compiled again"
    );
}
