//! The bad-config corpus: each file under `tests/corpus/bad-configs/` breaks one rule and
//! says in `# expect:` header lines what the loader must answer. Every answer is placed:
//! `<path>/<file>.toml:<line>:<col>: <key>: <what is wrong>`.
use std::path::{Path, PathBuf};

use lifeguard::config::{load_file, parse_str, ConfigError};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/bad-configs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// The `# expect:` fragments of a corpus file.
fn expectations(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .collect()
}

/// Checks `file:line:col: key: message` and returns the line and the key.
fn placed<'m>(msg: &'m str, name: &str) -> Result<(usize, &'m str), String> {
    let at = msg
        .find(&format!("{name}:"))
        .ok_or_else(|| format!("no file name in {msg:?}"))?;
    let rest = &msg[at + name.len() + 1..];
    let mut parts = rest.splitn(4, ':');
    let line: usize = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
    let col: usize = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    let key = parts.next().map(str::trim).unwrap_or("");
    if line == 0 || col == 0 || key.is_empty() || key.contains(' ') || parts.next().is_none() {
        return Err(format!("not file:line:col: key: message: {msg:?}"));
    }
    Ok((line, key))
}

#[test]
fn every_bad_config_is_refused_with_file_line_and_key() {
    let files = corpus();
    assert!(files.len() >= 20, "only {} corpus files", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(f).unwrap();
        let expect = expectations(&text);
        assert!(!expect.is_empty(), "{name}: no `# expect:` line");
        let msg = match load_file(f) {
            Ok(_) => {
                failures.push(format!("{name}: loaded"));
                continue;
            }
            Err(e) => e.to_string(),
        };
        if let Err(why) = placed(&msg, &name) {
            failures.push(format!("{name}: {why}"));
        }
        for x in expect {
            if !msg.contains(x) {
                failures.push(format!("{name}: expected {x:?}\n    got {msg:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Without touching the filesystem (`parse_str`), the same files fail the same way, except
/// the one whose problem is a missing plugin file.
#[test]
fn parsing_without_the_filesystem_agrees() {
    for f in corpus() {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&f).unwrap();
        let shown = Path::new("x").join(&name);
        match parse_str(&shown, &text) {
            Ok(_) => assert_eq!(name, "plugin-missing.toml", "{name} parsed"),
            Err(e) => {
                assert!(matches!(e, ConfigError::At { .. }), "{name}: {e}");
                let msg = e.to_string();
                let (line, key) = placed(&msg, &name).unwrap();
                let from_disk = load_file(&f).unwrap_err().to_string();
                let (disk_line, disk_key) = placed(&from_disk, &name).unwrap();
                assert_eq!((line, key), (disk_line, disk_key), "{name}");
            }
        }
    }
}
