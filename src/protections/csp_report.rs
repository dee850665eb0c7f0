//! The report a browser sends when a report-only frame policy (`LAB_FRAME=report-only`) sees the
//! bank framed: read within a bound and summarised for the audit log.

/// Largest CSP report the bank reads.
pub const REPORT_MAX_BYTES: usize = 16 * 1024;

/// A browser's CSP violation report (`report-uri` JSON), summarised for the audit log, each field
/// cut short: the endpoint takes reports from anyone, so nothing it records may be large.
pub fn describe(body: &[u8]) -> Result<String, String> {
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

    #[test]
    fn reports_are_summarised_short() {
        let long = "x".repeat(5000);
        let body = serde_json::json!({ "csp-report": { "violated-directive": "frame-ancestors", "document-uri": long } });
        let summary = describe(body.to_string().as_bytes()).unwrap();
        assert!(summary.contains("frame-ancestors") && summary.len() < 800, "{summary}");
        assert!(describe(b"not json").is_err());
        assert!(describe(&vec![b' '; REPORT_MAX_BYTES + 1]).is_err());
    }
}
