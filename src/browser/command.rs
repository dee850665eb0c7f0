//! `clickjack-lab browser`: checks the PKI, finds the engine, makes (or reuses) the user's
//! lab-owned profile under `data/browsers/`, starts the browser on the bank's `/lab`, and waits
//! for it to exit.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

use super::finder::{self, Finder};
use super::launch;
use super::profile::{self, Made, Recipe};
use crate::cli::BrowserArgs;
use crate::config::Settings;
use crate::db::SEED_USERS;
use crate::lab::Engine;

/// The folder of the lab's browser profiles: `browsers/` beside the database.
pub fn profiles_dir(settings: &Settings) -> PathBuf {
    let database = &settings.paths.database;
    let parent = database.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::path::absolute(parent).unwrap_or_else(|_| parent.to_owned()).join("browsers")
}

/// Runs the command; the browser's exit status, or why it could not start.
pub async fn run(settings: &Settings, args: BrowserArgs) -> Result<ExitStatus, String> {
    let user = seeded_user(&args.user)?;
    if !args.open.starts_with('/') {
        return Err(format!(
            "--open {:?}: give a path of the bank, starting with /, such as /lab",
            args.open
        ));
    }
    let certs = &settings.paths.certs;
    for file in ["ca.crt".to_owned(), format!("{user}.p12")] {
        if !certs.join(&file).is_file() {
            return Err(format!(
                "{} has no {file}: start the lab once (cargo run --release) to create its certificates",
                certs.display()
            ));
        }
    }
    let finder = Finder::new(&settings.browsers);
    let (engine, binary) = match args.engine {
        None => finder.default_engine()?,
        Some(engine) => {
            let engine = Engine::from(engine);
            if engine == Engine::Chromium && !finder::chromium_profile_possible() {
                return Err(finder::chromium_unsupported());
            }
            (engine, finder.find(engine)?)
        }
    };
    finder.nss_tools()?;

    let sites = settings.network.sites();
    let dir = profiles_dir(settings).join(format!("{}-{user}", engine.as_str()));
    let made = profile::ensure(&Recipe::for_user(engine, user), certs, &sites, &dir)?;
    let url = format!("{}{}", sites.bank, args.open);
    let mut command = launch::command(engine, &binary, &dir, &url, args.headless);
    // The browser's own chatter (D-Bus, GPU, fonts: harmless, and alarming in red) goes to a log.
    let log = dir.join("browser.log");
    let output = std::fs::File::create(&log).map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    let errors = output.try_clone().map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    command.stdout(output).stderr(errors);
    let child = command.spawn().map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let made = match made {
        Made::Built => "built now",
        Made::Reused => "reused",
    };
    println!(
        "started {} as {user} (pid {})\n  binary   {}\n  profile  {} ({made}; your own browser profile is untouched)\n  \
         opening  {url}\n  log      {} (the browser's own messages)",
        engine.label(),
        child.id(),
        binary.display(),
        dir.display(),
        log.display(),
    );
    if !answers(settings.network.bind, sites.bank.port()) {
        eprintln!(
            "warning: nothing answers on the bank's port {} yet: start the lab first (cargo run --release)",
            sites.bank.port()
        );
    }
    let display = ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|var| std::env::var_os(var).is_some());
    if cfg!(target_os = "linux") && !args.headless && !display {
        eprintln!(
            "warning: no DISPLAY or WAYLAND_DISPLAY: the browser needs a desktop session (or use --headless)"
        );
    }
    let mut child = child;
    tokio::task::spawn_blocking(move || child.wait())
        .await
        .map_err(|e| format!("waiting for the browser: {e}"))?
        .map_err(|e| format!("waiting for the browser: {e}"))
}

/// `--as`: one of the bank's seeded users.
fn seeded_user(name: &str) -> Result<&'static str, String> {
    SEED_USERS.iter().map(|(user, _, _)| *user).find(|user| *user == name).ok_or_else(|| {
        let users: Vec<&str> = SEED_USERS.iter().map(|(user, _, _)| *user).collect();
        format!("--as {name:?}: not one of the lab's users; choose one of {}", users.join(", "))
    })
}

/// Whether something accepts connections on the bank's port (on loopback when the lab binds all).
fn answers(bind: IpAddr, port: u16) -> bool {
    let host = if bind.is_unspecified() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { bind };
    TcpStream::connect_timeout(&SocketAddr::new(host, port), Duration::from_secs(1)).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_seeded_users_can_be_chosen() {
        assert_eq!(super::seeded_user("bob"), Ok("bob"));
        let err = super::seeded_user("eve").unwrap_err();
        assert!(err.contains("\"eve\"") && err.contains("alice, bob, mallory"), "{err}");
    }
}
