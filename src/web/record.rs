//! Middleware: one audit row for every state-changing request and for every request something
//! refused on the way (an identity, a framed page load), composed from the request's trail and the bank's answer, and written by
//! the recorder before the answer leaves. A new protection or identity path gets its row by
//! noting its decision on the trail, or by refusing with an [`AppError`].

use actix_web::HttpMessage;
use actix_web::HttpRequest;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use actix_web::middleware::Next;
use uuid::Uuid;

use super::gate;
use super::trail;
use crate::audit::{Answer, AuditEvent, DecidedBy, Outcome, Trail, Who};
use crate::error::AppError;
use crate::identity::Visitor;
use crate::state;

/// On a response whose handler wrote the request's audit row itself, in its change's transaction
/// ([`crate::audit::Recorder::record_with`]): the row, and what it said then.
pub struct Recorded {
    pub row: Uuid,
    pub written: AuditEvent,
}

/// The audit row of a request and its answer, as far as the request's trail goes so far.
pub fn row(req: &HttpRequest, answer: Answer) -> AuditEvent {
    compose(req, trail::copy(req), answer)
}

fn compose(req: &HttpRequest, trail: Trail, answer: Answer) -> AuditEvent {
    let facts = trail::facts(req);
    let visitor = req.extensions().get::<Visitor>().cloned().unwrap_or_default();
    let who = Who {
        username: visitor.username(),
        cert: visitor.cert.as_ref().map(|c| c.seen()),
        peer: req.peer_addr().map(|p| p.ip().to_string()),
    };
    AuditEvent::of_request(facts, who, trail, answer)
}

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
    let error = res.response().error().map(|e| match e.as_error::<AppError>() {
        Some(error) => (error.decided_by(), error.to_string()),
        None => (DecidedBy::Bank, e.to_string()),
    });
    let outcome = res.response().extensions().get::<Outcome>().cloned();
    let answer = Answer { status: res.status().as_u16(), error, outcome };
    let event = compose(res.request(), trail::take(res.request()), answer);
    // A handler that wrote the row with its change: only what was noted since is still to write.
    let recorded = res.response().extensions().get::<Recorded>().map(|r| {
        let written = &r.written;
        let same = (&written.reason, &written.checks, written.status)
            == (&event.reason, &event.checks, event.status);
        (r.row, same)
    });
    match recorded {
        Some((_, true)) => {}
        Some((row, false)) => state.recorder.amend(row, &event).await,
        None => state.recorder.record(event).await,
    }
    Ok(res.map_into_left_body())
}
