//! `lifeguard check <file.wasm>`.
use std::path::PathBuf;

use crate::check::{check_file, render};
use crate::runtime::{Engine, EngineConfig};

/// Validate a plugin component: format, world and version, imports, compile, `describe()`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The component file to check.
    pub file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Exit with an error (one line, naming the problem) if the file is not a usable plugin.
pub async fn run(args: CheckArgs) -> anyhow::Result<()> {
    let engine = Engine::new(&EngineConfig::default())?;
    let report = check_file(&engine, &args.file).await?;
    let shown = args.file.display().to_string();
    if args.json {
        let caps: Vec<&str> = report
            .info
            .capabilities
            .iter()
            .copied()
            .map(crate::check::capability_name)
            .collect();
        let v = serde_json::json!({
            "file": shown,
            "name": report.info.name,
            "plugin_version": report.info.version,
            "description": report.info.description,
            "capabilities": caps,
            "version": report.plugin.version,
            "size_bytes": report.size_bytes,
            "compile_ms": report.compile_time.as_secs_f64() * 1e3,
            "imports": report.plugin.imports,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", render(&shown, &report));
    }
    engine.shutdown();
    Ok(())
}
