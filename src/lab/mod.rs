//! The lab: it watches the bank from outside. Its vocabulary is here; the rest of it:
//!
//! - [`scenarios`]: the catalogue, one entry per attack page on the attacker site;
//! - [`expect`]: the outcome each attack should have under the current flags, computed from the
//!   protections' own rules; [`board`] and [`matrix`] show it on `/lab` and in the README;
//! - [`observer`]: a middleware around the bank that remembers how each confirmation page was
//!   loaded ([`renders`], in memory: a page view writes nothing) and judges every executed
//!   transfer ([`verdicts`]), from what the bank exposes: the request's headers and the typed
//!   outcome its handlers attach;
//! - [`feed`] and [`narrate`]: what the bank did for each attack, told on the attack page;
//! - [`probe`]: what the bank sees of a browser, for the attacker site's start page;
//! - [`page`]: the `/lab` page and its reset; [`panel`]: the protections switched while it runs.
//!
//! The bank knows none of this: no transfer code names a scenario or a detection.

pub mod board;
pub mod expect;
pub mod feed;
pub mod matrix;
pub mod narrate;
pub mod observer;
pub mod page;
pub mod panel;
pub mod probe;
pub mod renders;
pub mod scenarios;
pub mod verdicts;

/// The lab's own settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabSettings {
    /// `LAB_POPUP_WINDOW_MS`: a confirmation this soon after another site opened the page is the
    /// popup path of DoubleClickjacking, not a reading person.
    pub popup_window_ms: u32,
}

/// Who is clicking: how the victim is signed in to the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Victim {
    /// By client certificate (`LAB_MTLS=required|optional`): presented everywhere, frames included.
    Certificate,
    /// By password, with a session cookie (`LAB_MTLS=optional|off`).
    CookieSession,
}

/// Which attacker page frames the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framer {
    /// `http://127.0.0.1:<LAB_ATTACKER_PORT>`: another site.
    CrossSite,
    /// `https://localhost:<LAB_SAMESITE_ATTACKER_PORT>`: another origin of the bank's own site.
    SameSite,
}

/// How an attack makes the victim's browser send the transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The confirmation page in the attacker's frame, under a decoy; `sandboxed`: the frame has
    /// `sandbox="allow-forms"` (scripts off, opaque origin).
    FramedClick { framer: Framer, sandboxed: bool },
    /// A cross-site form that submits itself to the bank: no frame, no click on the bank.
    CrossSiteForm,
    /// A popup navigates its opener to the confirmation page between the two clicks of a
    /// double-click; the second click lands on the real, top-level page.
    DoubleClick,
}

/// A browser engine the lab's claims are measured in (`tests/browser` runs every scenario in both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// Chromium, and the browsers built on it (Chrome, Edge, Brave, Opera).
    Chromium,
    /// Firefox (Gecko).
    Firefox,
}

impl Engine {
    pub const ALL: [Engine; 2] = [Engine::Chromium, Engine::Firefox];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chromium => "chromium",
            Self::Firefox => "firefox",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Chromium => "Chromium (Chrome, Edge)",
            Self::Firefox => "Firefox",
        }
    }

    /// The engine a `User-Agent` names, if it is one of the two (Safari's WebKit is not measured).
    pub fn from_user_agent(user_agent: &str) -> Option<Self> {
        if user_agent.contains("Firefox/") {
            Some(Self::Firefox)
        } else if user_agent.contains("Chrome/") || user_agent.contains("Chromium/") {
            Some(Self::Chromium)
        } else {
            None
        }
    }
}

/// The browser, and the one setting of it that changes the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Browser {
    pub engine: Engine,
    /// Third-party cookies allowed. By default neither engine lets the bank's cookie into another
    /// site's frame: a new Chromium profile blocks third-party cookies, and Firefox's Total Cookie
    /// Protection gives each top-level site its own cookie jar.
    pub third_party_cookies: bool,
}

impl Browser {
    /// A new Chromium profile.
    pub const CHROMIUM_DEFAULTS: Browser = Browser { engine: Engine::Chromium, third_party_cookies: false };
    /// A new Firefox profile.
    pub const FIREFOX_DEFAULTS: Browser = Browser { engine: Engine::Firefox, third_party_cookies: false };

    pub const fn defaults(engine: Engine) -> Self {
        Browser { engine, third_party_cookies: false }
    }
}

/// One reason an attack fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The flag (or browser behaviour) responsible, as `LAB_X=value`.
    pub by: String,
    pub why: String,
}

/// The outcome to expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The money moves.
    Succeeds,
    /// Nothing moves; every protection that would stop the attack, in the order it acts.
    Blocked(Vec<Block>),
    /// The attack needs a victim this configuration cannot have (a password session with
    /// `LAB_MTLS=required`).
    NotApplicable(&'static str),
}

impl Outcome {
    pub fn succeeds(&self) -> bool {
        matches!(self, Self::Succeeds)
    }

    pub fn blocks(&self) -> &[Block] {
        match self {
            Self::Blocked(blocks) => blocks,
            _ => &[],
        }
    }

    pub fn not_applicable(&self) -> Option<&'static str> {
        match self {
            Self::NotApplicable(why) => Some(why),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_told_apart_by_their_user_agents() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
        assert_eq!(Engine::from_user_agent(firefox), Some(Engine::Firefox));
        assert_eq!(Engine::from_user_agent(chrome), Some(Engine::Chromium));
        assert_eq!(Engine::from_user_agent(safari), None);
        assert_eq!(Engine::from_user_agent("curl/8.5.0"), None);
        let chromium_based = [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 Edg/156.0.0.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 OPR/120.0.0.0",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36",
        ];
        for user_agent in chromium_based {
            assert_eq!(Engine::from_user_agent(user_agent), Some(Engine::Chromium), "{user_agent}");
        }
        let android_firefox = "Mozilla/5.0 (Android 14; Mobile; rv:140.0) Gecko/140.0 Firefox/140.0";
        assert_eq!(Engine::from_user_agent(android_firefox), Some(Engine::Firefox));
        // Every iOS browser is WebKit, whatever its name says.
        for ios in [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/156.0 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/140.0 Mobile/15E148 Safari/605.1.15",
        ] {
            assert_eq!(Engine::from_user_agent(ios), None, "{ios}");
        }
    }
}
