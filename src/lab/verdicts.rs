//! What the lab concludes about an executed transfer, and the table it keeps it in.
//!
//! A confirmation page loaded inside another origin's frame, or a confirmation sent from inside
//! a frame, was *framed*. A top-level page another site navigated to, confirmed faster than
//! anyone reads it (`LAB_POPUP_WINDOW_MS`), came through the *popup* path of DoubleClickjacking:
//! its script navigates its opener during the victim's first press, so even `Sec-Fetch-User: ?1`
//! is set, but the second click follows the page load within moments. A confirmation sent by a
//! page of another origin, not from a frame, was *forged* (CSRF). The judgement uses the rule
//! Fetch Metadata enforces, on the headers the browser sent, whatever the flags.

use std::time::Duration;

use sqlx::SqlitePool;
use uuid::Uuid;

use super::Delivery;
use super::renders::Render;
use super::scenarios::SCENARIOS;
use crate::audit::RequestFacts;
use crate::clock;
use crate::origin::{AllowedOrigins, Origin};
use crate::protections::fetch_metadata;
use crate::sites::Sites;

/// How the lab knows a transfer was an attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    Framed,
    Popup,
    Forged,
}

impl Detection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Framed => "framed",
            Self::Popup => "popup",
            Self::Forged => "forged",
        }
    }

    pub fn explain(self) -> &'static str {
        match self {
            Self::Framed => "confirmed from a page the bank rendered inside another origin's frame",
            Self::Popup => {
                "confirmed within moments of another site navigating the window to the page (the \
                 DoubleClickjacking popup path)"
            }
            Self::Forged => {
                "sent by a page of another origin, not from any page of the bank: a forged form (CSRF)"
            }
        }
    }
}

/// The lab's conclusion about one transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub detection: Option<Detection>,
    /// The scenario the transfer belongs to, if any.
    pub scenario: Option<&'static str>,
}

/// Judges the transfer confirmed by `post`, whose page was loaded as `render` (if the lab saw
/// it). `bank` is every origin the bank answers on: a request from one of them came from the bank.
pub fn judge(
    render: Option<&Render>,
    post: &RequestFacts,
    popup_window: Duration,
    sites: &Sites,
    bank: &AllowedOrigins,
) -> Verdict {
    let framed_load = render.is_some_and(|r| {
        r.dest.is_some()
            && r.site.is_some()
            && fetch_metadata::check_navigation(r.dest.as_deref(), r.site.as_deref()).is_err()
    });
    let popup = render.is_some_and(|r| {
        r.dest.as_deref() == Some("document")
            && matches!(r.site.as_deref(), Some("cross-site" | "same-site"))
            && r.at.elapsed() < popup_window
    });
    let from_a_frame = post.sec_fetch_dest.as_deref().is_some_and(fetch_metadata::is_frame);
    let origin = post.origin.as_deref().and_then(|o| Origin::parse(o).ok());
    let from_elsewhere = match (post.sec_fetch_site.as_deref(), &origin) {
        (Some(site), _) => matches!(site, "cross-site" | "same-site"),
        (None, Some(origin)) => !bank.contains(origin),
        (None, None) => false,
    };
    let detection = if framed_load || from_a_frame {
        Some(Detection::Framed)
    } else if popup {
        Some(Detection::Popup)
    } else if render.is_none() && from_elsewhere {
        // A form the bank never rendered, sent by another origin: no page of the bank was involved.
        Some(Detection::Forged)
    } else {
        None
    };
    let scenario = render.and_then(|r| r.scenario).or_else(|| {
        // A forged form has no render: it belongs to the catalogue's forged form, sent from one of
        // the attacker's origins.
        origin.as_ref().filter(|o| **o == sites.cross_site || **o == sites.same_site)?;
        SCENARIOS
            .iter()
            .find(|s| detection == Some(Detection::Forged) && s.delivery == Delivery::CrossSiteForm)
            .map(|s| s.id)
    });
    Verdict { detection, scenario }
}

/// Keeps the verdict on a transfer (nothing, when the lab has nothing to say).
pub async fn record(
    pool: &SqlitePool,
    transfer: Uuid,
    verdict: &Verdict,
    signed_in_by: Option<&'static str>,
) -> sqlx::Result<()> {
    if verdict.detection.is_none() && verdict.scenario.is_none() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO lab_verdicts (transfer_id, scenario, detection, signed_in_by, judged_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(transfer)
    .bind(verdict.scenario)
    .bind(verdict.detection.map(Detection::as_str))
    .bind(signed_in_by)
    .bind(clock::now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

/// One kind of landed attack: a scenario, how it was detected, how the victim was signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landed {
    pub scenario: String,
    pub detection: String,
    /// `certificate` or `password`; `None` for transfers judged before the lab kept it.
    pub signed_in_by: Option<String>,
    pub count: i64,
}

crate::from_row!(Landed { scenario, detection, signed_in_by, count });

/// The scenarios with at least one transfer detected as an attack, by detection and sign-in.
pub async fn solved(pool: &SqlitePool) -> sqlx::Result<Vec<Landed>> {
    sqlx::query_as(
        "SELECT scenario, detection, signed_in_by, COUNT(*) AS count FROM lab_verdicts \
         WHERE scenario IS NOT NULL AND detection IS NOT NULL \
         GROUP BY scenario, detection, signed_in_by ORDER BY scenario",
    )
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn sites() -> Sites {
        let ports = crate::sites::Ports { bank: 8443, attacker: 8666, samesite_attacker: 8667 };
        Sites::new(Ipv4Addr::LOCALHOST.into(), ports)
    }

    fn post(site: Option<&str>, dest: &str, origin: &str) -> RequestFacts {
        RequestFacts {
            method: "POST".into(),
            path: "/transfer".into(),
            origin: Some(origin.into()),
            sec_fetch_site: site.map(str::to_owned),
            sec_fetch_dest: Some(dest.into()),
            ..RequestFacts::default()
        }
    }

    const WINDOW: Duration = Duration::from_millis(1500);

    fn judge(render: Option<&Render>, post: &RequestFacts, window: Duration, sites: &Sites) -> Verdict {
        super::judge(render, post, window, sites, &sites.allowed_origins(&[]))
    }

    #[test]
    fn each_path_is_told_apart() {
        let bank = "https://localhost:8443";
        let framed = Render::new(Some("basic"), Some("iframe"), Some("cross-site"));
        let click = post(Some("same-origin"), "iframe", bank);
        assert_eq!(
            judge(Some(&framed), &click, WINDOW, &sites()),
            Verdict { detection: Some(Detection::Framed), scenario: Some("basic") }
        );

        let popup = Render::new(Some("doubleclick"), Some("document"), Some("cross-site"));
        let top = post(Some("same-origin"), "document", bank);
        assert_eq!(judge(Some(&popup), &top, WINDOW, &sites()).detection, Some(Detection::Popup));
        assert_eq!(judge(Some(&popup), &top, Duration::ZERO, &sites()).detection, None, "a reading person");

        let forged = post(Some("cross-site"), "document", "http://127.0.0.1:8666");
        assert_eq!(
            judge(None, &forged, WINDOW, &sites()),
            Verdict { detection: Some(Detection::Forged), scenario: Some("csrf") }
        );
        let from_the_sibling = post(Some("same-site"), "document", "https://localhost:8667");
        let csrf = Verdict { detection: Some(Detection::Forged), scenario: Some("csrf") };
        assert_eq!(
            judge(None, &from_the_sibling, WINDOW, &sites()),
            csrf,
            "the same page, served on the bank's site"
        );
        let elsewhere = post(Some("cross-site"), "document", "https://elsewhere.test");
        assert_eq!(
            judge(None, &elsewhere, WINDOW, &sites()).scenario,
            None,
            "not one of the lab's attackers"
        );

        let own = Render::new(Some("basic"), Some("document"), Some("same-origin"));
        assert_eq!(
            judge(Some(&own), &top, WINDOW, &sites()),
            Verdict { detection: None, scenario: Some("basic") }
        );
        let curl = RequestFacts { origin: Some(bank.into()), ..RequestFacts::default() };
        assert_eq!(judge(None, &curl, WINDOW, &sites()).detection, None, "no headers, no attack");
        let by_address =
            RequestFacts { origin: Some("https://127.0.0.1:8443".into()), ..RequestFacts::default() };
        assert_eq!(judge(None, &by_address, WINDOW, &sites()).detection, None, "the bank by another name");
        let framed_then_top = post(Some("same-origin"), "document", bank);
        assert_eq!(
            judge(Some(&framed), &framed_then_top, WINDOW, &sites()).detection,
            Some(Detection::Framed),
            "a framed page's own POST"
        );
        let rendered_then_posted_elsewhere = post(Some("cross-site"), "document", "http://127.0.0.1:8666");
        assert_eq!(
            judge(Some(&own), &rendered_then_posted_elsewhere, WINDOW, &sites()).detection,
            None,
            "the bank rendered it"
        );
    }
}
