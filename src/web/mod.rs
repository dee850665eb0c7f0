//! The bank's pages and API: thin handlers that extract, call the domain and render, and the
//! request's audit trail.

pub mod api;
pub mod auth;
pub mod errors;
pub mod gate;
pub mod layout;
pub mod methods;
pub mod pages;
pub mod record;
pub mod report;
pub mod respond;
pub mod trail;
pub mod transfer;

use std::path::Path;

use actix_web::web;

use crate::error::AppError;
use crate::protections::frame::REPORT_PATH;

/// Mounts every bank route.
pub fn routes(cfg: &mut web::ServiceConfig, static_dir: &Path) {
    let favicon = static_dir.join("favicon.ico");
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
    .route("/logout", web::get().to(auth::signout_page))
    .route("/logout", web::post().to(auth::logout))
    .route("/transfer", web::get().to(transfer::form))
    .route("/transfer", web::post().to(transfer::execute))
    .route("/transfer/confirm", web::get().to(transfer::confirm))
    .route("/transfers/{id}", web::get().to(transfer::result))
    .route("/audit", web::get().to(pages::audit))
    .route("/api/me", web::get().to(api::me))
    .route(REPORT_PATH, web::post().to(report::csp_report))
    // Browsers ask every site for it; without one, each page logs a 404.
    .route(
        "/favicon.ico",
        web::get().to(move || {
            let favicon = favicon.clone();
            async move { actix_files::NamedFile::open(favicon) }
        }),
    )
    .service(actix_files::Files::new("/static", static_dir))
    .default_service(web::to(errors::not_found));
}
