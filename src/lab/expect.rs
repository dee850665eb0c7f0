//! The outcome to expect for an attack under the current flags.
//!
//! [`expect`] walks an attack through the steps a browser takes: does the victim's identity reach
//! the bank, does the page render usable where the attack needs it, is the final request accepted.
//! For the server's own checks it builds the headers Chromium sends for that attack (measured, see
//! `../shared/BROWSER.md`) and runs the protection modules' real rules on them
//! (`origin_check::check`, `fetch_metadata::check_navigation` and `check_state_change`, the frame
//! policy's `blocks`); what happens in the browser (cookies, scripts in a sandbox) is modelled here.

use super::{Block, Browser, Delivery, Engine, Framer, Outcome, Victim};
use crate::config::Settings;
use crate::identity::mode::MtlsMode;
use crate::protections::origin_check;
use crate::protections::{SameSite, fetch_metadata};
use crate::sites::Sites;

fn framing_origin(sites: &Sites, framer: Framer) -> &crate::origin::Origin {
    match framer {
        Framer::CrossSite => &sites.cross_site,
        Framer::SameSite => &sites.same_site,
    }
}

/// The headers Chromium sends for an attack (see `../shared/BROWSER.md`): those of the page load
/// the attack starts with, if any, and those of the final POST.
struct Traffic {
    load: Option<(&'static str, &'static str)>,
    post_origin: Option<String>,
    post_dest: &'static str,
}

fn traffic(delivery: Delivery, origins: &Sites) -> Traffic {
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
    origins: &Sites,
    browser: Browser,
) -> Outcome {
    let p = &settings.protections;
    let mut blocks = Vec::new();
    let mut block = |by: String, why: &str| blocks.push(Block { by, why: why.to_owned() });

    // 1. Does the victim's identity reach the bank with these requests?
    match victim {
        Victim::Certificate if settings.identity.mtls == MtlsMode::Off => {
            block("LAB_MTLS=off".into(), "no certificate sign-in: the bank never asks for one");
        }
        Victim::Certificate => {} // mTLS never stops it: the certificate is presented everywhere.
        Victim::CookieSession if !settings.identity.mtls.allows_password() => {
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
        if p.frame.blocks(framing_origin(origins, framer)) {
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
        let allowed = origins.allowed_origins(&p.allowed_origins);
        let verdict = origin_check::check(traffic.post_origin.as_deref(), None, &allowed);
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
        let settings = Settings::from_pairs(vars).unwrap();
        expect(delivery, victim, &settings, &settings.network.sites(), browser)
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
    fn misconfigured_frame_policies_block_nothing_and_quirks_block_as_measured() {
        let modes = [("meta", true), ("allow-from", true), ("report-only", true), ("xfo-conflict", false)];
        let quirks = [("xfo-list", false), ("xfo-typo", true), ("csp-typo", false), ("csp-wildcard", true)];
        for (mode, lands) in modes.into_iter().chain(quirks) {
            let predicted = outcome(FRAMED, Victim::Certificate, &[OFF, ("LAB_FRAME", mode)], CHROMIUM);
            assert_eq!(predicted.succeeds(), lands, "{mode}");
        }
        let listed = [OFF, ("LAB_FRAME", "allowlist"), ("LAB_FRAME_ANCESTORS", "http://127.0.0.1:8666")];
        assert!(outcome(FRAMED, Victim::Certificate, &listed, CHROMIUM).succeeds());
    }
}
