//! A state-changing request's body, read once before the protections judge the request: the CSRF
//! token may be a form field, the handler gets the body back, and a refused request still has its
//! body read, so its connection stays usable (actix closes a connection whose body was left unread).

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use crate::audit::{Check, DecidedBy};
use crate::error::AppError;
use crate::web::gate;

/// The body of the request, as read by [`buffer`].
#[derive(Debug, Clone)]
pub struct Body(pub web::Bytes);

/// Middleware: reads the body of a state-changing request (up to actix's payload limit) and puts
/// it back for the handler.
pub async fn buffer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> gate::Served<impl MessageBody + 'static> {
    if !super::judged(&req) {
        if req.method() == actix_web::http::Method::POST && req.path() == super::frame::REPORT_PATH {
            let why = "a CSP report: not a state change, so the origin check, Fetch Metadata and the token do not apply";
            super::note(&req, Check::passed(DecidedBy::Bank, why));
        }
        return gate::pass(req, next).await;
    }
    let bytes = match req.extract::<web::Bytes>().await {
        Ok(bytes) => bytes,
        Err(e) if e.as_error::<PayloadError>().is_some_and(timed_out) => {
            return gate::refuse(req, AppError::BodyTimeout);
        }
        Err(e) => {
            let error = AppError::BadRequest(format!("The request body could not be read: {e}"));
            return gate::refuse(req, error);
        }
    };
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(bytes.clone());
    req.set_payload(Payload::from(payload));
    req.extensions_mut().insert(Body(bytes));
    gate::pass(req, next).await
}

/// Whether the body was cut off for arriving too slowly (see `crate::web::methods`).
fn timed_out(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}
