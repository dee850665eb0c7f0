//! Solve detection: how each confirmation page was loaded, and whether the transfer it confirmed
//! was an attack.
//!
//! Every rendering of the confirmation page carries a fresh request id (see `web::transfer`). The
//! bank records how that page was loaded (its `Sec-Fetch-Dest` and `-Site`) and when, and, when a
//! transfer executes, compares: a page rendered inside another origin's frame was *framed*; a
//! top-level page another site navigated to, confirmed faster than anyone reads it, came through
//! the *popup* path of DoubleClickjacking; a request id the bank never rendered was *forged* (CSRF).
//!
//! The popup path cannot be told apart by headers: the popup's script navigates its opener during
//! the victim's first press, so even `Sec-Fetch-User: ?1` is set. Time gives it away: the second
//! click of a double-click follows the page load within a few hundred milliseconds.

use sqlx::SqlitePool;
use uuid::Uuid;

use crate::audit::RequestFacts;
use crate::clock;
use crate::lab::Delivery;
use crate::lab::scenarios::Scenario;
use crate::protections::fetch_metadata;
use crate::transfers::repo::Provenance;

/// How long a rendering is remembered.
const KEEP_MS: i64 = 24 * 60 * 60 * 1000;
/// A confirmation faster than this after another site opened the page is no reading person's.
pub const QUICK_MS: i64 = 1500;

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
            Self::Forged => "no confirmation page was ever rendered for this request: a forged form (CSRF)",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Render {
    scenario: Option<String>,
    sec_fetch_dest: Option<String>,
    sec_fetch_site: Option<String>,
    rendered_at: i64,
}

/// Records how the confirmation page with `request_id` was loaded.
pub async fn record_render(
    pool: &SqlitePool,
    request_id: Uuid,
    user: Uuid,
    scenario: Option<&str>,
    facts: &RequestFacts,
) -> sqlx::Result<()> {
    let now = clock::now_ms();
    sqlx::query("DELETE FROM renders WHERE rendered_at < ?").bind(now - KEEP_MS).execute(pool).await?;
    sqlx::query(
        "INSERT INTO renders (request_id, user_id, scenario, sec_fetch_dest, sec_fetch_site, rendered_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(request_id)
    .bind(user)
    .bind(scenario)
    .bind(&facts.sec_fetch_dest)
    .bind(&facts.sec_fetch_site)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// How the transfer confirming `request_id` came about, and the scenario it belongs to.
/// `claimed` is the scenario a forged form names for itself.
pub async fn judge(pool: &SqlitePool, request_id: Uuid, claimed: Option<&str>) -> sqlx::Result<Provenance> {
    let render: Option<Render> = sqlx::query_as(
        "SELECT scenario, sec_fetch_dest, sec_fetch_site, rendered_at FROM renders WHERE request_id = ?",
    )
    .bind(request_id)
    .fetch_optional(pool)
    .await?;
    let Some(render) = render else {
        // A form claims its scenario; only the forged-form scenario can be claimed that way.
        let scenario = claimed
            .and_then(Scenario::find)
            .filter(|s| s.delivery == Delivery::CrossSiteForm)
            .map(|s| s.id.to_owned());
        return Ok(Provenance { detection: Some(Detection::Forged), scenario });
    };
    let dest = render.sec_fetch_dest.as_deref();
    let site = render.sec_fetch_site.as_deref();
    let detection = match (dest, site) {
        // The same rule Fetch Metadata enforces: a frame's page load started by another origin.
        (Some(_), Some(_)) if fetch_metadata::check_navigation(dest, site).is_err() => {
            Some(Detection::Framed)
        }
        (Some("document"), Some("cross-site" | "same-site"))
            if clock::now_ms() - render.rendered_at < QUICK_MS =>
        {
            Some(Detection::Popup)
        }
        _ => None,
    };
    Ok(Provenance { detection, scenario: render.scenario })
}

/// The scenarios with at least one transfer detected as their attack: (scenario, detection, count).
pub async fn solved(pool: &SqlitePool) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT scenario, detection, COUNT(*) FROM transfers WHERE scenario IS NOT NULL AND detection IS NOT NULL \
         GROUP BY scenario, detection ORDER BY scenario",
    )
    .fetch_all(pool)
    .await
}
