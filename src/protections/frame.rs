//! Frame-deny headers: the defence against clickjacking.
//!
//! **Threat.** An attacker's page loads the bank in an `<iframe>`, makes it (nearly) invisible and
//! lays a decoy over the bank's confirm button; the victim's click lands in the bank. The browser
//! sends the victim's cookies and presents the client certificate inside the frame, so the request
//! is fully authenticated, and it carries the bank's own Origin.
//!
//! **Rule.** Tell the browser not to render the bank inside another site's frame:
//! `X-Frame-Options` (the legacy header) and CSP `frame-ancestors` (the standard, which wins when
//! both are present). X-Frame-Options can only say `DENY` or `SAMEORIGIN`: its `ALLOW-FROM` form was
//! never supported by Chromium and is ignored by modern browsers, so a list of trusted framers can
//! only be expressed with `frame-ancestors`.
//!
//! **Flag.** `LAB_FRAME=deny|sameorigin|allowlist|off` (default `deny`), with the allowlist's
//! origins in `LAB_FRAME_ANCESTORS`.

use crate::origin::Origin;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameMode {
    /// `X-Frame-Options: DENY` and `frame-ancestors 'none'`.
    Deny,
    /// `X-Frame-Options: SAMEORIGIN` and `frame-ancestors 'self'`.
    SameOrigin,
    /// `frame-ancestors 'self' <origins>` and no X-Frame-Options (it cannot express a list).
    Allowlist,
    /// Neither header: any site may frame the bank.
    Off,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramePolicy {
    pub mode: FrameMode,
    /// `LAB_FRAME_ANCESTORS`: used by [`FrameMode::Allowlist`] only.
    pub ancestors: Vec<Origin>,
}

impl FramePolicy {
    pub fn x_frame_options(&self) -> Option<&'static str> {
        match self.mode {
            FrameMode::Deny => Some("DENY"),
            FrameMode::SameOrigin => Some("SAMEORIGIN"),
            FrameMode::Allowlist | FrameMode::Off => None,
        }
    }

    /// The value of the CSP `frame-ancestors` directive, if any.
    pub fn frame_ancestors(&self) -> Option<String> {
        match self.mode {
            FrameMode::Deny => Some("'none'".to_owned()),
            FrameMode::SameOrigin => Some("'self'".to_owned()),
            FrameMode::Allowlist => {
                let mut sources = vec!["'self'"];
                sources.extend(self.ancestors.iter().map(Origin::as_str));
                Some(sources.join(" "))
            }
            FrameMode::Off => None,
        }
    }

    pub fn protects(&self) -> bool {
        self.mode != FrameMode::Off
    }

    pub fn describe(&self) -> String {
        match self.mode {
            FrameMode::Deny => "deny".to_owned(),
            FrameMode::SameOrigin => "sameorigin".to_owned(),
            FrameMode::Allowlist => format!("allowlist ({})", self.frame_ancestors().unwrap_or_default()),
            FrameMode::Off => "off".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(mode: FrameMode, ancestors: &[&str]) -> FramePolicy {
        FramePolicy { mode, ancestors: ancestors.iter().map(|o| Origin::parse(o).unwrap()).collect() }
    }

    #[test]
    fn each_mode_maps_to_its_headers() {
        let deny = policy(FrameMode::Deny, &[]);
        assert_eq!(deny.x_frame_options(), Some("DENY"));
        assert_eq!(deny.frame_ancestors().as_deref(), Some("'none'"));
        let same = policy(FrameMode::SameOrigin, &[]);
        assert_eq!(same.x_frame_options(), Some("SAMEORIGIN"));
        assert_eq!(same.frame_ancestors().as_deref(), Some("'self'"));
        let list = policy(FrameMode::Allowlist, &["https://partner.test", "http://127.0.0.1:9000"]);
        assert_eq!(list.x_frame_options(), None);
        assert_eq!(
            list.frame_ancestors().as_deref(),
            Some("'self' https://partner.test http://127.0.0.1:9000")
        );
        let off = policy(FrameMode::Off, &["https://ignored.test"]);
        assert_eq!((off.x_frame_options(), off.frame_ancestors()), (None, None));
        assert!(!off.protects());
    }
}
