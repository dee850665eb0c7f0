use std::process::ExitCode;

use clickjack_lab::cli::{self, Command};
use clickjack_lab::config::Settings;
use clickjack_lab::db::SEED_USERS;
use clickjack_lab::pki::Pki;
use clickjack_lab::startup::Application;
use clickjack_lab::{banner, db};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(cli.command.unwrap_or(Command::Serve)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("clickjack-lab: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    match command {
        Command::Serve => {
            let app = Application::build(settings).await.map_err(|e| e.to_string())?;
            println!("{}", banner::text(&app));
            let handle = app.handle();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    tracing::info!("stopping");
                    handle.stop(true).await;
                }
            });
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Command::Reset => {
            let pool = db::open(&settings.database).await.map_err(|e| e.to_string())?;
            db::reset(&pool).await.map_err(|e| e.to_string())?;
            println!(
                "{}: restored the seeded balances; cleared transfers (and the lab's badges) and the audit log",
                settings.database.display()
            );
            Ok(())
        }
        Command::Certs { new_ca } => {
            let users: Vec<&str> = SEED_USERS.iter().map(|(name, _, _)| *name).collect();
            let pki = Pki::regenerate(&settings.certs_dir, &users, settings.bind, new_ca)
                .map_err(|e| e.to_string())?;
            println!(
                "{}: reissued server and user certificates{}",
                pki.dir().display(),
                if new_ca {
                    " under a NEW CA: trust the new ca.crt and re-import the .p12 bundles"
                } else {
                    ""
                }
            );
            Ok(())
        }
    }
}
