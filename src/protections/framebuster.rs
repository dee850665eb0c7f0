//! Frame-busting scripts: a teaching aid, not a defence.
//!
//! **Threat.** Clickjacking, from before browsers had frame headers.
//!
//! **Rule.** `classic`: a script that, when the page is framed, blanks it and tries to navigate
//! the top window to the bank. Chromium no longer lets a cross-origin frame navigate `top`
//! without a user gesture, so the page just stays blank; and an attacker who frames the bank with
//! `sandbox="allow-forms"` (scripts off) stops the script from running at all: the page renders,
//! the click lands. `hidden` (OWASP's variant): a stylesheet hides the page, and the script shows
//! it only when it is not framed. The sandbox trick leaves it hidden, so it survives, at a cost:
//! without JavaScript the page is blank for everyone. Headers (`LAB_FRAME`) come first; neither
//! script is needed with them.
//!
//! **Flag.** `LAB_FRAMEBUSTER=classic|hidden|off` (default `off`, even with the protections on:
//! script is not a defence).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameBuster {
    Classic,
    Hidden,
    Off,
}

impl FrameBuster {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Hidden => "hidden",
            Self::Off => "off",
        }
    }

    /// The buster a `LAB_FRAMEBUSTER` value names.
    pub fn from_choice(text: &str) -> Option<Self> {
        [Self::Classic, Self::Hidden, Self::Off].into_iter().find(|b| b.as_str() == text)
    }

    /// The stylesheet and script a page includes for this buster.
    pub fn assets(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Classic => {
                Some(("/static/css/framebuster-classic.css", "/static/js/framebuster-classic.js"))
            }
            Self::Hidden => Some(("/static/css/framebuster-hidden.css", "/static/js/framebuster-hidden.js")),
            Self::Off => None,
        }
    }

    /// Whether the bank's page stays unusable inside a frame, when the framing page does
    /// (`sandboxed`) or does not switch the frame's scripts off with a sandbox.
    pub fn stops(self, sandboxed: bool) -> bool {
        match self {
            Self::Classic => !sandboxed,
            Self::Hidden => true,
            Self::Off => false,
        }
    }
}
