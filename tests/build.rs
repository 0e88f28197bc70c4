//! Builds the guest plugins the end-to-end tests load: `tests/guests/` (test guests, hostile
//! and well-behaved) and `plugins/` (the real tenant plugins), both for `wasm32-wasip2`, with
//! a nested cargo. Their paths reach the tests as `GUESTS_DIR` and `PLUGINS_DIR`. No `.wasm`
//! file is committed: everything is built from source here.
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    for dir in ["tests/guests", "plugins", "wit"] {
        watch(&root.join(dir));
    }
    let guests = build_workspace(&root.join("tests/guests"));
    println!("cargo:rustc-env=GUESTS_DIR={}", guests.display());
    let plugins_ws = root.join("plugins");
    let plugins = if plugins_ws.join("Cargo.toml").exists() {
        build_workspace(&plugins_ws)
    } else {
        PathBuf::new()
    };
    println!("cargo:rustc-env=PLUGINS_DIR={}", plugins.display());
}

/// `cargo build --release --target wasm32-wasip2` in `ws`; returns the artifact directory.
fn build_workspace(ws: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(ws)
        .args(["build", "--release", "--target", "wasm32-wasip2", "--quiet"]);
    // The outer build's settings must not leak into the nested one.
    for var in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PROFILE_RELEASE_DEBUG",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
    ] {
        cmd.env_remove(var);
    }
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => fail(&format!("building {} for wasm32-wasip2 failed ({s}); run `rustup target add wasm32-wasip2` and see the errors above", ws.display())),
        Err(e) => fail(&format!("cannot run cargo for {}: {e}", ws.display())),
    }
    ws.join("target/wasm32-wasip2/release")
}

fn watch(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "target" || name == "node_modules" || name == "python" || name == "js" {
            continue;
        }
        if p.is_dir() {
            watch(&p);
        } else {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1);
}
