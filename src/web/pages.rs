//! The dashboard and the audit log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use super::respond::{render, see_other};
use crate::audit::capped::capped;
use crate::audit::{self, AuditEvent, Filter, Show};
use crate::error::{AppError, Result};
use crate::identity::{SignedIn, Visitor};
use crate::money::Money;
use crate::state::AppState;
use crate::transfers::repo::{self, TransferRecord};

/// How many audit events the audit page shows.
const AUDIT_PAGE_SIZE: i64 = 200;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    layout: Layout,
    me: String,
    balance: Money,
    transfers: Vec<TransferRecord>,
    bank_origin: String,
    attacker_origin: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    events: Vec<AuditEvent>,
    limit: i64,
    show: Show,
    user: Option<String>,
}

impl AuditPage {
    /// Whether the page shows `show` (for the filter links).
    fn showing(&self, show: &str) -> bool {
        matches!(
            (self.show, show),
            (Show::All, "all") | (Show::Refusals, "refusals") | (Show::Allowed, "allowed")
        )
    }
}

/// The signed-in user's dashboard; a visitor who could sign in with a password is sent to the
/// login page.
pub async fn dashboard(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let me = match visitor.signed_in() {
        Err(AppError::NotSignedIn) if state.settings.identity.mtls.allows_password() => {
            return Ok(see_other("/login"));
        }
        signed_in => signed_in?,
    };
    let page = Dashboard {
        layout: Layout::new(&state, &me.visitor, "Dashboard").await?,
        me: me.user.username.to_string(),
        balance: state.balances.of(&state.pool, me.user.id).await?,
        transfers: repo::recent_for(&state.pool, &me.user, 10).await?,
        bank_origin: state.sites.bank.to_string(),
        attacker_origin: state.sites.cross_site.to_string(),
    };
    render(StatusCode::OK, &page)
}

/// Every recorded state-changing request, newest first, filtered by `?show=refusals|allowed` and
/// `?user=NAME` (so a flood of refusals never hides a transfer). Signed-in users see all of them:
/// the lab runs on one machine, and the log is how a trainee sees the server's side of an attack.
pub async fn audit(
    state: web::Data<AppState>,
    me: SignedIn,
    filter: web::Query<Filter>,
) -> Result<HttpResponse> {
    let mut filter = filter.into_inner();
    filter.user = filter.user.filter(|u| !u.is_empty()).map(|u| capped(&u).into_owned());
    let page = AuditPage {
        layout: Layout::new(&state, &me.visitor, "Audit log").await?,
        events: audit::recent(&state.pool, &filter, AUDIT_PAGE_SIZE).await?,
        limit: AUDIT_PAGE_SIZE,
        show: filter.show,
        user: filter.user,
    };
    render(StatusCode::OK, &page)
}
