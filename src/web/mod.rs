//! The bank's pages and API: thin handlers that extract, call the domain and render.

pub mod api;
pub mod auth;
pub mod errors;
pub mod lab;
pub mod layout;
pub mod pages;
pub mod transfer;

use std::path::Path;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::{AppError, Result};

/// Mounts every bank route.
pub fn routes(cfg: &mut web::ServiceConfig, static_dir: &Path) {
    cfg.app_data(
        web::FormConfig::default()
            .error_handler(|e, _| AppError::BadRequest(format!("The form could not be read: {e}.")).into()),
    )
    .app_data(web::QueryConfig::default().error_handler(|e, _| {
        AppError::BadRequest(format!("The link's query string could not be read: {e}.")).into()
    }))
    .route("/", web::get().to(pages::dashboard))
    .route("/login", web::get().to(auth::login_form))
    .route("/login", web::post().to(auth::login))
    .route("/logout", web::post().to(auth::logout))
    .route("/transfer", web::get().to(transfer::form))
    .route("/transfer", web::post().to(transfer::execute))
    .route("/transfer/confirm", web::get().to(transfer::confirm))
    .route("/transfers/{id}", web::get().to(transfer::result))
    .route("/audit", web::get().to(pages::audit))
    .route("/api/me", web::get().to(api::me))
    .route("/lab", web::get().to(lab::page))
    .route("/lab/reset", web::post().to(lab::reset))
    .route(crate::protections::frame::REPORT_PATH, web::post().to(lab::csp_report))
    .service(actix_files::Files::new("/static", static_dir))
    .default_service(web::to(errors::not_found));
}

/// Renders a template as an HTML response.
pub fn render(status: StatusCode, template: &impl Template) -> Result<HttpResponse> {
    let html = template.render().map_err(|e| AppError::internal("rendering a page", e))?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html))
}

/// A 303 redirect (after a POST, the browser follows it with a GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", location)).finish()
}
