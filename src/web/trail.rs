//! What the audit log learns from a request as it passes: its facts (method, path, the headers
//! that tell where it came from), and the trail of decisions each layer notes on it.

use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpMessage, HttpRequest};

use crate::audit::capped::capped;
use crate::audit::{CertSeen, Check, RequestFacts, Trail};

pub fn facts(req: &HttpRequest) -> RequestFacts {
    let get = |name: HeaderName| {
        req.headers().get(name).map(|v| capped(&String::from_utf8_lossy(v.as_bytes())).into_owned())
    };
    let path = req.uri().path_and_query().map_or_else(|| req.path().to_owned(), |pq| pq.to_string());
    RequestFacts {
        method: capped(req.method().as_str()).into_owned(),
        path: capped(&path).into_owned(),
        origin: get(header::ORIGIN),
        referer: get(header::REFERER),
        sec_fetch_site: get(HeaderName::from_static("sec-fetch-site")),
        sec_fetch_mode: get(HeaderName::from_static("sec-fetch-mode")),
        sec_fetch_dest: get(HeaderName::from_static("sec-fetch-dest")),
    }
}

/// Notes a decision on the request's trail.
pub fn note(req: &HttpRequest, check: Check) {
    with(req, |trail| trail.note(check));
}

/// Notes the certificate a request claimed but that signs no one in.
pub fn claimed(req: &HttpRequest, cert: CertSeen) {
    with(req, |trail| trail.claimed = Some(cert));
}

/// Adds a remark to the row's reason (what an observer of the bank concluded).
pub fn remark(req: &HttpRequest, text: String) {
    with(req, |trail| trail.remarks.push(text));
}

/// Whether something on the trail so far refused (an identity, a protection).
pub fn refused(req: &HttpRequest) -> bool {
    req.extensions().get::<Trail>().is_some_and(|trail| trail.first_refusal().is_some())
}

/// The trail so far, left on the request.
pub fn copy(req: &HttpRequest) -> Trail {
    req.extensions().get::<Trail>().cloned().unwrap_or_default()
}

/// The trail so far, taken off the request.
pub fn take(req: &HttpRequest) -> Trail {
    req.extensions_mut().remove::<Trail>().unwrap_or_default()
}

fn with(req: &HttpRequest, change: impl FnOnce(&mut Trail)) {
    let mut extensions = req.extensions_mut();
    if !extensions.contains::<Trail>() {
        extensions.insert(Trail::default());
    }
    if let Some(trail) = extensions.get_mut::<Trail>() {
        change(trail);
    }
}
