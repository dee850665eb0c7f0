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
//! origins in `LAB_FRAME_ANCESTORS`. Three more values are misconfigurations that look protected
//! and are not: `meta` puts `frame-ancestors 'none'` in a `<meta>` CSP, which browsers ignore for
//! that directive; `allow-from` sends `X-Frame-Options: ALLOW-FROM <origin>`, an obsolete form
//! that browsers ignore (failing open); `report-only` sends the policy as
//! `Content-Security-Policy-Report-Only`, which reports a framing to `/csp-report` but allows it.
//!
//! Five header quirks, each as browsers process it today (the HTML standard's X-Frame-Options
//! rules; CSP 3), measured alike in Chromium 156 and Firefox 153 ESR; older engines differed on
//! duplicates and lists, so the outcome is bound to the engine's version:
//! - `xfo-conflict`: two `X-Frame-Options` headers that disagree (`DENY` and `ALLOWALL`, as when an
//!   app and a proxy both set one): a set of values that holds a keyword and more is refused, so
//!   it fails closed.
//! - `xfo-list`: `X-Frame-Options: SAMEORIGIN, ALLOW-FROM <partner>`, a list meant to admit a
//!   partner: refused alike, so it fails closed, for the partner too.
//! - `xfo-typo`: `X-Frame-Options: DENY;` (a stray semicolon): a value that is no keyword is
//!   ignored, so it fails open.
//! - `csp-typo`: `frame-ancestors 'nonne'`: an invalid source is dropped, and an empty list matches
//!   no one, so it fails closed.
//! - `csp-wildcard`: `frame-ancestors *` beside `X-Frame-Options: DENY`: an enforced
//!   `frame-ancestors` makes browsers skip X-Frame-Options, so it fails open.

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
    /// Misconfiguration: `frame-ancestors 'none'` in a `<meta>` tag (ignored by browsers).
    Meta,
    /// Misconfiguration: `X-Frame-Options: ALLOW-FROM <origin>` (ignored by browsers).
    AllowFrom,
    /// Misconfiguration: `Content-Security-Policy-Report-Only: frame-ancestors 'none'` (reports only).
    ReportOnly,
    /// Quirk: `X-Frame-Options: DENY` and `X-Frame-Options: ALLOWALL`, two headers (refused).
    XfoConflict,
    /// Quirk: `X-Frame-Options: SAMEORIGIN, ALLOW-FROM <partner>`, a list (refused, partner too).
    XfoList,
    /// Quirk: `X-Frame-Options: DENY;`, no keyword (ignored).
    XfoTypo,
    /// Quirk: `frame-ancestors 'nonne'`, an invalid source dropped from the list (no one matches).
    CspTypo,
    /// Quirk: `frame-ancestors *` beside `X-Frame-Options: DENY` (the CSP wins: anyone may frame).
    CspWildcard,
}

/// Where the report-only policy sends its violation reports.
pub const REPORT_PATH: &str = "/csp-report";
/// The origin an `ALLOW-FROM` names when `LAB_FRAME_ANCESTORS` names none.
const ALLOW_FROM_DEFAULT: &str = "https://partner.example";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramePolicy {
    pub mode: FrameMode,
    /// `LAB_FRAME_ANCESTORS`: used by [`FrameMode::Allowlist`] only.
    pub ancestors: Vec<Origin>,
}

impl FrameMode {
    /// The `LAB_FRAME` value that names this mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deny => "deny",
            Self::SameOrigin => "sameorigin",
            Self::Allowlist => "allowlist",
            Self::Off => "off",
            Self::Meta => "meta",
            Self::AllowFrom => "allow-from",
            Self::ReportOnly => "report-only",
            Self::XfoConflict => "xfo-conflict",
            Self::XfoList => "xfo-list",
            Self::XfoTypo => "xfo-typo",
            Self::CspTypo => "csp-typo",
            Self::CspWildcard => "csp-wildcard",
        }
    }

    /// Every mode, in the order `LAB_FRAME` lists them.
    pub const ALL: [Self; 12] = [
        Self::Deny,
        Self::SameOrigin,
        Self::Allowlist,
        Self::Off,
        Self::Meta,
        Self::AllowFrom,
        Self::ReportOnly,
        Self::XfoConflict,
        Self::XfoList,
        Self::XfoTypo,
        Self::CspTypo,
        Self::CspWildcard,
    ];

    /// The mode a `LAB_FRAME` value names.
    pub fn from_choice(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl FramePolicy {
    /// The `X-Frame-Options` values sent, one per header.
    pub fn x_frame_options(&self) -> Vec<String> {
        let partner = || self.ancestors.first().map_or(ALLOW_FROM_DEFAULT, Origin::as_str);
        match self.mode {
            FrameMode::Deny | FrameMode::CspWildcard => vec!["DENY".to_owned()],
            FrameMode::SameOrigin => vec!["SAMEORIGIN".to_owned()],
            FrameMode::AllowFrom => vec![format!("ALLOW-FROM {}", partner())],
            FrameMode::XfoConflict => vec!["DENY".to_owned(), "ALLOWALL".to_owned()],
            FrameMode::XfoList => vec![format!("SAMEORIGIN, ALLOW-FROM {}", partner())],
            FrameMode::XfoTypo => vec!["DENY;".to_owned()],
            _ => Vec::new(),
        }
    }

    /// The frame headers as sent, one line each (`X-Frame-Options: DENY`, ...), for the pages that
    /// say what the browser was told.
    pub fn header_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> =
            self.x_frame_options().iter().map(|v| format!("X-Frame-Options: {v}")).collect();
        lines.extend(self.frame_ancestors().map(|v| format!("Content-Security-Policy: frame-ancestors {v}")));
        lines
    }

    /// The `Content-Security-Policy-Report-Only` value, for `report-only`.
    pub fn report_only(&self) -> Option<String> {
        (self.mode == FrameMode::ReportOnly)
            .then(|| format!("frame-ancestors 'none'; report-uri {REPORT_PATH}"))
    }

    /// The policy `meta` puts in a `<meta http-equiv>` tag, where browsers ignore `frame-ancestors`.
    pub fn meta_policy(&self) -> Option<&'static str> {
        (self.mode == FrameMode::Meta).then_some("frame-ancestors 'none'")
    }

    /// Whether a browser refuses to render the bank inside a page of `framer`'s origin.
    pub fn blocks(&self, framer: &Origin) -> bool {
        match self.mode {
            FrameMode::Deny | FrameMode::SameOrigin => true,
            FrameMode::Allowlist => !self.ancestors.contains(framer),
            // Measured in Chromium 156 and Firefox 153 ESR (the module's comment says why).
            FrameMode::XfoConflict | FrameMode::XfoList | FrameMode::CspTypo => true,
            FrameMode::XfoTypo | FrameMode::CspWildcard => false,
            FrameMode::Off | FrameMode::Meta | FrameMode::AllowFrom | FrameMode::ReportOnly => false,
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
            FrameMode::CspTypo => Some("'nonne'".to_owned()),
            FrameMode::CspWildcard => Some("*".to_owned()),
            _ => None,
        }
    }

    /// Whether this setting keeps another site from framing the bank (the misconfigurations do not;
    /// of the quirks, those that fail closed do).
    pub fn protects(&self) -> bool {
        use FrameMode::*;
        matches!(self.mode, Deny | SameOrigin | Allowlist | XfoConflict | XfoList | CspTypo)
    }

    pub fn describe(&self) -> String {
        match self.mode {
            FrameMode::Allowlist => format!("allowlist ({})", self.frame_ancestors().unwrap_or_default()),
            mode => mode.as_str().to_owned(),
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
        assert_eq!(deny.x_frame_options(), ["DENY"]);
        assert_eq!(deny.frame_ancestors().as_deref(), Some("'none'"));
        let same = policy(FrameMode::SameOrigin, &[]);
        assert_eq!(same.x_frame_options(), ["SAMEORIGIN"]);
        assert_eq!(same.frame_ancestors().as_deref(), Some("'self'"));
        let list = policy(FrameMode::Allowlist, &["https://partner.test", "http://127.0.0.1:9000"]);
        assert!(list.x_frame_options().is_empty());
        assert_eq!(
            list.frame_ancestors().as_deref(),
            Some("'self' https://partner.test http://127.0.0.1:9000")
        );
        let off = policy(FrameMode::Off, &["https://ignored.test"]);
        assert_eq!((off.x_frame_options().len(), off.frame_ancestors()), (0, None));
        assert!(!off.protects());
    }

    #[test]
    fn misconfigurations_send_what_browsers_ignore() {
        let meta = policy(FrameMode::Meta, &[]);
        assert_eq!((meta.x_frame_options().len(), meta.frame_ancestors()), (0, None));
        assert_eq!(meta.meta_policy(), Some("frame-ancestors 'none'"));
        let allow_from = policy(FrameMode::AllowFrom, &["https://partner.test"]);
        assert_eq!(allow_from.x_frame_options(), ["ALLOW-FROM https://partner.test"]);
        let report = policy(FrameMode::ReportOnly, &[]);
        assert_eq!(report.frame_ancestors(), None);
        assert_eq!(report.report_only().as_deref(), Some("frame-ancestors 'none'; report-uri /csp-report"));
        for p in [meta, allow_from, report] {
            assert!(!p.protects() && !p.blocks(&Origin::parse("http://127.0.0.1:8666").unwrap()));
        }
    }

    #[test]
    fn header_quirks_send_what_they_say_and_block_as_measured() {
        let attacker = Origin::parse("http://127.0.0.1:8666").unwrap();
        let quirk = |mode| policy(mode, &["https://partner.test"]);
        let conflict = quirk(FrameMode::XfoConflict);
        assert_eq!(conflict.header_lines(), ["X-Frame-Options: DENY", "X-Frame-Options: ALLOWALL"]);
        assert!(conflict.blocks(&attacker) && conflict.protects());
        let list = quirk(FrameMode::XfoList);
        assert_eq!(list.x_frame_options(), ["SAMEORIGIN, ALLOW-FROM https://partner.test"]);
        assert!(list.blocks(&Origin::parse("https://partner.test").unwrap()), "the partner too");
        let typo = quirk(FrameMode::XfoTypo);
        assert_eq!(typo.header_lines(), ["X-Frame-Options: DENY;"]);
        assert!(!typo.blocks(&attacker) && !typo.protects());
        let csp = quirk(FrameMode::CspTypo);
        assert_eq!(csp.header_lines(), ["Content-Security-Policy: frame-ancestors 'nonne'"]);
        assert!(csp.blocks(&attacker) && csp.protects());
        let wildcard = quirk(FrameMode::CspWildcard);
        assert_eq!(
            wildcard.header_lines(),
            ["X-Frame-Options: DENY", "Content-Security-Policy: frame-ancestors *"]
        );
        assert!(!wildcard.blocks(&attacker) && !wildcard.protects());
        for mode in FrameMode::ALL {
            assert_eq!(FrameMode::from_choice(mode.as_str()), Some(mode));
            let unlisted = policy(mode, &[]);
            assert_eq!(
                unlisted.protects(),
                unlisted.blocks(&attacker),
                "{mode:?}: the footer says what happens"
            );
        }
    }

    #[test]
    fn an_allowlist_blocks_everyone_it_does_not_list() {
        let list = policy(FrameMode::Allowlist, &["http://127.0.0.1:8666"]);
        assert!(!list.blocks(&Origin::parse("http://127.0.0.1:8666").unwrap()));
        assert!(list.blocks(&Origin::parse("https://localhost:8667").unwrap()));
    }
}
