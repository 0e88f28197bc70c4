//! Reading a config file. Every error is rendered `file:line:col: key: message`, where `key`
//! is the full path of the offending value (see [`super::locate`]); only a problem with the
//! file as a whole (unreadable) lacks a line.
use std::fmt::Display;
use std::path::{Path, PathBuf};

use super::locate::{Locator, Seg};
use super::Loaded;

/// A config problem, rendered as `file:line:col: key: message`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file, as given.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// A problem at a place in the file; `message` starts with the key.
    #[error("{file}:{line}:{col}: {message}")]
    At {
        /// The file, as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column, in bytes.
        col: usize,
        /// `key: what is wrong`.
        message: String,
    },
    /// A problem without a place (a default value, or a parser error without a span).
    #[error("{file}: {message}")]
    File {
        /// The file, as given.
        file: String,
        /// `key: what is wrong`, when there is a key.
        message: String,
    },
}

/// Read, parse and validate `path`, and check that every plugin file exists.
pub fn load_file(path: &Path) -> Result<Loaded, ConfigError> {
    // Relative paths inside the file resolve against its directory, which must be absolute.
    let path = &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        file: path.display().to_string(),
        source,
    })?;
    let loaded = parse_str(path, &text)?;
    check_files(&loaded, &Validator::new(path, &text))?;
    Ok(loaded)
}

/// Parse and validate `text` (named `path` in errors). Does not touch the filesystem.
pub fn parse_str(path: &Path, text: &str) -> Result<Loaded, ConfigError> {
    let v = Validator::new(path, text);
    let config: super::Config = toml::from_str(text).map_err(|e| v.toml_error(&e))?;
    let resolved = v.validate(&config)?;
    Ok(Loaded {
        path: PathBuf::from(path),
        config,
        resolved,
    })
}

fn check_files(loaded: &Loaded, v: &Validator<'_>) -> Result<(), ConfigError> {
    use Seg::{Index as I, Key as K};
    let dir = loaded.plugin_dir();
    for (ti, t) in loaded.config.tenants.iter().enumerate() {
        for (pi, p) in t.plugins.iter().enumerate() {
            let f = dir.join(p.file.get_ref());
            if !f.is_file() {
                return Err(v.at(
                    &[K("tenants"), I(ti), K("plugins"), I(pi), K("file")],
                    format!(
                        "plugin file {} does not exist (plugin_dir is {})",
                        f.display(),
                        dir.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The text being checked and where its keys are; builds located errors.
pub(super) struct Validator<'a> {
    file: String,
    text: &'a str,
    locator: Option<Locator>,
}

impl<'a> Validator<'a> {
    fn new(path: &Path, text: &'a str) -> Self {
        Validator {
            file: path.display().to_string(),
            text,
            locator: Locator::new(text),
        }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        // Spans come from the parser, but a byte offset inside a character must not panic.
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
        (line, col)
    }

    fn placed(&self, offset: usize, message: String) -> ConfigError {
        let (line, col) = self.line_col(offset);
        ConfigError::At {
            file: self.file.clone(),
            line,
            col,
            message,
        }
    }

    /// An error about the value at `path`: with its line and shown key when the file has it;
    /// a default value (not in the file) gets the key alone.
    pub(super) fn at(&self, path: &[Seg<'_>], message: impl Display) -> ConfigError {
        match self.locator.as_ref().and_then(|l| l.find(path)) {
            Some((shown, span)) => self.placed(span.start, format!("{shown}: {message}")),
            None => ConfigError::File {
                file: self.file.clone(),
                message: format!("{}: {message}", show(path)),
            },
        }
    }

    fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let message = e.message().trim_end().to_string();
        let Some(span) = e.span() else {
            return ConfigError::File {
                file: self.file.clone(),
                message,
            };
        };
        let key = match self.locator.as_ref().and_then(|l| l.path_at(span.start)) {
            Some(k) => Some(k.to_owned()),
            None => self.key_at(span.start),
        };
        self.placed(
            span.start,
            match key {
                Some(k) => format!("{k}: {message}"),
                None => message,
            },
        )
    }

    /// The key written on the line of `offset`, if the line is `key = …`, under the table
    /// header above it: the best guess when the text is not TOML and so has no key paths.
    fn key_at(&self, offset: usize) -> Option<String> {
        let (line, _) = self.line_col(offset);
        let lines: Vec<&str> = self.text.lines().take(line).collect();
        let (k, _) = lines.last()?.split_once('=')?;
        let k = k.trim();
        if k.is_empty() || k.starts_with('[') {
            return None;
        }
        let table = lines
            .iter()
            .rev()
            .map(|l| l.trim())
            .find(|l| l.starts_with('['))
            .map(|h| h.trim_matches(|c| c == '[' || c == ']').trim());
        Some(match table {
            Some(t) if !t.is_empty() => format!("{t}.{k}"),
            _ => k.to_string(),
        })
    }
}

/// A key path as text when the file does not have it (only defaults are missing).
fn show(path: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
        assert_eq!(l.resolved.tick_period, Duration::from_secs(30));
    }

    #[test]
    fn the_tick_period_is_the_shortest_interval() {
        let text = GOOD.replace(
            "file = \"tuner.wasm\"",
            "file = \"tuner.wasm\"\ninterval = \"5s\"",
        );
        let l = parse(&text).unwrap();
        assert_eq!(
            l.resolved.plugin_intervals,
            vec![vec![Duration::from_secs(5)]]
        );
        assert_eq!(l.resolved.tick_period, Duration::from_secs(5));
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

    #[test]
    fn cool_down_is_a_duration_and_the_old_key_is_deprecated() {
        let new = parse(&format!("{GOOD}\n[guard.breaker]\ncool_down = \"2m\"\n")).unwrap();
        assert_eq!(new.config.guard.breaker.cool_down_ms(), 120_000);
        assert!(
            new.resolved.warnings.is_empty(),
            "{:?}",
            new.resolved.warnings
        );
        let old = parse(&format!("{GOOD}\n[guard.breaker]\ncool_down_secs = 7\n")).unwrap();
        assert_eq!(old.config.guard.breaker.cool_down_ms(), 7_000);
        let w = old.resolved.warnings.join("\n");
        assert!(
            w.contains("guard.breaker.cool_down_secs: deprecated"),
            "{w}"
        );
        assert!(w.contains("cool_down = \"7s\""), "{w}");
        let bad = parse(&format!("{GOOD}\n[guard.breaker]\ncool_down = \"soon\"\n"));
        let e = bad.unwrap_err().to_string();
        assert!(e.contains("cool_down") && e.contains("bad duration"), "{e}");
    }
}
