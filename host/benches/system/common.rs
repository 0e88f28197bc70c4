//! Rows, child processes, machine facts, `/proc` readings and the Markdown table.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub metric: String,
    pub value: String,
    pub goal: String,
    /// `Some(true)` met, `Some(false)` missed, `None` no goal.
    pub met: Option<bool>,
}

impl Row {
    pub fn new(metric: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            metric: metric.into(),
            value: value.into(),
            goal: String::new(),
            met: None,
        }
    }

    pub fn goal(mut self, goal: impl Into<String>, met: bool) -> Self {
        self.goal = goal.into();
        self.met = Some(met);
        self
    }

    /// The wire form a child prints on stdout: `ROW\tmetric\tvalue\tgoal\tmet`.
    pub fn emit(&self) {
        let met = match self.met {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        println!(
            "ROW\t{}\t{}\t{}\t{met}",
            clean(&self.metric),
            clean(&self.value),
            clean(&self.goal)
        );
    }

    fn parse(line: &str) -> Option<Self> {
        let mut it = line.strip_prefix("ROW\t")?.split('\t');
        let metric = it.next()?.to_string();
        let value = it.next()?.to_string();
        let goal = it.next().unwrap_or("").to_string();
        let met = match it.next().unwrap_or("") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        Some(Self {
            metric,
            value,
            goal,
            met,
        })
    }
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n'], " ")
}

/// Run one section in a child process, streaming its stderr, and collect its rows. A child
/// that fails or outlives `limit_secs` yields an error row instead.
pub fn run_section(exe: &Path, name: &str, limit_secs: u64) -> Vec<Row> {
    let child = Command::new(exe)
        .env("LIFEGUARD_BENCH_SECTION", name)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return vec![Row::new(format!("{name}: not run"), e.to_string())],
    };
    let Some(stdout) = child.stdout.take() else {
        return vec![Row::new(format!("{name}: not run"), "no stdout")];
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(limit_secs);
    let mut rows = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                if let Some(r) = Row::parse(&line) {
                    rows.push(r);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            rows.push(Row::new(
                format!("{name}: stopped"),
                format!("over its {limit_secs} s limit"),
            ));
            break;
        }
    }
    match child.wait() {
        Ok(s) if s.success() => {}
        Ok(s) => rows.push(Row::new(format!("{name}: failed"), s.to_string())),
        Err(e) => rows.push(Row::new(format!("{name}: failed"), e.to_string())),
    }
    rows
}

/// User + system CPU seconds of this process, from `/proc/self/stat` (clock ticks of 1/100 s).
pub fn cpu_seconds() -> f64 {
    cpu_seconds_of("/proc/self/stat")
}

/// User + system CPU seconds from a `/proc/<pid>/stat` file.
pub fn cpu_seconds_of(stat_path: &str) -> f64 {
    let stat = std::fs::read_to_string(stat_path).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

/// Resident set size in bytes, from `/proc/self/status`.
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

pub fn plugin_dir() -> PathBuf {
    std::env::var_os("LIFEGUARD_PLUGIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("build/plugins"))
}

pub fn guests_dir() -> PathBuf {
    std::env::var_os("LIFEGUARD_GUESTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("tests/guests/target/wasm32-wasip2/release"))
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, else `<repo>/target`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// Where criterion left the results of `group/id` from the last `cargo bench`.
pub fn criterion_dir(group: &str, id: &str) -> PathBuf {
    target_dir()
        .join("criterion")
        .join(group)
        .join(id)
        .join("new")
}

/// The median of criterion's last run of `group/id`, in ns.
pub fn criterion_median_ns(group: &str, id: &str) -> Option<f64> {
    let bytes = std::fs::read(criterion_dir(group, id).join("estimates.json")).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v["median"]["point_estimate"].as_f64()
}

/// Where the bench keeps its compile cache and scratch files (under `target/`).
pub fn scratch(name: &str) -> PathBuf {
    let d = target_dir()
        .join("lifeguard-bench")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::create_dir_all(&d);
    d
}

/// `bytes` with a custom section `lifeguard-bench` holding `n` appended: a distinct file
/// (another content hash, another plugin version) with the same code.
pub fn variant(bytes: &[u8], n: u64) -> Vec<u8> {
    let name = b"lifeguard-bench";
    let payload = n.to_le_bytes();
    let mut body = Vec::new();
    leb(&mut body, name.len() as u64);
    body.extend_from_slice(name);
    body.extend_from_slice(&payload);
    let mut out = bytes.to_vec();
    out.push(0);
    leb(&mut out, body.len() as u64);
    out.extend_from_slice(&body);
    out
}

fn leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
}

fn machine() -> Vec<(String, String)> {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or("unknown".into(), |kb| format!("{:.1} GiB", kb / 1048576.0));
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    vec![
        ("date".into(), date),
        ("cpus (nproc)".into(), cpus.to_string()),
        ("cpu model".into(), model),
        ("memory".into(), mem),
        ("rustc".into(), rustc),
    ]
}

/// The Markdown report.
pub fn render(sections: &[(String, Vec<Row>, f64)], total_secs: f64) -> String {
    let mut s = String::from("# Lifeguard benchmarks\n\n");
    s.push_str("Written by `make bench` (`host/benches/system`, plus the criterion bench `host/benches/parse.rs`). ");
    s.push_str("Figures are medians unless named otherwise; every ratio is from one run, both sides measured in the same run. ");
    s.push_str("The machine is shared and busy: expect noise of ±20 %.\n\n");
    s.push_str("| machine | |\n|---|---|\n");
    for (k, v) in machine() {
        s.push_str(&format!("| {k} | {v} |\n"));
    }
    s.push_str(&format!(
        "| system bench wall time | {total_secs:.0} s |\n\n"
    ));
    s.push_str("| measurement | value | goal | met |\n|---|---|---|---|\n");
    for (title, rows, secs) in sections {
        s.push_str(&format!("| **{title}** ({secs:.0} s) | | | |\n"));
        for r in rows {
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            s.push_str(&format!(
                "| {} | {} | {} | {met} |\n",
                r.metric.replace('|', "\\|"),
                r.value.replace('|', "\\|"),
                r.goal.replace('|', "\\|")
            ));
        }
    }
    // The hand-written reading of the figures: why a goal is missed and what would close it.
    if let Ok(analysis) =
        std::fs::read_to_string(repo_root().join("host/benches/system/ANALYSIS.md"))
    {
        s.push('\n');
        s.push_str(&analysis);
    }
    s
}

/// `make bench-smoke` (`LIFEGUARD_BENCH_SMOKE=1`): every section runs once, small and short,
/// so that none can rot; its figures mean nothing and it writes no `BENCHMARKS.md`.
pub fn smoke() -> bool {
    std::env::var("LIFEGUARD_BENCH_SMOKE").is_ok_and(|v| v == "1")
}

/// `n` seconds, or one tenth of it (at least 1) in a smoke run.
pub fn scaled_secs(n: u64) -> u64 {
    if smoke() {
        (n / 10).max(1)
    } else {
        n
    }
}

/// `n` repetitions, or `small` in a smoke run.
pub fn scaled(n: usize, small: usize) -> usize {
    if smoke() {
        small.min(n)
    } else {
        n
    }
}
