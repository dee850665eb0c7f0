//! `LAB_MTLS=proxy`: a TLS-terminating proxy (nginx, Envoy, Traefik) verifies the client
//! certificate and forwards it to the bank in a header. The bank listens on plain HTTP on
//! loopback and takes the identity from that header, which is only as good as the path it
//! came through:
//!
//! - it is honoured only from `LAB_TRUSTED_PROXIES`; from any other peer it is removed and the
//!   attempt audited (with `any`, a plain `curl` that sets the header is whoever it names: a
//!   certificate is public, so anyone can paste alice's);
//! - the forwarded certificate is checked again, exactly as the handshake would: lab CA, dates,
//!   clientAuth usage and the CRL (the proxy may not read the CRL, or not re-read it).
//!
//! [`nginx`] writes a configuration for nginx that does the proxy's part.

pub mod header;
pub mod nginx;
pub mod settings;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::middleware::Next;

use crate::audit::{Check, DecidedBy};
use crate::identity::mode::MtlsMode;
use crate::pki::CertInfo;
use crate::state::{self, AppState};
use crate::tls::peer::{PeerCert, RefusedForward};
use crate::tls::verifier::seen;
use crate::web::gate;
use crate::web::trail;

/// Middleware: turns the proxy's certificate header into the request's [`PeerCert`].
pub async fn forwarded_identity(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> gate::Served<impl MessageBody + 'static> {
    let state = match state::of(req.request()) {
        Ok(state) => state,
        Err(error) => return gate::refuse(req, error),
    };
    let name = state.settings.proxy.header.clone();
    if state.settings.identity.mtls != MtlsMode::Proxy || !req.headers().contains_key(&name) {
        return gate::pass(req, next).await;
    }
    let values: Vec<String> =
        req.headers().get_all(&name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
    let peer = req.peer_addr().map(|addr| addr.ip());
    let trusted = &state.settings.proxy.trusted;

    if !peer.is_some_and(|ip| trusted.trusts(ip)) {
        req.headers_mut().remove(&name);
        let claimed =
            values.first().and_then(|v| header::certificate(v).ok()).and_then(|der| CertInfo::from_der(&der));
        let claims = claimed
            .as_ref()
            .and_then(|c| c.common_name.as_deref())
            .map_or_else(String::new, |cn| format!(" claiming to be \"{cn}\""));
        let from = peer.map_or_else(|| "an unknown peer".to_owned(), |ip| ip.to_string());
        let reason = format!(
            "{name}{claims} arrived from {from}, which is not a trusted proxy (LAB_TRUSTED_PROXIES={}): \
             the header was removed and the request went on without an identity",
            trusted.describe()
        );
        trail::note(req.request(), Check::refused(DecidedBy::TrustedProxies, reason));
        if let Some(claimed) = &claimed {
            trail::claimed(req.request(), seen(claimed));
        }
    } else {
        match forwarded_cert(&state, &values) {
            Ok(info) => {
                req.extensions_mut().insert(PeerCert::from_info(&info));
            }
            Err((cert, why)) => {
                let from = peer.map_or_else(String::new, |ip| format!(" from {ip}"));
                let reason = format!("the certificate in {name}{from} was refused: {why}");
                trail::note(req.request(), Check::refused(DecidedBy::ProxyCertificate, reason));
                if let Some(cert) = &cert {
                    trail::claimed(req.request(), seen(cert));
                }
                req.extensions_mut().insert(RefusedForward(why));
            }
        }
    }
    gate::pass(req, next).await
}

/// The one forwarded certificate, checked as the handshake would check it.
fn forwarded_cert(state: &AppState, values: &[String]) -> Result<CertInfo, (Option<CertInfo>, String)> {
    let [value] = values else {
        return Err((None, format!("the header was sent {} times; a proxy sends it once", values.len())));
    };
    let der = header::certificate(value).map_err(|why| (None, why))?;
    let info = CertInfo::from_der(&der).ok_or_else(|| (None, "not an X.509 certificate".to_owned()))?;
    let Some(verifier) = &state.verifier else {
        return Err((Some(info), "the bank has no certificate verifier in this mode".to_owned()));
    };
    verifier.check(&der).map_err(|refusal| (Some(info.clone()), refusal.reason))?;
    Ok(info)
}
