//! Start a simulated cluster and a full host on it, from a config template.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lifeguard::config::parse_str;
use lifeguard::daemon::{start, HostHandle, HostOptions};
use lifeguard::sim::{Sim, SimHandle, SimOptions};

use super::guest_path;

/// A sim, a temp dir with the plugin files, and a running host.
pub struct Rig {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub host: Option<HostHandle>,
}

impl Rig {
    pub fn plugin_dir(&self) -> PathBuf {
        self.dir.path().join("plugins")
    }

    pub fn host(&self) -> &HostHandle {
        self.host.as_ref().unwrap()
    }
}

/// Copy test guest `name` into `dir` as `file`, atomically (write then rename).
pub fn install_guest(dir: &Path, name: &str, file: &str) {
    let bytes = std::fs::read(guest_path(name)).unwrap();
    install_bytes(dir, file, &bytes);
}

pub fn install_bytes(dir: &Path, file: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    let tmp = dir.join(format!(".{file}.tmp"));
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, dir.join(file)).unwrap();
}

/// Start a sim (clock stopped) and a host whose config is `tenants_toml` appended to a
/// standard header naming the sim as cluster `main`. `guests` are (test guest, file name).
pub async fn rig(tenants_toml: &str, guests: &[(&str, &str)], host_extra: &str) -> Rig {
    let limits = "fuel = 400000000\ndeadline = \"2s\"";
    rig_with(
        tenants_toml,
        guests,
        host_extra,
        limits,
        HostOptions::default(),
    )
    .await
}

/// [`rig`] with its own `[limits]` body and host options (the clock is always the system's).
pub async fn rig_with(
    tenants_toml: &str,
    guests: &[(&str, &str)],
    host_extra: &str,
    limits: &str,
    options: HostOptions,
) -> Rig {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    for (g, f) in guests {
        install_guest(&plugins, g, f);
    }
    let text = format!(
        r#"
[host]
plugin_dir = "plugins"
state_dir = "state"
audit_file = "state/audit.jsonl"
{interval}
telemetry_listen = ""
shutdown_grace = "5s"
backoff_base = "50ms"
backoff_max = "200ms"
{host_extra}

[limits]
{limits}

[[clusters]]
name = "main"
urls = ["{url}"]

{tenants_toml}
"#,
        url = sim.leader_url(),
        interval = if host_extra.contains("interval") {
            ""
        } else {
            "interval = \"200ms\""
        },
    );
    let cfg_path = dir.path().join("lifeguard.toml");
    std::fs::write(&cfg_path, &text).unwrap();
    let loaded = parse_str(&cfg_path, &text).unwrap();
    let host = start(
        loaded,
        HostOptions {
            clock: Arc::new(lifeguard::runtime::SystemClock),
            ..options
        },
    )
    .await
    .unwrap();
    Rig {
        sim,
        dir,
        host: Some(host),
    }
}

/// `[[tenants]]` block with one plugin.
pub fn tenant(
    name: &str,
    indices: &str,
    plugin: &str,
    file: &str,
    interval: &str,
    config: &str,
) -> String {
    format!(
        r#"
[[tenants]]
name = "{name}"
clusters = ["main"]
indices = ["{indices}"]

[[tenants.plugins]]
name = "{plugin}"
file = "{file}"
interval = "{interval}"
config = {config}
"#
    )
}
