//! The ready-made victim browser: Chromium or Firefox, as installed on the machine, on a
//! lab-owned profile that trusts the lab CA, holds one user's certificate and presents it to the
//! bank without a prompt. `clickjack-lab browser` and the browser tests build their profiles here,
//! so every browser test proves the command's setup.

/// `clickjack-lab browser`: the checks, the profile, the start, the wait.
pub mod command;
/// Finds the engine's executable and the NSS tools (`LAB_CHROMIUM`, `LAB_FIREFOX`, `PATH`).
pub mod finder;
/// The command line that starts an engine on a profile.
pub mod launch;
/// Builds (or reuses) a profile: NSS database, certificate auto-selection, cookie setting.
pub mod profile;
