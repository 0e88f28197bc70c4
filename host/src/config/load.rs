//! Reading and validating a config file. Errors carry `file:line:col` and the key.
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::units::{parse_duration, parse_size};
use super::{Config, Loaded, OverlapPolicy, Resolved};

/// A config problem, rendered as `file:line:col: key: message`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}:{line}:{col}: {message}")]
    At {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    File { file: String, message: String },
}

/// Read, parse and validate `path`.
pub fn load_file(path: &Path) -> Result<Loaded, ConfigError> {
    // Relative paths inside the file resolve against its directory, which must be absolute.
    let path = &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        file: path.display().to_string(),
        source,
    })?;
    let loaded = parse_str(path, &text)?;
    check_files(&loaded)?;
    Ok(loaded)
}

/// Parse and validate `text` (named `path` in errors). Does not touch the filesystem.
pub fn parse_str(path: &Path, text: &str) -> Result<Loaded, ConfigError> {
    let v = Validator {
        file: path.display().to_string(),
        text,
    };
    let config: Config = toml::from_str(text).map_err(|e| v.toml_error(&e))?;
    let resolved = v.validate(&config)?;
    Ok(Loaded {
        path: PathBuf::from(path),
        config,
        resolved,
    })
}

fn check_files(loaded: &Loaded) -> Result<(), ConfigError> {
    let dir = loaded.plugin_dir();
    let v = Validator {
        file: loaded.path.display().to_string(),
        text: &std::fs::read_to_string(&loaded.path).unwrap_or_default(),
    };
    for t in &loaded.config.tenants {
        for p in &t.plugins {
            let f = dir.join(p.file.get_ref());
            if !f.is_file() {
                return Err(v.at(
                    &p.file,
                    format!(
                        "tenants.plugins.file: plugin file {} does not exist (plugin_dir is {})",
                        f.display(),
                        dir.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

struct Validator<'a> {
    file: String,
    text: &'a str,
}

impl Validator<'_> {
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
        (line, col)
    }

    fn at<T>(&self, spanned: &Spanned<T>, message: String) -> ConfigError {
        let span = spanned.span();
        if span.start == 0 && span.end == 0 {
            // A default value: it has no place in the file.
            return ConfigError::File {
                file: self.file.clone(),
                message,
            };
        }
        let (line, col) = self.line_col(span.start);
        ConfigError::At {
            file: self.file.clone(),
            line,
            col,
            message,
        }
    }

    fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let message = e.message().to_string();
        match e.span() {
            Some(span) => {
                let (line, col) = self.line_col(span.start);
                let key = self.key_at(span.start);
                ConfigError::At {
                    file: self.file.clone(),
                    line,
                    col,
                    message: match key {
                        Some(k) => format!("{k}: {message}"),
                        None => message,
                    },
                }
            }
            None => ConfigError::File {
                file: self.file.clone(),
                message,
            },
        }
    }

    /// The key written on the line of `offset`, if the line is `key = …`.
    fn key_at(&self, offset: usize) -> Option<String> {
        let start = self.text[..offset.min(self.text.len())]
            .rfind('\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        let line = self.text[start..].lines().next()?;
        let (k, _) = line.split_once('=')?;
        let k = k.trim();
        (!k.is_empty() && !k.starts_with('[')).then(|| k.to_string())
    }

    fn file_error(&self, message: String) -> ConfigError {
        ConfigError::File {
            file: self.file.clone(),
            message,
        }
    }

    fn duration(&self, key: &str, s: &Spanned<String>) -> Result<Duration, ConfigError> {
        let d = parse_duration(s.get_ref()).map_err(|m| self.at(s, format!("{key}: {m}")))?;
        if d.is_zero() {
            return Err(self.at(s, format!("{key}: must be more than zero")));
        }
        Ok(d)
    }

    fn size(&self, key: &str, s: &Spanned<String>) -> Result<u64, ConfigError> {
        parse_size(s.get_ref()).map_err(|m| self.at(s, format!("{key}: {m}")))
    }

    fn validate(&self, c: &Config) -> Result<Resolved, ConfigError> {
        let interval = self.duration("host.interval", &c.host.interval)?;
        let shutdown_grace = self.duration("host.shutdown_grace", &c.host.shutdown_grace)?;
        let backoff_base = self.duration("host.backoff_base", &c.host.backoff_base)?;
        let backoff_max = self.duration("host.backoff_max", &c.host.backoff_max)?;
        let deadline = self.duration("limits.deadline", &c.limits.deadline)?;
        let memory_bytes = self.size("limits.memory", &c.limits.memory)?;
        let max_arg_bytes = self.size("limits.max_arg", &c.limits.max_arg)?;
        let mut clusters = HashSet::new();
        for cl in &c.clusters {
            if !clusters.insert(cl.name.clone()) {
                return Err(self.file_error(format!(
                    "clusters.name: cluster [{}] is defined twice",
                    cl.name
                )));
            }
            if cl.urls.is_empty() {
                return Err(
                    self.file_error(format!("clusters.urls: cluster [{}] has no URL", cl.name))
                );
            }
        }
        let mut tenants = HashSet::new();
        let mut plugin_intervals = Vec::new();
        for t in &c.tenants {
            if !tenants.insert(t.name.clone()) {
                return Err(ConfigError::File {
                    file: self.file.clone(),
                    message: format!("tenants.name: tenant [{}] is defined twice", t.name),
                });
            }
            if t.clusters.is_empty() {
                return Err(ConfigError::File {
                    file: self.file.clone(),
                    message: format!("tenants.clusters: tenant [{}] names no cluster", t.name),
                });
            }
            for alias in &t.clusters {
                if !clusters.contains(alias.get_ref()) {
                    return Err(self.at(
                        alias,
                        format!(
                            "tenants.clusters: tenant [{}] names unknown cluster [{}]",
                            t.name,
                            alias.get_ref()
                        ),
                    ));
                }
            }
            let mut names = HashSet::new();
            let mut intervals = Vec::new();
            for p in &t.plugins {
                if !names.insert(p.name.clone()) {
                    return Err(self.at(
                        &p.file,
                        format!(
                            "tenants.plugins.name: plugin [{}] appears twice in tenant [{}]",
                            p.name, t.name
                        ),
                    ));
                }
                if !p.config.is_table() {
                    return Err(self.at(
                        &p.file,
                        format!(
                            "tenants.plugins.config: plugin [{}] config must be a table",
                            p.name
                        ),
                    ));
                }
                intervals.push(match &p.interval {
                    Some(i) => self.duration("tenants.plugins.interval", i)?,
                    None => interval,
                });
            }
            plugin_intervals.push(intervals);
        }
        let warnings = self.overlaps(c)?;
        Ok(Resolved {
            interval,
            shutdown_grace,
            backoff_base,
            backoff_max,
            deadline,
            memory_bytes,
            max_arg_bytes,
            plugin_intervals,
            warnings,
        })
    }

    /// Two tenants granted the same index pattern.
    fn overlaps(&self, c: &Config) -> Result<Vec<String>, ConfigError> {
        let mut warnings = Vec::new();
        for (i, a) in c.tenants.iter().enumerate() {
            for b in &c.tenants[i + 1..] {
                for pa in &a.indices {
                    for pb in &b.indices {
                        let (x, y) = (pa.get_ref(), pb.get_ref());
                        if x == y || glob_covers(x, y) || glob_covers(y, x) {
                            let msg = format!(
                                "tenants.indices: tenants [{}] and [{}] are both granted [{}]/[{}]",
                                a.name, b.name, x, y
                            );
                            if c.host.on_overlap == OverlapPolicy::Reject {
                                return Err(self.at(pb, msg));
                            }
                            warnings.push(msg);
                        }
                    }
                }
            }
        }
        Ok(warnings)
    }
}

/// Whether pattern `wide` matches the literal text of `narrow` (a conservative overlap test).
fn glob_covers(wide: &str, narrow: &str) -> bool {
    crate::pattern::wildcard_match(wide, narrow)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Loaded, ConfigError> {
        parse_str(Path::new("lg.toml"), text)
    }

    const GOOD: &str = r#"
[host]
interval = "30s"

[[clusters]]
name = "main"
urls = ["http://127.0.0.1:9200"]

[[tenants]]
name = "a"
clusters = ["main"]
indices = ["logs-a-*"]

[[tenants.plugins]]
name = "tuner"
file = "tuner.wasm"
config = { target = "30gb" }
"#;

    #[test]
    fn a_good_file_resolves() {
        let l = parse(GOOD).unwrap();
        assert_eq!(l.resolved.interval, Duration::from_secs(30));
        assert_eq!(
            l.resolved.plugin_intervals,
            vec![vec![Duration::from_secs(30)]]
        );
        assert_eq!(l.resolved.memory_bytes, 64 << 20);
    }

    #[test]
    fn an_unknown_key_names_line_and_key() {
        let text = GOOD.replace(
            "interval = \"30s\"",
            "interval = \"30s\"\nintervall = \"1m\"",
        );
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.starts_with("lg.toml:4:"), "{e}");
        assert!(e.contains("intervall"), "{e}");
    }

    #[test]
    fn a_bad_duration_names_line_and_key() {
        let text = GOOD.replace("\"30s\"", "\"soon\"");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.starts_with("lg.toml:3:"), "{e}");
        assert!(e.contains("host.interval"), "{e}");
    }

    #[test]
    fn an_unknown_cluster_is_named() {
        let text = GOOD.replace("clusters = [\"main\"]", "clusters = [\"mian\"]");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("unknown cluster [mian]"), "{e}");
        assert!(e.starts_with("lg.toml:11:"), "{e}");
    }

    #[test]
    fn overlapping_grants_warn_or_reject() {
        let two = format!(
            "{GOOD}\n[[tenants]]\nname = \"b\"\nclusters = [\"main\"]\nindices = [\"logs-*\"]\n"
        );
        let l = parse(&two).unwrap();
        assert_eq!(l.resolved.warnings.len(), 1);
        let rejecting = two.replace(
            "interval = \"30s\"",
            "interval = \"30s\"\non_overlap = \"reject\"",
        );
        let e = parse(&rejecting).unwrap_err().to_string();
        assert!(e.contains("both granted"), "{e}");
    }

    #[test]
    fn a_bad_size_is_named() {
        let text = format!("{GOOD}\n[limits]\nmemory = \"lots\"\n");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("limits.memory"), "{e}");
    }
}
