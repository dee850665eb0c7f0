//! The log of failed TLS handshakes: each refusal (no certificate, a certificate the verifier
//! refused, a browser that does not trust the lab CA, not TLS at all) is one line with the peer's
//! address and the reason in words, at most [`PER_SECOND`] lines a second, then one line counting
//! the rest, so a flood cannot fill the terminal.
//!
//! A connection the client closes mid-handshake is not a refusal: Chromium does that when a site
//! asks for a certificate, then reconnects with one. It is logged at debug level only.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_tls::accept::TlsError;
use rustls::AlertDescription;

use super::verifier::describe;

/// Refused handshakes logged one by one in a second, at most.
pub const PER_SECOND: u32 = 5;

/// Why a client without a certificate is refused where one is required.
pub const NO_CERTIFICATE: &str = "no client certificate (LAB_MTLS=required): the browser holds none from \
    the lab CA, or the trainee did not choose one; the start page says which";

/// What a failed handshake was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The bank (or the browser) refused: worth a line in the log.
    Refused(String),
    /// The client went away mid-handshake (or was too slow): normal for browsers.
    Abandoned(String),
}

/// Why a handshake failed, in a trainer's words.
pub fn classify(error: &TlsError<io::Error, Infallible>) -> Failure {
    let error = match error {
        TlsError::Timeout => return Failure::Abandoned("did not finish the handshake in time".into()),
        TlsError::Tls(error) => error,
        TlsError::Service(never) => match *never {},
    };
    let Some(tls) = error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) else {
        return Failure::Abandoned(format!("closed the connection during the handshake ({error})"));
    };
    Failure::Refused(match tls {
        rustls::Error::NoCertificatesPresented => NO_CERTIFICATE.to_owned(),
        rustls::Error::InvalidCertificate(_) => format!("client certificate refused: {}", describe(tls)),
        rustls::Error::AlertReceived(
            AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::CertificateUnknown,
        ) => "the browser refused the bank's certificate: it does not trust the lab CA (ca.crt) for websites"
            .to_owned(),
        rustls::Error::AlertReceived(AlertDescription::UserCanceled | AlertDescription::CloseNotify) => {
            return Failure::Abandoned("the client cancelled the handshake".into());
        }
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "not TLS (plain http:// to the bank's https:// port?)".to_owned()
        }
        other => format!("the handshake failed: {other}"),
    })
}

fn shown(peer: Option<SocketAddr>) -> String {
    peer.map_or_else(|| "an unknown peer".to_owned(), |p| p.to_string())
}

/// The log of refused handshakes, bounded.
#[derive(Debug, Default)]
pub struct Refusals(Mutex<Limiter>);

impl Refusals {
    /// Logs a failed handshake from `peer`.
    pub fn failed(self: &Arc<Self>, peer: Option<SocketAddr>, error: &TlsError<io::Error, Infallible>) {
        let reason = match classify(error) {
            Failure::Abandoned(why) => {
                tracing::debug!(
                    "TLS handshake from {} abandoned: {why} (browsers do this, e.g. while choosing a certificate; not a refusal)",
                    shown(peer)
                );
                return;
            }
            Failure::Refused(reason) => reason,
        };
        self.refused(peer, &reason);
    }

    /// Logs a connection from `peer` that the bank refused, for `reason`.
    pub fn refused(self: &Arc<Self>, peer: Option<SocketAddr>, reason: &str) {
        let peer = shown(peer);
        let (summary, show, first_hidden) =
            self.0.lock().unwrap_or_else(|e| e.into_inner()).admit(Instant::now());
        if let Some(hidden) = summary {
            log_hidden(hidden);
        }
        if show {
            tracing::warn!("refused a TLS handshake from {peer}: {reason}");
        }
        if first_hidden {
            // The count of the rest comes when the second is over, even if the flood stopped.
            let refusals = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let flushed = refusals.0.lock().unwrap_or_else(|e| e.into_inner()).flush(Instant::now());
                if let Some(hidden) = flushed {
                    log_hidden(hidden);
                }
            });
        }
    }
}

fn log_hidden(hidden: u32) {
    tracing::warn!("... and {hidden} more refused TLS handshakes in that second (not shown one by one)");
}

/// At most [`PER_SECOND`] lines in a one-second window; the rest counted.
#[derive(Debug)]
pub struct Limiter {
    started: Instant,
    shown: u32,
    hidden: u32,
}

impl Default for Limiter {
    fn default() -> Self {
        Self { started: Instant::now(), shown: 0, hidden: 0 }
    }
}

impl Limiter {
    /// One more refusal at `now`: the count hidden in the window just ended (if any), whether to
    /// show this one, and whether it is the first hidden of its window.
    pub fn admit(&mut self, now: Instant) -> (Option<u32>, bool, bool) {
        let summary = self.flush(now);
        if self.shown < PER_SECOND {
            self.shown += 1;
            (summary, true, false)
        } else {
            self.hidden += 1;
            (summary, false, self.hidden == 1)
        }
    }

    /// Ends the window if a second has passed: the count it hid, if any.
    pub fn flush(&mut self, now: Instant) -> Option<u32> {
        if now.duration_since(self.started) < Duration::from_secs(1) {
            return None;
        }
        let hidden = std::mem::take(&mut self.hidden);
        *self = Self { started: now, shown: 0, hidden: 0 };
        (hidden > 0).then_some(hidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_shows_a_few_lines_a_second_and_counts_the_rest() {
        let start = Instant::now();
        let mut limiter = Limiter { started: start, shown: 0, hidden: 0 };
        let shown = (0..50).filter(|_| limiter.admit(start).1).count();
        assert_eq!(shown, PER_SECOND as usize);
        assert_eq!(limiter.flush(start + Duration::from_millis(500)), None, "the second is not over");
        let later = start + Duration::from_millis(1100);
        assert_eq!(
            limiter.admit(later),
            (Some(50 - PER_SECOND), true, false),
            "the count, then this one shown"
        );
        assert_eq!(limiter.flush(later + Duration::from_secs(2)), None, "nothing hidden since");
    }

    #[test]
    fn a_client_that_hangs_up_is_not_a_refusal_and_a_missing_certificate_is() {
        let tls = |e: rustls::Error| TlsError::Tls(io::Error::new(io::ErrorKind::InvalidData, e));
        let eof = TlsError::Tls(io::Error::from(io::ErrorKind::UnexpectedEof));
        assert!(matches!(classify(&eof), Failure::Abandoned(_)));
        assert!(matches!(classify(&TlsError::Timeout), Failure::Abandoned(_)));
        let Failure::Refused(why) = classify(&tls(rustls::Error::NoCertificatesPresented)) else { panic!() };
        assert!(why.contains("no client certificate"), "{why}");
        let revoked = tls(rustls::Error::InvalidCertificate(rustls::CertificateError::Revoked));
        let Failure::Refused(why) = classify(&revoked) else { panic!() };
        assert!(why.contains("revoked"), "{why}");
        let untrusted = tls(rustls::Error::AlertReceived(AlertDescription::UnknownCA));
        let Failure::Refused(why) = classify(&untrusted) else { panic!() };
        assert!(why.contains("does not trust the lab CA"), "{why}");
    }
}
