//! The loader on arbitrary and near-valid text: it may refuse, it must not panic, and a
//! refusal names the file, the line and the key.
use std::path::Path;

use proptest::prelude::*;

use super::{parse_str, ConfigError};

const FILE: &str = "lg.toml";

/// A file that loads; mutations below start from it.
const GOOD: &str = r#"[host]
interval = "30s"
shutdown_grace = "10s"
telemetry_listen = "127.0.0.1:9464"
max_concurrent_runs = 8
dry_run = false
on_overlap = "warn"

[limits]
fuel = 1000
deadline = "5s"
memory = "64mb"
max_arg = "4mb"
quarantine_after = 3

[guard]
audit_max_size = "64mb"
audit_keep = 10
policy_backups_keep = 20

[[clusters]]
name = "main"
urls = ["http://127.0.0.1:9200"]
connect_timeout = "2s"

[[tenants]]
name = "a"
clusters = ["main"]
indices = ["logs-a-*"]

[[tenants.plugins]]
name = "tuner"
file = "tuner.wasm"
interval = "1m"
config = { target = "30gb" }
"#;

/// TOML values near the valid ones, `|`-separated.
const NEAR_VALID: &str = concat!(
    r#""0"|"0s"|"1.5s"|"-1s"|"20"|"5 m"|"1h 30m"|"0b"|"64MiB"|"1e3"|"lots"|""|"::1"|"#,
    r#""[::1]:80"|"localhost"|"http://h:9200"|"ftp://h"|"http://u:p@h"|"logs-?"|"reject"|"#,
    r#"0|-1|1|18446744073709551615|9223372036854775807|1.5|nan|inf|true|[]|["main"]|[1, 2]|"#,
    r#"{}|{ a = 1 }|1979-05-27"#,
);

/// Values of every TOML type, and strings near the valid ones.
fn value() -> impl Strategy<Value = String> {
    let quoted = |s: String| toml::Value::String(s).to_string();
    prop_oneof![
        prop::sample::select(NEAR_VALID.split('|').collect::<Vec<_>>()).prop_map(str::to_owned),
        any::<i64>().prop_map(|n| n.to_string()),
        "[0-9]{1,4}(ms|s|m|h|d|kb|mb|gb|x)?".prop_map(quoted),
        "\\PC{0,12}".prop_map(quoted),
    ]
}

/// The 1-based line of the first `key = …` line (0 if none).
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(&format!("{key} = ")))
        .map_or(0, |i| i + 1)
}

/// Keys whose value alone decides whether the file loads (no cross-field checks).
const KEYS: &[(&str, &str)] = &[
    ("interval", "host.interval"),
    ("shutdown_grace", "host.shutdown_grace"),
    ("telemetry_listen", "host.telemetry_listen"),
    ("max_concurrent_runs", "host.max_concurrent_runs"),
    ("dry_run", "host.dry_run"),
    ("on_overlap", "host.on_overlap"),
    ("fuel", "limits.fuel"),
    ("deadline", "limits.deadline"),
    ("memory", "limits.memory"),
    ("max_arg", "limits.max_arg"),
    ("quarantine_after", "limits.quarantine_after"),
    ("connect_timeout", "clusters[main].connect_timeout"),
    ("audit_max_size", "guard.audit_max_size"),
    ("audit_keep", "guard.audit_keep"),
    ("policy_backups_keep", "guard.policy_backups_keep"),
];

fn parse(text: &str) -> Result<super::Loaded, ConfigError> {
    parse_str(Path::new(FILE), text)
}

/// Every error starts with the file; a placed one has a line inside the file.
fn well_placed(e: &ConfigError, text: &str) -> bool {
    match e {
        ConfigError::At { file, line, .. } => file == FILE && *line <= text.lines().count() + 1,
        ConfigError::File { file, .. } | ConfigError::Read { file, .. } => file == FILE,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        if let Err(e) = parse(&text) {
            prop_assert!(well_placed(&e, &text), "{}", e);
        }
    }

    /// Lines of the good file, shuffled, dropped and duplicated: real keys in wrong places.
    #[test]
    fn reshuffled_lines_never_panic(picks in prop::collection::vec(any::<prop::sample::Index>(), 0..40)) {
        let lines: Vec<&str> = GOOD.lines().collect();
        let text: String = picks.iter().map(|i| format!("{}\n", lines[i.index(lines.len())])).collect();
        if let Err(e) = parse(&text) {
            prop_assert!(well_placed(&e, &text), "{}", e);
        }
    }

    /// One value replaced: the file loads, or the error points at that line and names the key.
    #[test]
    fn a_bad_value_is_named_at_its_line(k in 0..KEYS.len(), v in value()) {
        let (key, shown) = KEYS[k];
        let line = line_of(GOOD, key);
        let text: String = GOOD
            .lines()
            .enumerate()
            .map(|(i, l)| if i + 1 == line { format!("{key} = {v}\n") } else { format!("{l}\n") })
            .collect();
        if let Err(e) = parse(&text) {
            let msg = e.to_string();
            prop_assert!(msg.starts_with(&format!("{FILE}:{line}:")), "{}", msg);
            // An inline table in place of a scalar is named down to the offending inner key.
            prop_assert!(
                msg.contains(&format!(": {shown}: ")) || msg.contains(&format!(": {shown}.")),
                "{}",
                msg
            );
        }
    }
}

#[test]
fn the_base_file_loads() {
    let l = parse(GOOD).unwrap();
    assert_eq!(l.resolved.memory_bytes, 64 << 20);
    assert!(KEYS.iter().all(|(k, _)| line_of(GOOD, k) > 0));
}
