//! What a middleware does with a request: pass it on, or answer it with an error (its page comes
//! from the error handler, its audit row from the recorder).

use actix_web::Error;
use actix_web::body::EitherBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::AppError;

pub type Served<B> = Result<ServiceResponse<EitherBody<B>>, Error>;

/// Hands the request to what the middleware wraps.
pub async fn pass<B>(req: ServiceRequest, next: Next<B>) -> Served<B> {
    Ok(next.call(req).await?.map_into_left_body())
}

/// Answers the request with `error`; what the middleware wraps never sees it.
pub fn refuse<B>(req: ServiceRequest, error: AppError) -> Served<B> {
    Ok(req.error_response(error).map_into_right_body())
}
