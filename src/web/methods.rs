//! The methods the bank speaks, and how long it waits for a body. Outermost on the bank, before
//! any protection reads anything:
//!
//! - GET, HEAD and POST go on; any other method (PUT, DELETE, OPTIONS, CONNECT, a made-up one) is
//!   answered at once with 405 Method Not Allowed, `Allow: GET, HEAD, POST`, and the connection
//!   closed: nothing waits for a body that may never end (a CONNECT's runs to the end of the
//!   connection). The 405 is audited with the method cut to [`METHOD_CAP`] bytes.
//! - HEAD is served as GET (every page a GET route serves), and actix-http sends no body for it.
//! - A request body must arrive whole within [`BODY_TIMEOUT`] of the request's head: one that
//!   dribbles in slower gets 408 Request Timeout and its connection is closed. (actix's
//!   `client_request_timeout` covers the head only, and its payload settings only sizes.)

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse};
use futures_util::Stream;

use crate::audit::capped::{capped, cut};
use crate::audit::{Answer, AuditEvent, DecidedBy, RequestFacts, Trail, Who};
use crate::state;

/// What the `Allow` header of a 405 says.
pub const ALLOWED: &str = "GET, HEAD, POST";
/// How much of an unknown method the audit row keeps.
pub const METHOD_CAP: usize = 32;
/// How long a request's whole body may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Middleware: the method filter and the body deadline.
pub async fn filter(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    match req.method().clone() {
        Method::GET => {}
        // actix-http decided when it read the request that a HEAD's answer has no body.
        Method::HEAD => req.head_mut().method = Method::GET,
        Method::POST => {}
        _ => return Ok(not_allowed(req)),
    }
    let late = Rc::new(Cell::new(false));
    let payload = req.take_payload();
    let deadline =
        Deadline { inner: payload, sleep: Box::pin(tokio::time::sleep(BODY_TIMEOUT)), late: late.clone() };
    req.set_payload(Payload::from(Box::pin(deadline) as Pin<Box<dyn Stream<Item = _>>>));
    let res = next.call(req).await?;
    if !late.get() {
        return Ok(res.map_into_boxed_body());
    }
    // Whatever the handler made of the cut body, the answer is that it came too late.
    let message =
        format!("Request Timeout: the request body did not arrive within {} s.\n", BODY_TIMEOUT.as_secs());
    let (req, _) = res.into_parts();
    let mut answer = plain(StatusCode::REQUEST_TIMEOUT, message);
    answer.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    Ok(ServiceResponse::new(req, answer))
}

/// 405 with `Allow`, connection closed, and a bounded audit row.
fn not_allowed(req: ServiceRequest) -> ServiceResponse<BoxBody> {
    let method = cut(req.method().as_str(), METHOD_CAP).into_owned();
    let message = format!("Method Not Allowed: the bank answers {ALLOWED}, not {method}.\n");
    if let Ok(state) = state::of(req.request()) {
        let facts = RequestFacts {
            method: method.clone(),
            path: capped(req.path()).into_owned(),
            ..RequestFacts::default()
        };
        let why = format!("method {method} not allowed (the bank answers {ALLOWED})");
        let answer = Answer { status: 405, error: Some((DecidedBy::Bank, why)), outcome: None };
        state.recorder.record_soon(AuditEvent::of_request(facts, Who::default(), Trail::default(), answer));
    }
    let mut answer = plain(StatusCode::METHOD_NOT_ALLOWED, message);
    answer.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static(ALLOWED));
    answer.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    req.into_response(answer)
}

fn plain(status: StatusCode, message: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(message)
}

/// A request body that ends in an error once [`BODY_TIMEOUT`] has passed.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    late: Rc<Cell<bool>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.late.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.late.set(true);
            let error = io::Error::new(io::ErrorKind::TimedOut, "the body did not arrive in time");
            return Poll::Ready(Some(Err(PayloadError::Io(error))));
        }
        Poll::Pending
    }
}
