//! The command line: `clickjack-lab` serves the lab; `reset`, `certs` and `nginx-config`
//! maintain it (their work is done in [`crate::commands`]); `browser` starts a victim browser
//! ([`crate::browser`]).
//! Settings come from `LAB_*` environment variables, listed with their defaults by `--help`.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::config::VARS;
use crate::lab::Engine;

#[derive(Debug, Parser)]
#[command(
    name = "clickjack-lab",
    version,
    about = "A clickjacking and mutual-TLS security lab: a demo bank, its protections, and the attacks they stop"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the bank and the attacker site (the default).
    Serve,
    /// Restore the seeded database: users, balances; clears transfers, sessions and the audit log.
    Reset,
    /// The lab PKI. Without a subcommand: reissue the server's and seeded users' certificates.
    Certs {
        /// Also replace the CA (every browser must then trust the new ca.crt and re-import its .p12).
        #[arg(long)]
        new_ca: bool,
        #[command(subcommand)]
        action: Option<CertsCommand>,
    },
    /// Write an nginx configuration that terminates mutual TLS in front of the bank (LAB_MTLS=proxy).
    NginxConfig {
        /// Folder for the configuration, nginx's pid file, logs and temporary files.
        #[arg(long, default_value = "data/nginx")]
        dir: PathBuf,
    },
    /// Start Chromium or Firefox as a lab user, on a lab-owned profile (under data/browsers/) that
    /// trusts the lab CA and presents the user's certificate to the bank; opens the bank's /lab.
    Browser(BrowserArgs),
}

#[derive(Debug, Args)]
pub struct BrowserArgs {
    /// The user whose certificate the browser presents.
    #[arg(long = "as", value_name = "USER", default_value = "alice")]
    pub user: String,
    /// The engine [default: chromium if installed, else firefox].
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
    /// Without a window (for scripts and tests).
    #[arg(long)]
    pub headless: bool,
    /// The bank page to open.
    #[arg(long, value_name = "PATH", default_value = "/lab")]
    pub open: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EngineArg {
    Chromium,
    Firefox,
}

impl From<EngineArg> for Engine {
    fn from(engine: EngineArg) -> Self {
        match engine {
            EngineArg::Chromium => Engine::Chromium,
            EngineArg::Firefox => Engine::Firefox,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Issue another certificate for a user (a new device): replaces certs/<user>.crt, .key and .p12.
    Issue {
        user: String,
        /// Bind it to the user's account at once (else `certs bind` does, before it can sign in).
        #[arg(long)]
        bind: bool,
    },
    /// Bind a certificate to the account its CN names (needed with LAB_CERT_BINDING=fingerprint).
    Bind {
        user: String,
        /// The certificate (PEM) [default: certs/<user>.crt].
        #[arg(long)]
        cert: Option<PathBuf>,
    },
    /// Revoke a certificate: a user's current certs/<user>.crt, or any serial (hex, as openssl prints it).
    /// The running bank re-reads certs/crl.pem within a second.
    Revoke { user_or_serial: String },
    /// List the bound certificates and the revoked serials.
    List,
}

/// Parses the arguments, with the environment variables listed in the help.
pub fn parse() -> Cli {
    let matches = Cli::command().after_help(env_help()).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn env_help() -> String {
    let width = VARS.iter().map(|v| v.name.len()).max().unwrap_or(0);
    let mut text = String::from("Environment variables (default in brackets):\n");
    for var in VARS {
        let choices =
            if var.choices.is_empty() { String::new() } else { format!("{}: ", var.choices.join(" | ")) };
        text.push_str(&format!("  {:width$}  {choices}{} [{}]\n", var.name, var.help, var.default_text()));
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn help_lists_every_variable() {
        let help = super::env_help();
        for var in crate::config::VARS {
            assert!(help.contains(var.name) && help.contains(&var.default_text()), "{}", var.name);
            for choice in var.choices {
                assert!(help.contains(choice), "{}: {choice}", var.name);
            }
        }
    }
}
