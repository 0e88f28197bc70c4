//! The host configuration of a test: one tenant owning everything, one plugin, the
//! simulator's clusters (`leader`, and `follower` for a pair), built as a TOML table and read
//! through the normal config loader so every check of `lifeguard run` applies.
use std::path::Path;
use std::time::Duration;

use crate::config::{parse_str, Loaded};

use super::TestError;

/// What the config needs to know.
pub struct Setup<'a> {
    pub plugin: &'a Path,
    /// The plugin's configuration (`--config`), a JSON object.
    pub plugin_config: &'a serde_json::Value,
    pub leader_url: &'a str,
    pub follower_url: Option<&'a str>,
    pub scratch: &'a Path,
    pub every: Duration,
}

/// The plugin's job name: its file name, as the config accepts names.
pub fn job_name(plugin: &Path) -> String {
    let stem = plugin
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("plugin");
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() {
        "plugin".into()
    } else {
        name
    }
}

pub fn build(s: &Setup<'_>) -> Result<Loaded, TestError> {
    let abs = std::path::absolute(s.plugin).unwrap_or_else(|_| s.plugin.to_path_buf());
    let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let file = abs
        .file_name()
        .and_then(|f| f.to_str())
        .ok_or_else(|| TestError::Input(format!("{}: not a file name", s.plugin.display())))?;
    let plugin_config = toml::Value::try_from(s.plugin_config).map_err(|e| {
        TestError::Input(format!("--config: cannot be a plugin configuration: {e}"))
    })?;
    let mut clusters = vec![cluster("leader", s.leader_url)];
    let mut names = vec![toml::Value::from("leader")];
    if let Some(f) = s.follower_url {
        clusters.push(cluster("follower", f));
        names.push("follower".into());
    }
    let every = humantime::format_duration(s.every)
        .to_string()
        .replace(' ', "");
    let mut host = toml::Table::new();
    host.insert("plugin_dir".into(), dir.display().to_string().into());
    let state = s.scratch.join("state");
    host.insert("state_dir".into(), state.display().to_string().into());
    let audit = s.scratch.join("audit.jsonl");
    host.insert("audit_file".into(), audit.display().to_string().into());
    host.insert("interval".into(), every.into());
    let mut doc = toml::Table::new();
    doc.insert("host".into(), host.into());
    doc.insert("clusters".into(), toml::Value::Array(clusters));
    let mut plugin = toml::Table::new();
    plugin.insert("name".into(), job_name(s.plugin).into());
    plugin.insert("file".into(), file.into());
    plugin.insert("config".into(), plugin_config);
    let mut tenant = toml::Table::new();
    tenant.insert("name".into(), "test".into());
    tenant.insert("clusters".into(), toml::Value::Array(names));
    for key in ["indices", "policies", "autofollow_rules"] {
        tenant.insert(key.into(), toml::Value::Array(vec!["*".into()]));
    }
    tenant.insert("plugins".into(), toml::Value::Array(vec![plugin.into()]));
    doc.insert("tenants".into(), toml::Value::Array(vec![tenant.into()]));
    let text = toml::to_string(&doc).map_err(|e| TestError::Input(e.to_string()))?;
    let path = s.scratch.join("lifeguard.toml");
    // Written for whoever inspects a failed run; the loader reads the text itself.
    let _ = std::fs::write(&path, &text);
    Ok(parse_str(&path, &text)?)
}

fn cluster(name: &str, url: &str) -> toml::Value {
    let mut t = toml::Table::new();
    t.insert("name".into(), name.into());
    t.insert("urls".into(), toml::Value::Array(vec![url.into()]));
    t.into()
}
