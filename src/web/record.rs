//! Middleware: one audit row for every state-changing request and for every request something
//! refused on the way (an identity, a framed page load), composed from the request's trail and the bank's answer, and written by
//! the recorder before the answer leaves. A new protection or identity path gets its row by
//! noting its decision on the trail, or by refusing with an [`AppError`].

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use actix_web::middleware::Next;

use super::gate;
use super::trail;
use crate::audit::{Answer, AuditEvent, DecidedBy, Outcome, Who};
use crate::error::AppError;
use crate::identity::Visitor;
use crate::state;

pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> gate::Served<impl MessageBody + 'static> {
    let state = match state::of(req.request()) {
        Ok(state) => state,
        Err(error) => return gate::refuse(req, error),
    };
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state {
        // Who sent it, known before anything judges it: an identity refusal comes first on the trail.
        let _ = Visitor::of(req.request()).await;
    }
    let res = next.call(req).await?;
    if !changes_state {
        if !trail::refused(res.request()) {
            return Ok(res.map_into_left_body());
        }
        // A refused page load (a framed one, an identity refused): who it came from (reads only).
        let _ = Visitor::of(res.request()).await;
    }
    let trail = trail::take(res.request());
    let facts = trail::facts(res.request());
    let visitor = res.request().extensions().get::<Visitor>().cloned().unwrap_or_default();
    let who = Who {
        username: visitor.username(),
        cert: visitor.cert.as_ref().map(|c| c.seen()),
        peer: res.request().peer_addr().map(|p| p.ip().to_string()),
    };
    let error = res.response().error().map(|e| match e.as_error::<AppError>() {
        Some(error) => (error.decided_by(), error.to_string()),
        None => (DecidedBy::Bank, e.to_string()),
    });
    let outcome = res.response().extensions().get::<Outcome>().cloned();
    let answer = Answer { status: res.status().as_u16(), error, outcome };
    state.recorder.record(AuditEvent::of_request(facts, who, trail, answer)).await;
    Ok(res.map_into_left_body())
}
