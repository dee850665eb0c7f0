//! What every bank request can reach: the database and the effective settings.

use std::sync::Arc;

use sqlx::SqlitePool;

use crate::config::Settings;
use crate::lab::LabOrigins;
use crate::origin::Origin;
use crate::protections::origin_check::AllowedOrigins;

pub struct AppState {
    pub pool: SqlitePool,
    pub settings: Settings,
    /// `https://localhost:<bound port>`.
    pub bank_origin: Origin,
    /// `http://127.0.0.1:<bound port>`: another site.
    pub attacker_origin: Origin,
    /// `https://localhost:<bound port>`: the same site as the bank, another origin.
    pub samesite_attacker_origin: Origin,
    pub allowed_origins: AllowedOrigins,
    /// The client-certificate checks (CA, dates, usage, CRL); proxy mode runs forwarded
    /// certificates through them. `None` with `LAB_MTLS=off`.
    pub verifier: Option<Arc<crate::tls::LabVerifier>>,
}

impl AppState {
    /// The origins the lab's attacks come from, and the bank's.
    pub fn lab_origins(&self) -> LabOrigins {
        LabOrigins {
            bank: self.bank_origin.clone(),
            cross_site: self.attacker_origin.clone(),
            same_site: self.samesite_attacker_origin.clone(),
        }
    }
}
