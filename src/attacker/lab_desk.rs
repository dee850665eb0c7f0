//! The lab's desk on the attacker site: what the lab tells the trainee where they look, without
//! any CORS on the bank. The attack pages ask `/narrator` what the bank just did for their
//! attack; the start page loads a probe image over HTTPS without a certificate (`/start/probe.svg`,
//! on the HTTPS origin: it loads only if the browser trusts the lab CA) and reads what the bank
//! saw of its own probe (`/start/finding`), with the setup facts it words its advice from
//! (`/start/setup.json`).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::config::Settings;
use crate::db::SEED_USERS;
use crate::lab::observer::LabState;
use crate::lab::probe::{self, PIXEL};
use crate::pki::P12_PASSWORD;
use crate::sites::Sites;

/// What the start page needs to know to word its advice: where things are.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Setup {
    pub bank_origin: String,
    /// The HTTPS origin that asks for no certificate (the same-site attacker).
    pub https_origin: String,
    pub mtls: &'static str,
    /// The lab PKI folder, as an absolute path where it can be made one.
    pub certs_dir: String,
    pub p12_password: &'static str,
    pub users: Vec<&'static str>,
}

impl Setup {
    pub fn new(settings: &Settings, sites: &Sites) -> Self {
        let certs = &settings.paths.certs;
        let certs_dir = std::path::absolute(certs).unwrap_or_else(|_| certs.clone());
        Self {
            bank_origin: sites.bank.as_str().to_owned(),
            https_origin: sites.same_site.as_str().to_owned(),
            mtls: settings.identity.mtls.as_str(),
            certs_dir: certs_dir.display().to_string(),
            p12_password: P12_PASSWORD,
            users: SEED_USERS.iter().map(|(name, _, _)| *name).collect(),
        }
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/narrator", web::get().to(narrator))
        .route("/start/probe.svg", web::get().to(pixel))
        .route("/start/finding", web::get().to(finding))
        .route("/start/setup.json", web::get().to(setup));
}

#[derive(Deserialize)]
struct NarratorQuery {
    scenario: String,
    after: Option<u64>,
}

/// `GET /narrator?scenario=basic[&after=N]`: the scenario's events after `N` (without `after`:
/// none, and the number to start from).
async fn narrator(lab: web::Data<LabState>, query: web::Query<NarratorQuery>) -> HttpResponse {
    let last = lab.feed.last();
    let events = query.after.map(|after| lab.feed.since(&query.scenario, after)).unwrap_or_default();
    no_store(HttpResponse::Ok()).json(json!({ "last": last, "events": events }))
}

async fn pixel() -> HttpResponse {
    no_store(HttpResponse::Ok()).content_type("image/svg+xml").body(PIXEL)
}

#[derive(Deserialize)]
struct FindingQuery {
    nonce: String,
}

/// `GET /start/finding?nonce=…`: what the bank saw on that probe (`seen: false`: the probe never
/// reached the bank's handler, so the handshake failed).
async fn finding(lab: web::Data<LabState>, query: web::Query<FindingQuery>) -> HttpResponse {
    if !probe::valid_nonce(&query.nonce) {
        return HttpResponse::BadRequest().json(json!({ "error": "nonce: 16 to 64 letters, digits or '-'" }));
    }
    let body = match lab.probes.get(&query.nonce) {
        Some(finding) => json!({ "seen": true, "finding": finding }),
        None => json!({ "seen": false }),
    };
    no_store(HttpResponse::Ok()).json(body)
}

async fn setup(setup: web::Data<Setup>) -> HttpResponse {
    no_store(HttpResponse::Ok()).json(setup.get_ref())
}

fn no_store(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}
