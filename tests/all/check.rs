//! `lifeguard check`: a good plugin is described; every kind of broken input gets its own
//! one-line error.
use lifeguard::check::{check_bytes, CheckError};
use lifeguard::runtime::{LoadError, TrapKind};

use crate::support::{engine, guest_path};

async fn check(bytes: Vec<u8>) -> Result<lifeguard::check::CheckReport, CheckError> {
    check_bytes(&engine(), "input.wasm", bytes).await
}

#[tokio::test]
async fn a_good_guest_is_described() {
    let r = check(std::fs::read(guest_path("good")).unwrap())
        .await
        .unwrap();
    assert_eq!(r.info.name, "good");
    assert!(r
        .plugin
        .imports
        .iter()
        .any(|i| i.starts_with("lifeguard:plugin/cluster@0.1.")));
    assert!(r.size_bytes > 1000);
}

#[tokio::test]
async fn text_is_not_wasm() {
    let e = check(b"hello, I am not wasm".to_vec()).await.unwrap_err();
    assert!(
        matches!(
            e,
            CheckError::Load {
                source: LoadError::NotWasm,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("input.wasm: not a WebAssembly file"),
        "{e}"
    );
}

#[tokio::test]
async fn a_truncated_component_is_invalid() {
    let mut bytes = std::fs::read(guest_path("good")).unwrap();
    bytes.truncate(bytes.len() / 2);
    let e = check(bytes).await.unwrap_err();
    assert!(
        matches!(
            e,
            CheckError::Load {
                source: LoadError::Invalid(_),
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.to_string().lines().count(), 1, "{e}");
}

#[tokio::test]
async fn a_core_module_is_named_as_such() {
    let e = check(wat::parse_str("(module)").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            CheckError::Load {
                source: LoadError::CoreModule,
                ..
            }
        ),
        "{e}"
    );
}

#[tokio::test]
async fn a_component_of_another_world_is_rejected() {
    let e = check(wat::parse_str("(component)").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            CheckError::Load {
                source: LoadError::WrongWorld(_),
                ..
            }
        ),
        "{e}"
    );
}

#[tokio::test]
async fn a_component_of_another_version_is_rejected() {
    let wat = r#"(component (import "lifeguard:plugin/cluster@0.2.0" (instance)))"#;
    let e = check(wat::parse_str(wat).unwrap()).await.unwrap_err();
    match e {
        CheckError::Load {
            source: LoadError::WrongVersion { found },
            ..
        } => {
            assert_eq!(found, "lifeguard:plugin/cluster@0.2.0")
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn an_import_the_host_does_not_provide_is_named() {
    let e = check(std::fs::read(guest_path("sockets")).unwrap())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("imports `wasi:sockets/"), "{e}");
}

#[tokio::test]
async fn a_panic_in_describe_is_reported() {
    let e = check(std::fs::read(guest_path("dpanic")).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            CheckError::Describe {
                kind: TrapKind::GuestPanic,
                ..
            }
        ),
        "{e}"
    );
}

#[tokio::test]
async fn a_loop_in_describe_runs_out_of_fuel() {
    let e = check(std::fs::read(guest_path("dloop")).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            CheckError::Describe {
                kind: TrapKind::OutOfFuel,
                ..
            }
        ),
        "{e}"
    );
}
