//! The `lifeguard` binary: parse the command line and dispatch to `lifeguard::cli`.
use clap::{Parser, Subcommand};
use lifeguard::cli;

#[derive(Parser, Debug)]
#[command(
    name = "lifeguard",
    version,
    about = "Automation host for OpenSearch index lifecycles"
)]
struct Cli {
    /// Log format: `text` for people, `json` for shipping.
    #[arg(long, global = true, default_value = "text")]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate a plugin component and print what it is.
    Check(cli::check::CheckArgs),
    /// Run every tenant's plugins against the configured clusters until stopped.
    Run(cli::run::RunArgs),
    /// Serve a simulated OpenSearch cluster (or a leader/follower pair) on loopback.
    Sim(cli::sim::SimArgs),
    /// Scaffold a plugin project (Rust, Python or JavaScript) that builds with one command.
    New(cli::new::NewArgs),
    /// Two simulated days of three tenants on an embedded leader/follower pair.
    Demo(cli::demo::DemoArgs),
    /// Print the mutations every plugin would make (dry-run), by tenant; nothing is sent.
    Plan(cli::plan::PlanArgs),
    /// Read a live cluster (read-only APIs) into a scenario file that `lifeguard sim` replays.
    Record(cli::record::RecordArgs),
    /// Run a plugin on the simulator from a scenario and check the scenario's expectations.
    Test(cli::test::TestArgs),
}

/// `RUST_LOG` wins; otherwise `default` (the demo and plan print their own report, which
/// routine info lines such as retries would bury).
fn init_logs(format: &str, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Cli::parse();
    let default_level = match args.command {
        Command::Demo(_) => "error",
        Command::Plan(_) | Command::Test(_) | Command::Record(_) => "warn",
        _ => "info",
    };
    init_logs(&args.log_format, default_level);
    let result = match args.command {
        Command::Check(a) => cli::check::run(a).await,
        Command::Run(a) => cli::run::run(a).await,
        Command::Sim(a) => cli::sim::run(a).await,
        Command::New(a) => cli::new::run(a),
        Command::Demo(a) => cli::demo::run(a).await,
        Command::Record(a) => cli::record::run(a).await,
        // 0 all expectations held, 1 one failed, 2 the test could not run.
        Command::Test(a) => {
            let code = cli::test::exit_code(a, &mut std::io::stdout()).await;
            return std::process::ExitCode::from(code);
        }
        // Its own exit codes: 2 means "changes planned" under --detailed-exitcode.
        Command::Plan(a) => {
            let code = cli::plan::exit_code(a, &mut std::io::stdout()).await;
            return std::process::ExitCode::from(code);
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
