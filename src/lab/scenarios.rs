//! The catalogue: one entry per attack page in `attacker-site/`.

use super::{Delivery, Engine, Framer, Victim};

pub struct Scenario {
    /// Tag in the attack page's links (`scenario=<id>`), and the key of its solved badge.
    pub id: &'static str,
    pub title: &'static str,
    /// Path of the attack page on the attacker site.
    pub page: &'static str,
    pub delivery: Delivery,
    /// What the attack moves from the victim to mallory (the attack page's own figure). The whole
    /// catalogue fits alice's seeded balance, so every attack works whatever ran before it.
    pub amount: &'static str,
    /// The identity the scenario is about; `None`: whoever the visitor is.
    pub victim: Option<Victim>,
    pub summary: &'static str,
    /// What one engine does differently here (measured by `tests/browser`), where it does.
    pub engine_notes: &'static [(Engine, &'static str)],
}

impl Scenario {
    /// This scenario's note for `engine`, if the engines differ here.
    pub fn note_for(&self, engine: &Engine) -> Option<&'static str> {
        self.engine_notes.iter().find(|(e, _)| e == engine).map(|(_, note)| *note)
    }

    pub fn find(id: &str) -> Option<&'static Scenario> {
        SCENARIOS.iter().find(|s| s.id == id)
    }

    /// Whether the page is served by the HTTPS attacker on the bank's own site.
    pub fn same_site(&self) -> bool {
        matches!(self.delivery, Delivery::FramedClick { framer: Framer::SameSite, .. })
    }
}

const FRAMED: Delivery = Delivery::FramedClick { framer: Framer::CrossSite, sandboxed: false };

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: "basic",
        title: "Basic clickjacking",
        page: "/basic.html",
        delivery: FRAMED,
        amount: "40.00",
        victim: None,
        summary: "The prefilled confirmation page, nearly invisible, under a decoy button. The CSRF token is \
                  in the framed form and does not help.",
        engine_notes: &[],
    },
    Scenario {
        id: "multistep",
        title: "Multistep",
        page: "/multistep.html",
        delivery: FRAMED,
        amount: "510.00",
        victim: None,
        summary: "A transfer above LAB_CONFIRM_ABOVE asks \"Are you sure?\"; the attack page leads the victim \
                  through two decoys.",
        engine_notes: &[],
    },
    Scenario {
        id: "framebuster",
        title: "Frame busters",
        page: "/framebuster.html",
        delivery: Delivery::FramedClick { framer: Framer::CrossSite, sandboxed: true },
        amount: "35.00",
        victim: None,
        summary: "The bank framed with sandbox=\"allow-forms\": scripts off, so a classic frame-busting script \
                  never runs. OWASP's hidden-until-verified variant stays blank.",
        engine_notes: &[],
    },
    Scenario {
        id: "csrf",
        title: "CSRF, for contrast",
        page: "/csrf.html",
        delivery: Delivery::CrossSiteForm,
        amount: "25.00",
        victim: None,
        summary: "A cross-site form that submits itself. No frame, so frame headers do not matter; the client \
                  certificate is presented, so mTLS does not either.",
        engine_notes: &[],
    },
    Scenario {
        id: "doubleclick",
        title: "DoubleClickjacking",
        page: "/doubleclick.html",
        delivery: Delivery::DoubleClick,
        amount: "30.00",
        victim: None,
        summary: "A popup asks for a double-click and, between the two clicks, navigates the original window to \
                  the confirmation page. No frame: only the gesture guard sees it.",
        engine_notes: &[],
    },
    Scenario {
        id: "misconfig",
        title: "Misconfigurations",
        page: "/misconfig.html",
        delivery: FRAMED,
        amount: "55.00",
        victim: None,
        summary: "Frame policies that look protective and are not: frame-ancestors in a <meta> tag, \
                  X-Frame-Options ALLOW-FROM, a report-only policy, an allowlist that lists the attacker; and \
                  five header quirks, some failing closed (two disagreeing X-Frame-Options, a list, a typo'd \
                  frame-ancestors source) and some open (X-Frame-Options: DENY;, frame-ancestors * over DENY).",
        engine_notes: &[
            (
                Engine::Chromium,
                "Report-only: the CSP report reaches the bank, sent with your certificate (the audit log shows it). \
                 The header quirks were measured in Chromium 156, which agrees with Firefox 153 ESR on all five; \
                 older versions differed on repeated and listed X-Frame-Options: the outcome is the version's.",
            ),
            (
                Engine::Firefox,
                "Report-only: Firefox sends the CSP report without a client certificate, so with LAB_MTLS=required \
                 the bank refuses it in the handshake and never hears of the framing. The header quirks were \
                 measured in Firefox 153 ESR, which agrees with Chromium 156 on all five; older versions differed \
                 on repeated and listed X-Frame-Options: the outcome is the version's.",
            ),
        ],
    },
    Scenario {
        id: "samesite",
        title: "Same-site attacker",
        page: "/samesite.html",
        delivery: Delivery::FramedClick { framer: Framer::SameSite, sandboxed: false },
        amount: "50.00",
        victim: Some(Victim::CookieSession),
        summary: "The attacker on another port of localhost, over HTTPS: the same site as the bank, so even \
                  SameSite=Strict cookies flow into its frames.",
        engine_notes: &[],
    },
    Scenario {
        id: "cookie-session",
        title: "Cookie-session variant",
        page: "/cookie-session.html",
        delivery: FRAMED,
        amount: "45.00",
        victim: Some(Victim::CookieSession),
        summary: "The basic attack against a password session: SameSite Lax/Strict and the browser's \
                  third-party-cookie blocking stop it, unlike the certificate case.",
        engine_notes: &[
            (Engine::Chromium, "A new profile blocks third-party cookies: the frame has no session."),
            (
                Engine::Firefox,
                "Total Cookie Protection gives the frame a cookie jar of its own: the frame has no session.",
            ),
        ],
    },
    Scenario {
        id: "svg-filter",
        title: "SVG-filter clickjacking",
        page: "/svg-filter.html",
        delivery: FRAMED,
        amount: "35.00",
        victim: None,
        summary: "The bank framed at full opacity, disguised by an SVG filter that turns its own button into the \
                  attacker's. The click lands in every engine; what the victim sees depends on the engine and its \
                  version.",
        engine_notes: &[
            (
                Engine::Chromium,
                "Measured in Chromium 156: the SVG filter is not applied to the cross-origin frame (Chromium 150 \
                 and later), so you see the bank's real page, not the disguise. The click still lands. An older \
                 Chromium applies the filter: the outcome is the version's.",
            ),
            (
                Engine::Firefox,
                "Measured in Firefox 153 ESR: the SVG filter is applied to the cross-origin frame, so the disguise \
                 works; the click lands. A later Firefox may stop filtering such frames: the outcome is the \
                 version's.",
            ),
        ],
    },
    Scenario {
        id: "cursorjack",
        title: "Cursorjacking",
        page: "/cursorjack.html",
        delivery: FRAMED,
        amount: "25.00",
        victim: None,
        summary: "The page hides the pointer and draws a fake one 420 px to its left: the victim aims it at \
                  \"Play video\" while the real one presses the bank's button, in plain sight. The gesture guard \
                  sees a real pointer move and lets it through.",
        engine_notes: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::SCENARIOS;
    use crate::money::Money;

    #[test]
    fn the_whole_catalogue_fits_alices_seeded_balance_and_each_page_asks_its_own_amount() {
        let seeded = crate::db::SEED_USERS.iter().find(|(name, _, _)| *name == "alice").unwrap().2;
        let cents = |text: &str| Money::parse(text).unwrap().cents();
        let total: i64 = SCENARIOS.iter().map(|s| cents(s.amount)).sum();
        assert!(total <= seeded, "the catalogue moves {total} cents; alice has {seeded}");
        let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("attacker-site");
        for scenario in SCENARIOS {
            let mut text = std::fs::read_to_string(site.join(scenario.page.trim_start_matches('/'))).unwrap();
            if scenario.id == "doubleclick" {
                text.push_str(&std::fs::read_to_string(site.join("js/doubleclick-popup.js")).unwrap());
            }
            let asks = [
                format!("amount={}", scenario.amount),
                format!("name=\"amount\" value=\"{}\"", scenario.amount),
            ];
            assert!(
                asks.iter().any(|a| text.contains(a.as_str())),
                "{} asks for {}",
                scenario.page,
                scenario.amount
            );
        }
    }
}
