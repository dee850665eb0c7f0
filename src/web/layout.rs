//! What every page shows around its content: who the bank thinks you are, and the effective
//! protections (the footer), so a trainee always knows which lab configuration they are in.

use crate::error::Result;
use crate::identity::Visitor;
use crate::protections::Setting;
use crate::protections::gesture_guard::{self, GestureGuard};
use crate::state::AppState;
use crate::tls::peer::PeerCert;

pub struct Layout {
    pub title: String,
    pub username: Option<String>,
    pub signed_in_by: Option<&'static str>,
    pub cert: Option<PeerCert>,
    pub mtls: &'static str,
    pub settings: Vec<Setting>,
    /// A password session the header's sign-out button can end.
    pub can_sign_out: bool,
    /// The visitor's CSRF token, when the token check is on.
    pub csrf_token: Option<String>,
    /// `LAB_FRAME=meta`: the policy put (uselessly) in a `<meta>` tag.
    pub meta_policy: Option<&'static str>,
    /// `LAB_FRAMEBUSTER`: the stylesheet and script to include.
    pub framebuster: Option<(&'static str, &'static str)>,
    /// `LAB_GESTURE_GUARD`: confirm buttons start disabled, and the guard script is included.
    pub gesture_guard: Option<GestureGuard>,
    /// The attacker site's start page, which diagnoses a browser's certificate setup.
    pub start_page: String,
}

impl Layout {
    /// The layout of a page, with the visitor's CSRF token for its forms (the header's sign-out
    /// button is one of them, on every page).
    pub async fn new(state: &AppState, visitor: &Visitor, title: &str) -> Result<Self> {
        let mut layout = Self::without_forms(state, Some(visitor), title);
        layout.can_sign_out = visitor.session.as_ref().is_some_and(|s| s.user_id.is_some());
        layout.csrf_token = token(state, visitor).await?;
        Ok(layout)
    }

    /// The layout of an error page: no forms, so no token and no sign-out button.
    pub fn without_forms(state: &AppState, visitor: Option<&Visitor>, title: &str) -> Self {
        let user = visitor.and_then(|v| v.user.as_ref());
        let now = state.protections.now();
        let protections = &now.protections;
        Self {
            title: title.to_owned(),
            username: user.map(|(u, _)| u.username.to_string()),
            signed_in_by: user.map(|(_, by)| by.as_str()),
            cert: visitor.and_then(|v| v.cert.clone()),
            mtls: state.settings.identity.mtls.as_str(),
            settings: protections.summary(),
            can_sign_out: false,
            csrf_token: None,
            meta_policy: protections.frame.meta_policy(),
            framebuster: protections.framebuster.assets(),
            gesture_guard: gesture_guard::when(protections.gesture_guard, protections.gesture_delay_ms),
            start_page: format!("{}/start", state.sites.cross_site),
        }
    }
}

/// The visitor's CSRF token if the check is on and there is an identity to bind it to.
pub async fn token(state: &AppState, visitor: &Visitor) -> Result<Option<String>> {
    if !state.protections.now().protections.csrf_token {
        return Ok(None);
    }
    Ok(visitor.csrf_subject().map(|subject| state.csrf_key.token_for(&subject.to_string())))
}
