use std::io::Write;
use std::process::ExitCode;

use clickjack_lab::cli::{self, Command};
use clickjack_lab::config::{Settings, vars};
use clickjack_lab::startup::Application;
use clickjack_lab::{banner, browser, commands};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::parse();
    let filter = match log_filter() {
        Ok(filter) => filter,
        Err(message) => {
            eprintln!("clickjack-lab: {message}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        // Every level reaches the filter, which decides.
        .with_max_level(tracing::level_filters::LevelFilter::TRACE)
        .finish()
        .with(filter)
        .init();
    match run(cli.command.unwrap_or(Command::Serve)).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("clickjack-lab: {message}");
            ExitCode::from(2)
        }
    }
}

/// `RUST_LOG` (a level, or targets with levels: `info,sqlx=warn`), or its default.
fn log_filter() -> Result<Targets, String> {
    let text = std::env::var(vars::RUST_LOG.name).unwrap_or_else(|_| vars::RUST_LOG.default_text());
    text.parse().map_err(|e| {
        format!("RUST_LOG={text:?} is not a log filter ({e}): give a level or targets with levels, e.g. `info,sqlx=warn`")
    })
}

async fn run(command: Command) -> Result<ExitCode, String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let text = match command {
        Command::Serve => {
            let app = Application::build(settings).await.map_err(|e| e.to_string())?;
            // Not println!: a closed stdout (`clickjack-lab | head`) must not stop the lab.
            let _ = writeln!(std::io::stdout().lock(), "{}", banner::text(&app));
            let handle = app.handle();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    tracing::info!("stopping");
                    handle.stop(true).await;
                }
            });
            app.run_until_stopped().await.map_err(|e| e.to_string())?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Browser(args) => {
            let status = browser::command::run(&settings, args).await?;
            // The browser's own exit code (1 when a signal ended it).
            return Ok(ExitCode::from(status.code().map_or(1, |c| c.clamp(0, 255) as u8)));
        }
        Command::Reset => commands::reset(&settings).await?,
        Command::Certs { new_ca, action } => commands::certs(&settings, new_ca, action).await?,
        Command::NginxConfig { dir } => commands::nginx_config(&settings, &dir)?,
    };
    println!("{text}");
    Ok(ExitCode::SUCCESS)
}
