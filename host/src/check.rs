//! `lifeguard check`: everything the host verifies before a plugin is ever scheduled.
use std::path::Path;
use std::time::Duration;

use crate::bindings::types::{Capability, PluginInfo};
use crate::runtime::{describe, Engine, Limits, LoadError, LoadedPlugin, TrapKind};

/// Why a file failed the check. Each renders as one line naming the problem.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Load { path: String, source: LoadError },
    #[error("{path}: describe() was stopped ({kind}): {message}")]
    Describe {
        path: String,
        kind: TrapKind,
        message: String,
    },
}

/// What a successful check found.
#[derive(Debug)]
pub struct CheckReport {
    pub plugin: LoadedPlugin,
    pub info: PluginInfo,
    pub size_bytes: usize,
    pub compile_time: Duration,
}

/// Validate, compile and describe the plugin at `path`.
pub async fn check_file(engine: &Engine, path: &Path) -> Result<CheckReport, CheckError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| CheckError::Read {
        path: shown.clone(),
        source,
    })?;
    check_bytes(engine, &shown, bytes).await
}

/// Validate, compile (off the async runtime) and describe `bytes`; `shown` names them in errors.
pub async fn check_bytes(
    engine: &Engine,
    shown: &str,
    bytes: Vec<u8>,
) -> Result<CheckReport, CheckError> {
    let e = engine.clone();
    let plugin = tokio::task::spawn_blocking(move || LoadedPlugin::load(&e, &bytes))
        .await
        .map_err(|j| CheckError::Load {
            path: shown.into(),
            source: LoadError::Invalid(format!("compile task failed: {j}")),
        })?
        .map_err(|source| CheckError::Load {
            path: shown.into(),
            source,
        })?;
    let info = describe(engine, &plugin, &describe_limits())
        .await
        .map_err(|(kind, message)| CheckError::Describe {
            path: shown.into(),
            kind,
            message: first_line(&message),
        })?;
    Ok(CheckReport {
        size_bytes: plugin.size_bytes,
        compile_time: plugin.compile_time,
        plugin,
        info,
    })
}

/// `describe()` gets the default fuel but a generous deadline: it runs once per load, and
/// a loaded machine should not turn a fuel verdict into a deadline one.
fn describe_limits() -> Limits {
    Limits {
        fuel: 2_000_000_000,
        deadline: Duration::from_secs(20),
        ..Limits::default()
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

/// The WIT name of a capability.
pub fn capability_name(c: Capability) -> &'static str {
    match c {
        Capability::ClusterRead => "cluster-read",
        Capability::ClusterWrite => "cluster-write",
        Capability::IsmRead => "ism-read",
        Capability::IsmWrite => "ism-write",
        Capability::CcrRead => "ccr-read",
        Capability::CcrWrite => "ccr-write",
        Capability::Metrics => "metrics",
        Capability::State => "state",
        Capability::RawRequest => "raw-request",
    }
}

/// The human-readable report printed by `lifeguard check`.
pub fn render(path: &str, r: &CheckReport) -> String {
    let caps: Vec<&str> = r
        .info
        .capabilities
        .iter()
        .copied()
        .map(capability_name)
        .collect();
    let mut out = format!(
        "ok: {path}\n  plugin:       {} {}\n  description:  {}\n  capabilities: {}\n  version:      {} (content hash)\n  size:         {} bytes\n  compile time: {:.1} ms\n  imports:\n",
        r.info.name,
        r.info.version,
        r.info.description,
        if caps.is_empty() { "(none)".to_string() } else { caps.join(", ") },
        r.plugin.version,
        r.size_bytes,
        r.compile_time.as_secs_f64() * 1e3,
    );
    for i in &r.plugin.imports {
        out.push_str("    ");
        out.push_str(i);
        out.push('\n');
    }
    out
}
