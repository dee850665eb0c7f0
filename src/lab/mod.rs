//! The lab: its scenarios, what each attack does on the way to the bank, and the outcome to expect
//! under the current flags.
//!
//! [`expect`] walks an attack through the steps a browser takes: does the victim's identity reach
//! the bank, does the page render usable where the attack needs it, is the final request accepted.
//! For the server's own checks it builds the headers Chromium sends for that attack (measured, see
//! `../shared/BROWSER.md`) and runs the protection modules' real rules on them
//! (`origin_check::check`, `fetch_metadata::check_navigation` and `check_state_change`, the frame
//! policy's `blocks`); what happens in the browser (cookies, scripts in a sandbox) is modelled here.

pub mod board;
pub mod matrix;
pub mod scenarios;
pub mod solves;

use crate::config::{MtlsMode, Settings};
use crate::origin::Origin;
use crate::protections::origin_check::{self, AllowedOrigins};
use crate::protections::{SameSite, fetch_metadata};

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

/// The bank's and the attacker's origins, as the running lab serves them.
#[derive(Debug, Clone)]
pub struct LabOrigins {
    pub bank: Origin,
    pub cross_site: Origin,
    pub same_site: Origin,
}

impl LabOrigins {
    /// The defaults: `https://localhost:8443`, `http://127.0.0.1:8666`, `https://localhost:8667`.
    pub fn defaults() -> Self {
        Self {
            bank: Origin::https("localhost", 8443),
            cross_site: Origin::parse("http://127.0.0.1:8666").expect("a loopback origin"),
            same_site: Origin::https("localhost", 8667),
        }
    }

    fn framer(&self, framer: Framer) -> &Origin {
        match framer {
            Framer::CrossSite => &self.cross_site,
            Framer::SameSite => &self.same_site,
        }
    }
}

/// The headers Chromium sends for an attack (see `../shared/BROWSER.md`): those of the page load
/// the attack starts with, if any, and those of the final POST.
struct Traffic {
    load: Option<(&'static str, &'static str)>,
    post_origin: Option<String>,
    post_dest: &'static str,
}

fn traffic(delivery: Delivery, origins: &LabOrigins) -> Traffic {
    match delivery {
        Delivery::FramedClick { framer, sandboxed } => Traffic {
            load: Some(("iframe", if framer == Framer::CrossSite { "cross-site" } else { "same-site" })),
            // A click in the framed page is a same-origin request; a sandboxed page's is opaque.
            post_origin: Some(if sandboxed { "null".to_owned() } else { origins.bank.to_string() }),
            post_dest: "iframe",
        },
        Delivery::CrossSiteForm => {
            Traffic { load: None, post_origin: Some(origins.cross_site.to_string()), post_dest: "document" }
        }
        Delivery::DoubleClick => Traffic {
            load: Some(("document", "cross-site")),
            post_origin: Some(origins.bank.to_string()),
            post_dest: "document",
        },
    }
}

/// Why the session cookie's SameSite keeps it away from `delivery`'s requests, if it does.
fn samesite_withholds(samesite: SameSite, delivery: Delivery) -> Option<&'static str> {
    let cross_site_frame = match delivery {
        Delivery::FramedClick { framer: Framer::CrossSite, .. } => true,
        // A sandboxed frame's own requests come from an opaque origin: cross-site.
        Delivery::FramedClick { framer: Framer::SameSite, sandboxed } => sandboxed,
        _ => false,
    };
    match (samesite, delivery) {
        (SameSite::None, _) => None,
        _ if cross_site_frame => Some("no Strict or Lax cookie goes into another site's frame"),
        (_, Delivery::CrossSiteForm) => Some("no Strict or Lax cookie goes with another site's POST"),
        (SameSite::Strict, Delivery::DoubleClick) => {
            Some("no Strict cookie goes with a navigation started by another site")
        }
        _ => None,
    }
}

/// What happens to `delivery` against a bank with `settings`, for `victim` in `browser`.
pub fn expect(
    delivery: Delivery,
    victim: Victim,
    settings: &Settings,
    origins: &LabOrigins,
    browser: Browser,
) -> Outcome {
    let p = &settings.protections;
    let mut blocks = Vec::new();
    let mut block = |by: String, why: &str| blocks.push(Block { by, why: why.to_owned() });

    // 1. Does the victim's identity reach the bank with these requests?
    match victim {
        Victim::Certificate if settings.mtls == MtlsMode::Off => {
            block("LAB_MTLS=off".into(), "no certificate sign-in: the bank never asks for one");
        }
        Victim::Certificate => {} // mTLS never stops it: the certificate is presented everywhere.
        Victim::CookieSession if !settings.mtls.allows_password() => {
            return Outcome::NotApplicable(
                "there are no password sessions with LAB_MTLS=required or proxy: try it with LAB_MTLS=optional",
            );
        }
        Victim::CookieSession => {
            if let Some(why) = samesite_withholds(p.samesite, delivery) {
                block(format!("LAB_SAMESITE={}", p.samesite.as_str()), why);
            }
            let framed_cross_site =
                matches!(delivery, Delivery::FramedClick { framer: Framer::CrossSite, .. });
            if framed_cross_site && p.samesite == SameSite::None && !browser.third_party_cookies {
                match browser.engine {
                    Engine::Chromium => block(
                        "browser: third-party cookies blocked".into(),
                        "Chromium withholds the session cookie from another site's frame",
                    ),
                    Engine::Firefox => block(
                        "browser: Total Cookie Protection".into(),
                        "Firefox gives another site's frame a cookie jar of its own, without the bank's session",
                    ),
                }
            }
        }
    }

    // 2. Does the bank's page render, usable, where the attack needs it?
    let traffic = traffic(delivery, origins);
    if let Delivery::FramedClick { framer, sandboxed } = delivery {
        if p.frame.blocks(origins.framer(framer)) {
            block(
                format!("LAB_FRAME={}", p.frame.describe()),
                "the browser refuses to render the bank in the frame",
            );
        }
        if p.framebuster.stops(sandboxed) {
            block(
                format!("LAB_FRAMEBUSTER={}", p.framebuster.as_str()),
                "the page blanks or hides itself inside the frame",
            );
        }
        if p.gesture_guard && sandboxed {
            block(
                "LAB_GESTURE_GUARD=on".into(),
                "the sandbox switches the guard's script off, so the confirm button never enables",
            );
        }
    }
    if p.fetch_metadata {
        let (dest, site) = traffic.load.unzip();
        let refused = fetch_metadata::check_navigation(dest, site)
            .and_then(|()| fetch_metadata::check_state_change(Some(traffic.post_dest)).map(drop));
        if let Err(why) = refused {
            block("LAB_FETCH_METADATA=on".into(), &why);
        }
    }

    // 3. Is the state-changing request itself accepted?
    if p.origin_check {
        let mut allowed = p.allowed_origins.clone();
        allowed.push(origins.bank.clone());
        let verdict =
            origin_check::check(traffic.post_origin.as_deref(), None, &AllowedOrigins::from_list(allowed));
        if let Err(refusal) = verdict {
            block("LAB_ORIGIN_CHECK=on".into(), &refusal.reason);
        }
    }
    if p.csrf_token && delivery == Delivery::CrossSiteForm {
        block(
            "LAB_CSRF_TOKEN=on".into(),
            "the forged form has no token: the attacker cannot read the bank's pages",
        );
    }
    if p.gesture_guard && delivery == Delivery::DoubleClick {
        block("LAB_GESTURE_GUARD=on".into(), "the second click meets a button that is still disabled");
    }

    if blocks.is_empty() { Outcome::Succeeds } else { Outcome::Blocked(blocks) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(delivery: Delivery, victim: Victim, vars: &[(&str, &str)], browser: Browser) -> Outcome {
        expect(delivery, victim, &Settings::from_pairs(vars).unwrap(), &LabOrigins::defaults(), browser)
    }

    const FRAMED: Delivery = Delivery::FramedClick { framer: Framer::CrossSite, sandboxed: false };
    const OFF: (&str, &str) = ("LAB_PROTECTIONS", "off");
    const CHROMIUM: Browser = Browser::CHROMIUM_DEFAULTS;

    fn blocked_by(o: &Outcome) -> Vec<&str> {
        o.blocks().iter().map(|b| b.by.as_str()).collect()
    }

    #[test]
    fn clickjacking_a_certificate_is_stopped_only_by_framing_defences() {
        assert!(outcome(FRAMED, Victim::Certificate, &[OFF], CHROMIUM).succeeds());
        let defaults = outcome(FRAMED, Victim::Certificate, &[], CHROMIUM);
        assert_eq!(blocked_by(&defaults), ["LAB_FRAME=deny", "LAB_FETCH_METADATA=on"]);
        assert!(defaults.blocks()[1].why.contains("Sec-Fetch-Dest: iframe"), "the real rule's words");
        let request_checks =
            [OFF, ("LAB_ORIGIN_CHECK", "on"), ("LAB_CSRF_TOKEN", "on"), ("LAB_SAMESITE", "strict")];
        assert!(outcome(FRAMED, Victim::Certificate, &request_checks, CHROMIUM).succeeds());
        assert!(
            outcome(FRAMED, Victim::Certificate, &[OFF, ("LAB_GESTURE_GUARD", "on")], CHROMIUM).succeeds()
        );
    }

    #[test]
    fn csrf_is_stopped_by_request_checks_not_by_frame_headers() {
        let csrf = Delivery::CrossSiteForm;
        assert!(
            outcome(
                csrf,
                Victim::Certificate,
                &[OFF, ("LAB_FRAME", "deny"), ("LAB_FETCH_METADATA", "on")],
                CHROMIUM
            )
            .succeeds()
        );
        assert_eq!(
            blocked_by(&outcome(csrf, Victim::Certificate, &[OFF, ("LAB_ORIGIN_CHECK", "on")], CHROMIUM)),
            ["LAB_ORIGIN_CHECK=on"]
        );
        assert_eq!(
            blocked_by(&outcome(csrf, Victim::Certificate, &[OFF, ("LAB_CSRF_TOKEN", "on")], CHROMIUM)),
            ["LAB_CSRF_TOKEN=on"]
        );
    }

    #[test]
    fn double_clickjacking_is_stopped_only_by_the_gesture_guard() {
        let dc = Delivery::DoubleClick;
        let framing = [
            OFF,
            ("LAB_FRAME", "deny"),
            ("LAB_FETCH_METADATA", "on"),
            ("LAB_ORIGIN_CHECK", "on"),
            ("LAB_CSRF_TOKEN", "on"),
        ];
        assert!(outcome(dc, Victim::Certificate, &framing, CHROMIUM).succeeds());
        assert_eq!(
            blocked_by(&outcome(dc, Victim::Certificate, &[OFF, ("LAB_GESTURE_GUARD", "on")], CHROMIUM)),
            ["LAB_GESTURE_GUARD=on"]
        );
    }

    #[test]
    fn a_sandboxed_frame_beats_the_classic_buster_but_not_the_hidden_one_nor_the_origin_check() {
        let sandboxed = Delivery::FramedClick { framer: Framer::CrossSite, sandboxed: true };
        assert!(
            outcome(sandboxed, Victim::Certificate, &[OFF, ("LAB_FRAMEBUSTER", "classic")], CHROMIUM)
                .succeeds()
        );
        assert!(
            !outcome(FRAMED, Victim::Certificate, &[OFF, ("LAB_FRAMEBUSTER", "classic")], CHROMIUM)
                .succeeds()
        );
        assert!(
            !outcome(sandboxed, Victim::Certificate, &[OFF, ("LAB_FRAMEBUSTER", "hidden")], CHROMIUM)
                .succeeds()
        );
        assert!(
            !outcome(sandboxed, Victim::Certificate, &[OFF, ("LAB_ORIGIN_CHECK", "on")], CHROMIUM).succeeds()
        );
    }

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

    #[test]
    fn cookie_sessions_depend_on_samesite_the_framer_and_the_browser() {
        let optional = ("LAB_MTLS", "optional");
        let allowed = Browser { third_party_cookies: true, ..CHROMIUM };
        let blocked = outcome(FRAMED, Victim::CookieSession, &[optional, OFF], CHROMIUM);
        assert_eq!(blocked_by(&blocked), ["browser: third-party cookies blocked"]);
        let partitioned = outcome(FRAMED, Victim::CookieSession, &[optional, OFF], Browser::FIREFOX_DEFAULTS);
        assert_eq!(blocked_by(&partitioned), ["browser: Total Cookie Protection"]);
        assert!(outcome(FRAMED, Victim::CookieSession, &[optional, OFF], allowed).succeeds());
        assert!(
            !outcome(FRAMED, Victim::CookieSession, &[optional, OFF, ("LAB_SAMESITE", "lax")], allowed)
                .succeeds()
        );
        let sibling = Delivery::FramedClick { framer: Framer::SameSite, sandboxed: false };
        assert!(
            outcome(sibling, Victim::CookieSession, &[optional, OFF, ("LAB_SAMESITE", "strict")], CHROMIUM)
                .succeeds()
        );
        assert!(
            !outcome(FRAMED, Victim::CookieSession, &[OFF], allowed).succeeds(),
            "no sessions in required mode"
        );
    }

    #[test]
    fn misconfigured_frame_policies_block_nothing() {
        for mode in ["meta", "allow-from", "report-only"] {
            assert!(
                outcome(FRAMED, Victim::Certificate, &[OFF, ("LAB_FRAME", mode)], CHROMIUM).succeeds(),
                "{mode}"
            );
        }
        let listed = [OFF, ("LAB_FRAME", "allowlist"), ("LAB_FRAME_ANCESTORS", "http://127.0.0.1:8666")];
        assert!(outcome(FRAMED, Victim::Certificate, &listed, CHROMIUM).succeeds());
    }
}
