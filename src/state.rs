//! What every bank request can reach: the database, the effective settings, where the sites
//! are, the certificate checks and the audit log's recorder.

use std::sync::Arc;

use actix_web::{HttpRequest, web};
use sqlx::SqlitePool;

use crate::accounts::balances::Balances;
use crate::accounts::directory::Directory;
use crate::accounts::throttle::SignInThrottle;
use crate::audit::Recorder;
use crate::config::Settings;
use crate::error::AppError;
use crate::identity::memory::Memory;
use crate::origin::AllowedOrigins;
use crate::protections::csrf_key::CsrfKey;
use crate::protections::live::Live;
use crate::sessions::login_form::LoginForms;
use crate::sites::Sites;
use crate::tls::LabVerifier;
use crate::transfers::request_id::RequestIds;

pub struct AppState {
    pub pool: SqlitePool,
    pub settings: Settings,
    pub sites: Sites,
    /// The origins whose state-changing requests the origin check accepts.
    pub allowed_origins: AllowedOrigins,
    /// The client-certificate checks (CA, dates, usage, CRL); proxy mode runs forwarded
    /// certificates through them. `None` with `LAB_MTLS=off`.
    pub verifier: Option<Arc<LabVerifier>>,
    pub recorder: Recorder,
    /// The protections in force now (`settings.protections` holds those the lab started with).
    pub protections: Live,
    /// The key CSRF tokens are computed under.
    pub csrf_key: CsrfKey,
    /// The key confirmation forms' request ids are bound to their user under.
    pub request_ids: RequestIds,
    /// The key the login form's cookie-only sessions are signed under.
    pub login_forms: LoginForms,
    /// The balances the pages show, read at most once a second while nothing changes them.
    pub balances: Arc<Balances>,
    /// The users found by name so far.
    pub directory: Directory,
    /// Failed password sign-ins, per username and address.
    pub sign_ins: SignInThrottle,
    /// The client certificates checked so far: their re-check and their user.
    pub certificates: Memory,
}

impl AppState {
    /// The settings in force now: the start-up settings with the protections of this moment.
    pub fn effective_settings(&self) -> Settings {
        Settings { protections: self.protections.now().protections.clone(), ..self.settings.clone() }
    }
}

/// The bank's state. Without it a request is answered with an error, never served unguarded:
/// every middleware and extractor that needs it fails closed.
pub fn of(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("the bank", "application state missing"))
}
