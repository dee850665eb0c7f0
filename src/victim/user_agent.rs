//! The victim's User-Agent: her browser's own, with the engine's real major version (asked of the
//! binary, `--version`), in the engine's usual form, and the delivery's tag after it.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::lab::Engine;

/// The engine's usual User-Agent for the browser at `binary`, followed by `tag`. A binary whose
/// version cannot be read is named without one (`Chrome/0.0.0.0`): never a version it is not.
pub fn for_binary(engine: Engine, binary: &Path, tag: &str) -> String {
    let output = Command::new(binary).arg("--version").stdin(Stdio::null()).stderr(Stdio::null()).output();
    let major = output.ok().and_then(|o| major_version(&String::from_utf8_lossy(&o.stdout))).unwrap_or(0);
    tagged(engine, major, tag)
}

/// The first number of `--version`'s line: `Chromium 156.0.8078.114 built on Debian` is 156,
/// `Mozilla Firefox 153.8.0esr` 153.
fn major_version(said: &str) -> Option<u32> {
    said.split_whitespace()
        .find_map(|word| word.split('.').next()?.parse().ok().filter(|_| word.contains('.')))
}

fn tagged(engine: Engine, major: u32, tag: &str) -> String {
    match engine {
        Engine::Chromium => format!(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 \
             Safari/537.36 {tag}"
        ),
        Engine::Firefox => {
            format!("Mozilla/5.0 (X11; Linux x86_64; rv:{major}.0) Gecko/20100101 Firefox/{major}.0 {tag}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_major_version_is_read_from_what_the_binary_says() {
        assert_eq!(
            major_version("Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)\n"),
            Some(156)
        );
        assert_eq!(major_version("Mozilla Firefox 153.8.0esr\n"), Some(153));
        assert_eq!(major_version("Google Chrome 131.0.6778.85 \n"), Some(131));
        assert_eq!(major_version("no version here 12"), None);
        assert_eq!(major_version(""), None);
    }

    #[test]
    fn the_agent_is_the_engines_usual_one_with_the_tag() {
        let chromium = tagged(Engine::Chromium, 156, "clickjack-lab-victim/x");
        assert!(chromium.contains(" Chrome/156.0.0.0 Safari/537.36 clickjack-lab-victim/x"), "{chromium}");
        assert_eq!(Engine::from_user_agent(&chromium), Some(Engine::Chromium));
        let firefox = tagged(Engine::Firefox, 153, "clickjack-lab-victim/x");
        assert!(
            firefox.contains("rv:153.0) Gecko/20100101 Firefox/153.0 clickjack-lab-victim/x"),
            "{firefox}"
        );
        assert_eq!(Engine::from_user_agent(&firefox), Some(Engine::Firefox));
    }

    #[test]
    fn a_binary_that_cannot_say_its_version_is_named_without_one() {
        let agent = for_binary(Engine::Firefox, Path::new("/nonexistent/firefox"), "t");
        assert!(agent.contains("Firefox/0.0 t"), "{agent}");
    }
}
