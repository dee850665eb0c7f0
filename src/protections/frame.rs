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
        }
    }

    /// The mode a `LAB_FRAME` value names.
    pub fn from_choice(text: &str) -> Option<Self> {
        Some(match text {
            "deny" => Self::Deny,
            "sameorigin" => Self::SameOrigin,
            "allowlist" => Self::Allowlist,
            "off" => Self::Off,
            "meta" => Self::Meta,
            "allow-from" => Self::AllowFrom,
            "report-only" => Self::ReportOnly,
            _ => return None,
        })
    }
}

impl FramePolicy {
    pub fn x_frame_options(&self) -> Option<String> {
        match self.mode {
            FrameMode::Deny => Some("DENY".to_owned()),
            FrameMode::SameOrigin => Some("SAMEORIGIN".to_owned()),
            FrameMode::AllowFrom => Some(format!(
                "ALLOW-FROM {}",
                self.ancestors.first().map_or(ALLOW_FROM_DEFAULT, Origin::as_str)
            )),
            _ => None,
        }
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
            FrameMode::Off | FrameMode::Meta | FrameMode::AllowFrom | FrameMode::ReportOnly => None,
        }
    }

    /// Whether this setting protects at all (the misconfigurations do not).
    pub fn protects(&self) -> bool {
        matches!(self.mode, FrameMode::Deny | FrameMode::SameOrigin | FrameMode::Allowlist)
    }

    pub fn describe(&self) -> String {
        match self.mode {
            FrameMode::Deny => "deny".to_owned(),
            FrameMode::SameOrigin => "sameorigin".to_owned(),
            FrameMode::Allowlist => format!("allowlist ({})", self.frame_ancestors().unwrap_or_default()),
            FrameMode::Off => "off".to_owned(),
            FrameMode::Meta => "meta".to_owned(),
            FrameMode::AllowFrom => "allow-from".to_owned(),
            FrameMode::ReportOnly => "report-only".to_owned(),
        }
    }
}

/// Largest CSP report the bank reads.
pub const REPORT_MAX_BYTES: usize = 16 * 1024;

/// A browser's CSP violation report (`report-uri` JSON), summarised for the audit log, each field
/// cut short: the endpoint takes reports from anyone, so nothing it records may be large.
pub fn describe_report(body: &[u8]) -> Result<String, String> {
    if body.len() > REPORT_MAX_BYTES {
        return Err(format!("A CSP report is at most {REPORT_MAX_BYTES} bytes."));
    }
    let report: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("A CSP report is JSON; this was not: {e}."))?;
    let inner = &report["csp-report"];
    let field = |name: &str| -> String {
        let text = inner[name].as_str().unwrap_or("?");
        let mut short: String = text.chars().take(200).collect();
        if short.len() < text.len() {
            short.push('…');
        }
        short
    };
    Ok(format!(
        "CSP report (report-only: nothing was blocked): the browser says {} (policy \"{}\") was violated on {} \
         (blocked URI: {})",
        field("violated-directive"),
        field("original-policy"),
        field("document-uri"),
        field("blocked-uri"),
    ))
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
        assert_eq!(deny.x_frame_options().as_deref(), Some("DENY"));
        assert_eq!(deny.frame_ancestors().as_deref(), Some("'none'"));
        let same = policy(FrameMode::SameOrigin, &[]);
        assert_eq!(same.x_frame_options().as_deref(), Some("SAMEORIGIN"));
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

    #[test]
    fn misconfigurations_send_what_browsers_ignore() {
        let meta = policy(FrameMode::Meta, &[]);
        assert_eq!((meta.x_frame_options(), meta.frame_ancestors()), (None, None));
        assert_eq!(meta.meta_policy(), Some("frame-ancestors 'none'"));
        let allow_from = policy(FrameMode::AllowFrom, &["https://partner.test"]);
        assert_eq!(allow_from.x_frame_options().as_deref(), Some("ALLOW-FROM https://partner.test"));
        let report = policy(FrameMode::ReportOnly, &[]);
        assert_eq!(report.frame_ancestors(), None);
        assert_eq!(report.report_only().as_deref(), Some("frame-ancestors 'none'; report-uri /csp-report"));
        for p in [meta, allow_from, report] {
            assert!(!p.protects() && !p.blocks(&Origin::parse("http://127.0.0.1:8666").unwrap()));
        }
    }

    #[test]
    fn reports_are_summarised_short() {
        let long = "x".repeat(5000);
        let body = serde_json::json!({ "csp-report": { "violated-directive": "frame-ancestors", "document-uri": long } });
        let summary = describe_report(body.to_string().as_bytes()).unwrap();
        assert!(summary.contains("frame-ancestors") && summary.len() < 800, "{summary}");
        assert!(describe_report(b"not json").is_err());
        assert!(describe_report(&vec![b' '; REPORT_MAX_BYTES + 1]).is_err());
    }

    #[test]
    fn an_allowlist_blocks_everyone_it_does_not_list() {
        let list = policy(FrameMode::Allowlist, &["http://127.0.0.1:8666"]);
        assert!(!list.blocks(&Origin::parse("http://127.0.0.1:8666").unwrap()));
        assert!(list.blocks(&Origin::parse("https://localhost:8667").unwrap()));
    }
}
