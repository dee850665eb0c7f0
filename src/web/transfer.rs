//! The transfer flow: form, confirmation page (the page clickjacking targets), execution and result.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::layout::Layout;
use crate::accounts::repo as accounts;
use crate::audit;
use crate::error::{AppError, Result};
use crate::identity::SignedIn;
use crate::money::Money;
use crate::state::AppState;
use crate::transfers::repo::{self, Authentication, Executed, TransferRecord};
use crate::transfers::{MEMO_MAX_CHARS, TransferDraft, TransferError};

/// The fields of a transfer, as the form and the confirmation link carry them.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransferFields {
    to: String,
    amount: String,
    memo: String,
}

/// The confirmation form: the transfer plus the id of this rendering (the CSRF token, if any,
/// is checked and ignored here by the guard).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExecuteForm {
    to: String,
    amount: String,
    memo: String,
    request_id: String,
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
        balance: accounts::balance(&state.pool, me.user.id).await?,
        cap: state.settings.transfer_cap,
        memo_max: MEMO_MAX_CHARS,
        recipients,
    };
    super::render(StatusCode::OK, &page)
}

/// `GET /transfer/confirm?to=&amount=&memo=`: the prefilled confirmation page.
pub async fn confirm(
    state: web::Data<AppState>,
    me: SignedIn,
    query: web::Query<TransferFields>,
) -> Result<HttpResponse> {
    let draft = parse(&state, &me, &query.to, &query.amount, &query.memo)?;
    // Never ask anyone to confirm a transfer to an account that does not exist.
    if accounts::find(&state.pool, draft.to.as_str()).await?.is_none() {
        return Err(TransferError::UnknownRecipient(draft.to.to_string()).into());
    }
    let page = ConfirmPage {
        layout: Layout::new(&state, &me.visitor, "Confirm transfer").await?,
        balance: accounts::balance(&state.pool, me.user.id).await?,
        draft,
        request_id: Uuid::new_v4(),
        signed_in_by: me.by.as_str(),
    };
    super::render(StatusCode::OK, &page)
}

/// `POST /transfer`: executes once per confirmation form, then redirects to the result.
pub async fn execute(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: SignedIn,
    form: web::Form<ExecuteForm>,
) -> Result<HttpResponse> {
    let draft = parse(&state, &me, &form.to, &form.amount, &form.memo)?;
    let request_id = Uuid::parse_str(&form.request_id).map_err(|_| {
        AppError::BadRequest(
            "This form has no valid request id; open the confirmation page again.".to_owned(),
        )
    })?;
    let auth = Authentication {
        signed_in_by: me.by.as_str(),
        cert_fingerprint: me.visitor.cert.as_ref().map(|c| c.fingerprint.clone()),
    };
    match repo::execute(&state.pool, &me.user, &draft, request_id, &auth).await? {
        Executed::New(id) => {
            audit::note(
                &req,
                format!("moved {} from {} to {} (transfer {id})", draft.amount, me.user.username, draft.to),
            );
            Ok(super::see_other(&format!("/transfers/{id}")))
        }
        Executed::Repeat(id) => {
            audit::note(&req, format!("repeat of transfer {id}: this form was already used, nothing moved"));
            Ok(super::see_other(&format!("/transfers/{id}?repeat=1")))
        }
    }
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
        balance: accounts::balance(&state.pool, me.user.id).await?,
        transfer,
        repeat: query.repeat.is_some(),
    };
    super::render(StatusCode::OK, &page)
}

fn parse(state: &AppState, me: &SignedIn, to: &str, amount: &str, memo: &str) -> Result<TransferDraft> {
    Ok(TransferDraft::parse(&me.user.username, to, amount, memo, state.settings.transfer_cap)?)
}
