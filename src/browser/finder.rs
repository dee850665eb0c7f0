//! Finds the browser to start, and the NSS tools that fill its certificate store: an override
//! (`LAB_CHROMIUM`, `LAB_FIREFOX`) if given, else `PATH` and the places each engine installs to.
//! When nothing is found, the message names the package to install and the override.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::config::vars::{CHROMIUM, FIREFOX};
use crate::lab::Engine;

/// The executables the user named (`LAB_CHROMIUM`, `LAB_FIREFOX`); each must be an executable file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub chromium: Option<PathBuf>,
    pub firefox: Option<PathBuf>,
}

/// Where an engine may be: a name looked up on `PATH`, or a fixed path.
enum Place {
    Named(&'static str),
    At(&'static str),
}

/// Chromium: the real binary before Debian's `/usr/bin/chromium` wrapper, which sources
/// /etc/chromium.d and adds flags of its own (../shared/BROWSER.md).
const CHROMIUM_PLACES: &[Place] = &[
    Place::At("/usr/lib/chromium/chromium"),
    Place::Named("chromium"),
    Place::Named("chromium-browser"),
    Place::Named("google-chrome-stable"),
    Place::Named("google-chrome"),
    Place::At("/opt/google/chrome/chrome"),
    Place::At("/Applications/Chromium.app/Contents/MacOS/Chromium"),
    Place::At("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"),
];

const FIREFOX_PLACES: &[Place] = &[
    Place::At("/usr/lib/firefox-esr/firefox-esr"),
    Place::Named("firefox-esr"),
    Place::Named("firefox"),
    Place::At("/usr/lib/firefox/firefox"),
    Place::At("/Applications/Firefox.app/Contents/MacOS/firefox"),
];

/// Looks for browsers and tools in a `PATH` and under a root (`/`; a test gives its own of both).
pub struct Finder {
    overrides: Overrides,
    path: Option<OsString>,
    root: PathBuf,
}

impl Finder {
    /// The process's `PATH` and the machine's install locations.
    pub fn new(overrides: &Overrides) -> Self {
        Self::searching(overrides, std::env::var_os("PATH"), Path::new("/"))
    }

    /// This `PATH`, and the install locations under `root`.
    pub fn searching(overrides: &Overrides, path: Option<OsString>, root: &Path) -> Self {
        Self { overrides: overrides.clone(), path, root: root.to_owned() }
    }

    /// The executable of `engine`: the override if set (an error if it is not an executable
    /// file), else the first of the usual places that holds one.
    pub fn find(&self, engine: Engine) -> Result<PathBuf, String> {
        let (var, given, places) = match engine {
            Engine::Chromium => (CHROMIUM.name, &self.overrides.chromium, CHROMIUM_PLACES),
            Engine::Firefox => (FIREFOX.name, &self.overrides.firefox, FIREFOX_PLACES),
        };
        if let Some(given) = given {
            return if is_executable(given) {
                Ok(given.clone())
            } else {
                Err(format!(
                    "{var}={}: not an executable file; point it at the browser's program",
                    given.display()
                ))
            };
        }
        places.iter().find_map(|place| self.locate(place)).ok_or_else(|| not_found(engine))
    }

    /// The engine to use when none was asked for: Chromium if found, else Firefox. Where
    /// Chromium reads the operating system's certificate store, Firefox only.
    pub fn default_engine(&self) -> Result<(Engine, PathBuf), String> {
        if chromium_profile_possible() {
            match self.find(Engine::Chromium) {
                Ok(binary) => return Ok((Engine::Chromium, binary)),
                // A Chromium the user named but that is not there is a mistake to report, not to skip.
                Err(e) if self.overrides.chromium.is_some() => return Err(e),
                Err(_) => {}
            }
        }
        match self.find(Engine::Firefox) {
            Ok(binary) => Ok((Engine::Firefox, binary)),
            Err(_) if !chromium_profile_possible() => {
                Err(format!("{} {}", not_found(Engine::Firefox), OS_STORE))
            }
            Err(_) => Err(format!(
                "neither Chromium nor Firefox was found. {} Or: {}",
                not_found(Engine::Chromium),
                not_found(Engine::Firefox)
            )),
        }
    }

    /// certutil and pk12util (NSS's tools), which fill a profile's certificate store.
    pub fn nss_tools(&self) -> Result<(PathBuf, PathBuf), String> {
        let tool = |name: &'static str| {
            self.locate(&Place::Named(name)).ok_or_else(|| {
                let install = if cfg!(target_os = "macos") {
                    "brew install nss"
                } else {
                    "apt-get install -y libnss3-tools"
                };
                format!("{name} (from NSS) was not found on PATH: install it with `{install}`")
            })
        };
        Ok((tool("certutil")?, tool("pk12util")?))
    }

    fn locate(&self, place: &Place) -> Option<PathBuf> {
        match place {
            Place::At(path) => {
                Some(self.root.join(path.trim_start_matches('/'))).filter(|p| is_executable(p))
            }
            Place::Named(name) => {
                let path = self.path.as_ref()?;
                std::env::split_paths(path).map(|dir| dir.join(name)).find(|p| is_executable(p))
            }
        }
    }
}

/// Chromium on macOS and Windows takes its trusted CAs and client certificates from the system's
/// store, which this command does not change.
const OS_STORE: &str = "On this system Chromium and Chrome read the operating system's certificate \
                        store, which `clickjack-lab browser` will not change: use `--engine firefox` \
                        (its profile has a store of its own), or import the lab's certificates yourself \
                        (see the README).";

/// Whether a lab-owned Chromium profile can hold its own certificates (only where Chromium reads
/// an NSS database under `$HOME`: Linux and the BSDs).
pub fn chromium_profile_possible() -> bool {
    !cfg!(any(target_os = "macos", target_os = "windows"))
}

/// The refusal for `--engine chromium` where [`chromium_profile_possible`] is false.
pub fn chromium_unsupported() -> String {
    OS_STORE.to_owned()
}

fn not_found(engine: Engine) -> String {
    let names = |places: &'static [Place]| -> Vec<&'static str> {
        places
            .iter()
            .map(|p| match p {
                Place::Named(name) | Place::At(name) => *name,
            })
            .collect()
    };
    match engine {
        Engine::Chromium => format!(
            "no Chromium or Chrome found (looked on PATH and at {}): install it with \
             `apt-get install -y chromium libnss3-tools`, or set {} to its executable.",
            names(CHROMIUM_PLACES).join(", "),
            CHROMIUM.name
        ),
        Engine::Firefox => format!(
            "no Firefox found (looked on PATH and at {}): install it with \
             `apt-get install -y firefox-esr libnss3-tools`, or set {} to its executable.",
            names(FIREFOX_PLACES).join(", "),
            FIREFOX.name
        ),
    }
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An executable file at `root/relative`.
    fn program(root: &Path, relative: &str) -> PathBuf {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        path
    }

    #[test]
    fn an_override_that_is_not_an_executable_file_names_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-browser");
        let overrides = Overrides { chromium: Some(missing.clone()), firefox: Some(dir.path().into()) };
        let finder = Finder::searching(&overrides, None, dir.path());
        let err = finder.find(Engine::Chromium).unwrap_err();
        assert!(err.starts_with("LAB_CHROMIUM=") && err.contains("not an executable file"), "{err}");
        let err = finder.find(Engine::Firefox).unwrap_err();
        assert!(err.starts_with("LAB_FIREFOX=") && err.contains("not an executable file"), "a folder: {err}");
        // A given override that works is used, whatever else is installed.
        let chromium = program(dir.path(), "bin/my-chromium");
        let finder = Finder::searching(
            &Overrides { chromium: Some(chromium.clone()), firefox: None },
            None,
            dir.path(),
        );
        assert_eq!(finder.find(Engine::Chromium).unwrap(), chromium);
    }

    #[test]
    fn nothing_found_says_what_to_install() {
        let dir = tempfile::tempdir().unwrap();
        let finder =
            Finder::searching(&Overrides::default(), Some(dir.path().join("bin").into()), dir.path());
        let err = finder.find(Engine::Chromium).unwrap_err();
        assert!(
            err.contains("apt-get install -y chromium libnss3-tools") && err.contains("LAB_CHROMIUM"),
            "{err}"
        );
        let err = finder.find(Engine::Firefox).unwrap_err();
        assert!(err.contains("apt-get install -y firefox-esr") && err.contains("LAB_FIREFOX"), "{err}");
        let err = finder.default_engine().unwrap_err();
        assert!(err.contains("chromium") && err.contains("firefox-esr"), "{err}");
        let err = finder.nss_tools().unwrap_err();
        assert!(err.contains("certutil") && err.contains("libnss3-tools"), "{err}");
    }

    #[test]
    fn the_real_chromium_comes_before_the_wrapper_and_chromium_before_firefox() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("usr/bin");
        program(&bin, "chromium");
        let firefox = program(&bin, "firefox");
        let finder = Finder::searching(&Overrides::default(), Some(bin.clone().into()), dir.path());
        assert_eq!(finder.find(Engine::Chromium).unwrap(), bin.join("chromium"), "found on PATH");
        let real = program(dir.path(), "usr/lib/chromium/chromium");
        assert_eq!(finder.find(Engine::Chromium).unwrap(), real, "the binary, not the wrapper");
        assert_eq!(finder.find(Engine::Firefox).unwrap(), firefox);
        if chromium_profile_possible() {
            assert_eq!(finder.default_engine().unwrap(), (Engine::Chromium, real));
        }
        // A file that is not executable is not a browser.
        std::fs::write(bin.join("certutil"), "").unwrap();
        assert!(finder.nss_tools().is_err());
    }
}
