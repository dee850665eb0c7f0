//! The session cookie's SameSite attribute: a defence against cross-site requests that ride on a
//! cookie session.
//!
//! **Threat.** A cross-site page makes the victim's browser send a request to the bank (a form
//! post, a framed page); with a cookie session the browser attaches the cookie and the bank sees
//! the victim.
//!
//! **Rule.** `SameSite=Strict` withholds the cookie from every request started by another site;
//! `Lax` sends it only on top-level GET navigations; `None` sends it everywhere (the browser may
//! still block it as a third-party cookie). "Site" is scheme plus registrable domain: another port
//! on localhost is the *same site*, so SameSite is no defence against a sibling origin. It does
//! nothing for a client certificate, which the browser presents regardless.
//!
//! **Flag.** `LAB_SAMESITE=strict|lax|none` (default `strict`; the off-preset gives `none`). The
//! cookie is always `HttpOnly; Secure`.

use actix_web::cookie;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    Strict,
    Lax,
    None,
}

impl SameSite {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Lax => "lax",
            Self::None => "none",
        }
    }

    /// The attribute a `LAB_SAMESITE` value names.
    pub fn from_choice(text: &str) -> Option<Self> {
        [Self::Strict, Self::Lax, Self::None].into_iter().find(|s| s.as_str() == text)
    }

    pub fn cookie_attribute(self) -> cookie::SameSite {
        match self {
            Self::Strict => cookie::SameSite::Strict,
            Self::Lax => cookie::SameSite::Lax,
            Self::None => cookie::SameSite::None,
        }
    }
}
