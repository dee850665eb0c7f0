//! JSON for scripts and tests: who the bank thinks you are.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::Result;
use crate::identity::SignedIn;
use crate::state::AppState;

/// `GET /api/me`: `{"username", "balance_cents", "signed_in_by", "certificate"}`.
pub async fn me(state: web::Data<AppState>, me: SignedIn) -> Result<HttpResponse> {
    let balance = state.balances.of(&state.pool, me.user.id).await?;
    let certificate =
        me.visitor.cert.as_ref().map(|c| json!({ "cn": c.common_name, "fingerprint": c.fingerprint }));
    Ok(HttpResponse::Ok().json(json!({
        "username": me.user.username.as_str(),
        "balance_cents": balance.cents(),
        "signed_in_by": me.by.as_str(),
        "certificate": certificate,
    })))
}
