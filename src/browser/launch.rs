//! The command line that starts an engine on a lab-owned profile (see [`super::profile`]) and
//! opens one address. Each profile is its own browser process: several users at once work.

use std::path::Path;
use std::process::Command;

use super::profile;
use crate::lab::Engine;

/// Chromium's flags for a headless run (../shared/BROWSER.md): no GPU, no QUIC (the lab speaks
/// TCP only), nothing fetched from the network behind the lab's back.
pub const CHROMIUM_HEADLESS: &[&str] = &[
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// `binary` of `engine` on the profile in `dir`, opening `url`.
pub fn command(engine: Engine, binary: &Path, dir: &Path, url: &str, headless: bool) -> Command {
    let mut command = Command::new(binary);
    match engine {
        Engine::Chromium => {
            command
                .arg(format!("--user-data-dir={}", profile::chromium_user_data(dir).display()))
                .args(["--no-first-run", "--no-default-browser-check"]);
            // Chromium refuses to start as root with its sandbox on; a lab container often runs
            // as root, and the sandbox cannot be set up there anyway.
            if running_as_root() {
                command.arg("--no-sandbox");
            }
            if headless {
                command.args(CHROMIUM_HEADLESS);
            }
            // Chromium reads its NSS database from $HOME/.pki/nssdb: the profile's own HOME. X11
            // finds its cookie through $HOME too, so keep the user's unless it is set already.
            if std::env::var_os("XAUTHORITY").is_none()
                && let Some(home) = std::env::var_os("HOME")
                && Path::new(&home).join(".Xauthority").is_file()
            {
                command.env("XAUTHORITY", Path::new(&home).join(".Xauthority"));
            }
            command.env("HOME", profile::chromium_home(dir));
        }
        Engine::Firefox => {
            // -no-remote: a window of its own, not a tab of a Firefox already running.
            command.arg("-no-remote").arg("-profile").arg(dir);
            if headless {
                command.arg("-headless");
            }
        }
    }
    command.arg(url);
    command
}

/// Whether this process runs as root (the owner of `/proc/self` is its effective user).
fn running_as_root() -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(command: &Command) -> Vec<String> {
        command.get_args().map(|a| a.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn each_engine_starts_on_the_profile_and_opens_the_address() {
        let dir = Path::new("/tmp/p");
        let url = "https://localhost:8443/lab";
        let chromium = command(Engine::Chromium, Path::new("/bin/chromium"), dir, url, true);
        let given = args(&chromium);
        assert!(given.contains(&"--user-data-dir=/tmp/p/user-data".to_owned()), "{given:?}");
        assert!(given.contains(&"--headless".to_owned()) && given.last().unwrap() == url, "{given:?}");
        let home = chromium.get_envs().find(|(k, _)| *k == "HOME").and_then(|(_, v)| v);
        assert_eq!(home, Some(Path::new("/tmp/p/home").as_os_str()));
        let firefox = args(&command(Engine::Firefox, Path::new("/bin/firefox"), dir, url, false));
        assert_eq!(firefox, ["-no-remote", "-profile", "/tmp/p", url]);
    }
}
