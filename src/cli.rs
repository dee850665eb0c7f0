//! The command line: `clickjack-lab` serves the lab; `reset` and `certs` maintain it.
//! Settings come from `LAB_*` environment variables, listed with their defaults by `--help`.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::VARS;

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
    /// Reissue the server and user certificates from the lab CA.
    Certs {
        /// Also replace the CA (every browser must then trust the new ca.crt and re-import its .p12).
        #[arg(long)]
        new_ca: bool,
    },
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
        text.push_str(&format!("  {:width$}  {} [{}]\n", var.name, var.help, var.default));
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn help_lists_every_variable() {
        let help = super::env_help();
        for var in crate::config::VARS {
            assert!(help.contains(var.name) && help.contains(var.default), "{}", var.name);
        }
    }
}
