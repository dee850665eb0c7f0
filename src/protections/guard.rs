//! The gate every state-changing request passes: the origin check, Fetch Metadata and the CSRF
//! token, then the audit log.
//!
//! **Threat.** Requests the victim did not mean to send: cross-site forms (CSRF) and clicks
//! inside a framed bank page (clickjacking).
//!
//! **Rule.** For POST, PUT, PATCH and DELETE: run the origin check (`LAB_ORIGIN_CHECK`), Fetch
//! Metadata (`LAB_FETCH_METADATA`), then the synchronizer-token check (`LAB_CSRF_TOKEN`); refuse
//! at the first that fails, with a page
//! naming the protection, the header and its value. Every such request, allowed or refused, is
//! recorded with what the server saw ([`crate::audit`]). Safe methods (GET, HEAD, OPTIONS) change
//! nothing and pass untouched.
//!
//! **Flags.** `LAB_ORIGIN_CHECK`, `LAB_FETCH_METADATA`, `LAB_CSRF_TOKEN` (and the
//! `LAB_PROTECTIONS` preset).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};

use crate::audit::{self, AuditEvent, Decision, Note, RequestFacts, Verdict};
use crate::error::AppError;
use crate::identity::Visitor;
use crate::protections::{csrf, fetch_metadata, frame, origin_check};
use crate::state::AppState;

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req
            .error_response(AppError::internal("guard", "application state missing"))
            .map_into_right_body());
    };
    let facts = RequestFacts::of(req.request());

    // Read the body once (the token may be a form field) and put it back for the handler.
    // Reading it also keeps the connection reusable when the request is refused.
    let body = match req.extract::<web::Bytes>().await {
        Ok(body) => body,
        Err(e) => {
            let error = AppError::BadRequest(format!("The request body could not be read: {e}"));
            return refuse(req, &state, facts, &Visitor::default(), &[], error).await;
        }
    };
    req.set_payload(payload_of(body.clone()));

    let visitor = match Visitor::of(req.request()).await {
        Ok(visitor) => visitor,
        Err(e) => return refuse(req, &state, facts, &Visitor::default(), &[], e).await,
    };
    let protections = &state.settings.protections;
    let mut checks = Vec::new();

    if req.path() == frame::REPORT_PATH {
        // Browsers send CSP reports on their own, without Origin or token: nothing to check, and
        // nothing in the bank changes. They are still recorded.
        checks.push(
            "csp report: not a state change; the origin, Fetch Metadata and token checks do not apply".into(),
        );
        return pass(req, next, &state, facts, &visitor, &checks).await;
    }

    if protections.origin_check {
        match origin_check::check(facts.origin.as_deref(), facts.referer.as_deref(), &state.allowed_origins) {
            Ok(why) => checks.push(format!("origin-check passed: {why}")),
            Err(refusal) => {
                return refuse(req, &state, facts, &visitor, &checks, AppError::OriginRefused(refusal)).await;
            }
        }
    } else {
        checks.push("origin-check off (LAB_ORIGIN_CHECK=off)".to_owned());
    }

    if protections.fetch_metadata {
        match fetch_metadata::check_state_change(facts.sec_fetch_dest.as_deref()) {
            Ok(why) => checks.push(format!("fetch-metadata passed: {why}")),
            Err(reason) => {
                let error = AppError::FetchMetadataRefused(reason);
                return refuse(req, &state, facts, &visitor, &checks, error).await;
            }
        }
    } else {
        checks.push("fetch-metadata off (LAB_FETCH_METADATA=off)".to_owned());
    }

    if protections.csrf_token {
        let presented = presented_token(&req, &body);
        let verdict = csrf::check(&state.pool, visitor.csrf_subject().as_ref(), presented.as_deref()).await;
        match verdict {
            Ok(Ok(why)) => checks.push(format!("csrf-token passed: {why}")),
            Ok(Err(reason)) => {
                return refuse(req, &state, facts, &visitor, &checks, AppError::CsrfRefused(reason)).await;
            }
            Err(e) => return refuse(req, &state, facts, &visitor, &checks, e.into()).await,
        }
    } else {
        checks.push("csrf-token off (LAB_CSRF_TOKEN=off)".to_owned());
    }

    pass(req, next, &state, facts, &visitor, &checks).await
}

/// Hands the request to the bank and records what came of it.
async fn pass<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
    state: &AppState,
    facts: RequestFacts,
    visitor: &Visitor,
    checks: &[String],
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    // A handler's error arrives as a response with the error attached (actix answers it inside
    // the handler service), so it is audited below with the rest.
    let res = next.call(req).await?.map_into_left_body();
    let status = res.status().as_u16();
    let note = res.request().extensions().get::<Note>().map(|n| n.0.clone());
    let verdict = match res.response().error() {
        Some(error) => Verdict {
            decision: Decision::Refused,
            decided_by: error.as_error::<AppError>().map_or("bank", AppError::decided_by).to_owned(),
            reason: error.to_string(),
            status,
        },
        None if status >= 400 => Verdict {
            decision: Decision::Refused,
            decided_by: if status == 401 { "identity" } else { "bank" }.to_owned(),
            reason: note.unwrap_or_else(|| res.status().to_string()),
            status,
        },
        None => Verdict {
            decision: Decision::Allowed,
            decided_by: "bank".to_owned(),
            reason: note.unwrap_or_else(|| "every protection passed; request served".to_owned()),
            status,
        },
    };
    record(state, AuditEvent::new(facts, visitor, verdict, checks)).await;
    Ok(res)
}

async fn refuse<B>(
    req: ServiceRequest,
    state: &AppState,
    facts: RequestFacts,
    visitor: &Visitor,
    checks: &[String],
    error: AppError,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let mut checks = checks.to_vec();
    checks.push(format!("{} refused", error.decided_by()));
    let verdict = Verdict {
        decision: Decision::Refused,
        decided_by: error.decided_by().to_owned(),
        reason: error.to_string(),
        status: error.status_code().as_u16(),
    };
    record(state, AuditEvent::new(facts, visitor, verdict, &checks)).await;
    Ok(req.error_response(error).map_into_right_body())
}

async fn record(state: &AppState, event: AuditEvent) {
    if let Err(e) = audit::record(&state.pool, &event).await {
        tracing::error!(
            "could not record the audit event for {} {}: {e}",
            event.request.method,
            event.request.path
        );
    }
}

/// The token from the `X-CSRF-Token` header, or else from a url-encoded form body.
fn presented_token(req: &ServiceRequest, body: &[u8]) -> Option<String> {
    if let Some(value) = req.headers().get(csrf::HEADER) {
        return value.to_str().ok().map(str::to_owned);
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    url::form_urlencoded::parse(body).find(|(key, _)| key == csrf::FIELD).map(|(_, value)| value.into_owned())
}

fn payload_of(bytes: web::Bytes) -> Payload {
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(bytes);
    Payload::from(payload)
}
