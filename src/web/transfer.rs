//! The transfer flow: form, confirmation page (the page clickjacking targets), execution and result.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::layout::Layout;
use super::record::{self, Recorded};
use super::respond::{done, render, see_other};
use crate::accounts::repo as accounts;
use crate::audit::{Answer, Outcome};
use crate::error::{AppError, Result};
use crate::identity::SignedIn;
use crate::money::Money;
use crate::state::AppState;
use crate::transfers::repo::{self, Authentication, Executed, Journal, TransferRecord};
use crate::transfers::{MEMO_MAX_CHARS, TransferDraft, TransferError, steps};

/// The fields of a transfer, as the form and the confirmation link carry them.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransferFields {
    to: String,
    amount: String,
    memo: String,
}

/// The confirmation form: the transfer plus the id of this rendering, and `step=final` once a
/// large transfer has been confirmed twice (the CSRF token, if any, is the guard's business).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExecuteForm {
    to: String,
    amount: String,
    memo: String,
    request_id: String,
    step: String,
}

#[derive(Template)]
#[template(path = "transfer_form.html")]
struct FormPage {
    layout: Layout,
    balance: Money,
    cap: Money,
    memo_max: usize,
    recipients: Vec<String>,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    layout: Layout,
    draft: TransferDraft,
    balance: Money,
    request_id: Uuid,
    signed_in_by: &'static str,
}

/// The second step of a large transfer.
#[derive(Template)]
#[template(path = "confirm_final.html")]
struct FinalPage {
    layout: Layout,
    draft: TransferDraft,
    request_id: Uuid,
    threshold: Money,
}

#[derive(Template)]
#[template(path = "result.html")]
struct ResultPage {
    layout: Layout,
    transfer: TransferRecord,
    balance: Money,
    repeat: bool,
}

pub async fn form(state: web::Data<AppState>, me: SignedIn) -> Result<HttpResponse> {
    let mut recipients = accounts::usernames(&state.pool).await?;
    recipients.retain(|name| name != me.user.username.as_str());
    let page = FormPage {
        layout: Layout::new(&state, &me.visitor, "New transfer").await?,
        balance: state.balances.of(&state.pool, me.user.id).await?,
        cap: state.settings.transfers.cap,
        memo_max: MEMO_MAX_CHARS,
        recipients,
    };
    render(StatusCode::OK, &page)
}

/// `GET /transfer/confirm?to=&amount=&memo=`: the prefilled confirmation page, with a fresh
/// request id bound to the user (one per rendering: a double submit of the form executes once).
pub async fn confirm(
    state: web::Data<AppState>,
    me: SignedIn,
    query: web::Query<TransferFields>,
) -> Result<HttpResponse> {
    let draft = parse(&state, &me, &query.to, &query.amount, &query.memo)?;
    // Never ask anyone to confirm a transfer to an account that does not exist.
    if state.directory.find(&state.pool, draft.to.as_str()).await?.is_none() {
        return Err(TransferError::UnknownRecipient(draft.to.to_string()).into());
    }
    let request_id = state.request_ids.mint(me.user.id);
    let page = ConfirmPage {
        layout: Layout::new(&state, &me.visitor, "Confirm transfer").await?,
        balance: state.balances.of(&state.pool, me.user.id).await?,
        draft,
        request_id,
        signed_in_by: me.by.as_str(),
    };
    let shown =
        Outcome::ConfirmationShown { request_id, user: me.user.username.to_string(), by: me.by.as_str() };
    Ok(done(shown, render(StatusCode::OK, &page)?))
}

/// `POST /transfer`: a large transfer first gets an "Are you sure?" step; then it executes once
/// per confirmation form, and the browser is redirected to the result.
pub async fn execute(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: SignedIn,
    form: web::Form<ExecuteForm>,
) -> Result<HttpResponse> {
    let request_id = Uuid::parse_str(&form.request_id).map_err(|_| {
        AppError::BadRequest(
            "This form has no valid request id; open the confirmation page again.".to_owned(),
        )
    })?;
    // Before anything else: another user's form is refused whole, and leaves it usable by them.
    state.request_ids.check(me.user.id, request_id)?;
    let draft = parse(&state, &me, &form.to, &form.amount, &form.memo)?;
    let threshold = state.settings.transfers.confirm_above;
    let claims_final = form.step == "final";
    if steps::ask_again(&state.pool, me.user.id, request_id, draft.amount, threshold, claims_final).await? {
        let amount = draft.amount;
        let page = FinalPage {
            layout: Layout::new(&state, &me.visitor, "Are you sure?").await?,
            draft,
            request_id,
            threshold,
        };
        return Ok(done(Outcome::AskedAgain { amount, threshold }, render(StatusCode::OK, &page)?));
    }
    let auth = Authentication {
        signed_in_by: me.by.as_str(),
        cert_fingerprint: me.visitor.cert.as_ref().map(|c| c.fingerprint.clone()),
    };
    let to = state
        .directory
        .find(&state.pool, draft.to.as_str())
        .await?
        .ok_or_else(|| TransferError::UnknownRecipient(draft.to.to_string()))?;
    let (from, amount) = (me.user.username.to_string(), draft.amount);
    let transferred =
        |id| Outcome::Transferred { id, request_id, from: from.clone(), to: draft.to.to_string(), amount };
    let answer =
        |id| Answer { status: StatusCode::SEE_OTHER.as_u16(), error: None, outcome: Some(transferred(id)) };
    let row = |id| record::row(&req, answer(id));
    let journal = Journal { recorder: &state.recorder, row: &row, balances: &state.balances };
    Ok(match repo::execute(&state.pool, &me.user, &to, &draft, request_id, &auth, journal).await? {
        Executed::New { id, audit_row } => {
            let mut response = done(transferred(id), see_other(&format!("/transfers/{id}")));
            response.extensions_mut().insert(Recorded { row: audit_row, written: row(id) });
            response
        }
        Executed::Repeat(id) => {
            done(Outcome::Repeated { id }, see_other(&format!("/transfers/{id}?repeat=1")))
        }
    })
}

#[derive(Deserialize)]
pub struct ResultQuery {
    #[serde(default)]
    repeat: Option<String>,
}

pub async fn result(
    state: web::Data<AppState>,
    me: SignedIn,
    id: web::Path<String>,
    query: web::Query<ResultQuery>,
) -> Result<HttpResponse> {
    let not_found = || AppError::NotFound("no transfer of yours has that id".to_owned());
    let id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    let transfer = repo::find_for(&state.pool, &me.user, id).await?.ok_or_else(not_found)?;
    let page = ResultPage {
        layout: Layout::new(&state, &me.visitor, "Transfer").await?,
        balance: state.balances.of(&state.pool, me.user.id).await?,
        transfer,
        repeat: query.repeat.is_some(),
    };
    render(StatusCode::OK, &page)
}

fn parse(state: &AppState, me: &SignedIn, to: &str, amount: &str, memo: &str) -> Result<TransferDraft> {
    Ok(TransferDraft::parse(&me.user.username, to, amount, memo, state.settings.transfers.cap)?)
}
