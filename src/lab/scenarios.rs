//! The catalogue: one entry per attack page in `attacker-site/`.

use super::{Delivery, Engine, Framer, Victim};

pub struct Scenario {
    /// Tag in the attack page's links (`scenario=<id>`), and the key of its solved badge.
    pub id: &'static str,
    pub title: &'static str,
    /// Path of the attack page on the attacker site.
    pub page: &'static str,
    pub delivery: Delivery,
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
        victim: None,
        summary: "Frame policies that look protective and are not: frame-ancestors in a <meta> tag, \
                  X-Frame-Options ALLOW-FROM, a report-only policy, an allowlist that lists the attacker.",
        engine_notes: &[
            (
                Engine::Chromium,
                "Report-only: the CSP report reaches the bank, sent with your certificate (the audit log shows it).",
            ),
            (
                Engine::Firefox,
                "Report-only: Firefox sends the CSP report without a client certificate, so with LAB_MTLS=required \
                 the bank refuses it in the handshake and never hears of the framing.",
            ),
        ],
    },
    Scenario {
        id: "samesite",
        title: "Same-site attacker",
        page: "/samesite.html",
        delivery: Delivery::FramedClick { framer: Framer::SameSite, sandboxed: false },
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
];
