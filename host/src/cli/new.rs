//! `lifeguard new --lang rust|python|js NAME [--dir D]`: scaffold a plugin project.
use std::path::PathBuf;

use crate::scaffold::{create, Lang};

/// Create a plugin project that builds into NAME.wasm with `./build.sh`.
#[derive(clap::Args, Debug)]
pub struct NewArgs {
    /// The language of the plugin.
    #[arg(long, value_enum)]
    pub lang: Lang,
    /// The plugin's name: lowercase letters, digits and '-', starting with a letter.
    pub name: String,
    /// Where to create the project (default: ./NAME). It must not exist, or be empty.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Write the project and say how to build, check and try it.
pub fn run(args: NewArgs) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    let written = create(args.lang, &args.name, &dir)?;
    let shown = dir.display();
    println!(
        "created {shown}: a {} plugin named {} ({} files)",
        args.lang.display_name(),
        args.name,
        written.len()
    );
    println!("next:");
    println!("  cd {shown}");
    println!(
        "  ./build.sh                       # writes {}.wasm",
        args.name
    );
    println!("  lifeguard check {}.wasm", args.name);
    println!("  lifeguard sim                    # in another terminal");
    println!("  lifeguard run --config \"$PWD/lifeguard.toml\"");
    Ok(())
}
