//! Every certificate the handshake must refuse, each with its audit row and reason.

use clickjack_lab::pki::{Pki, Validity};
use time::OffsetDateTime;

use super::{assert_handshake_refused, assert_signs_in, days, from_unrelated_ca, handshake_audit};
use crate::common::{ClientCert, spawn_app};

/// A refused handshake: the certificate presented, and what the audit row must say.
struct Refused {
    case: &'static str,
    cert: ClientCert,
    /// How the audit reason starts (the verifier's words for rustls's error).
    reason: &'static str,
    cn: &'static str,
}

#[tokio::test]
async fn every_invalid_certificate_fails_the_handshake_and_is_audited_with_its_reason() {
    // Arrange
    let app = spawn_app(&[]).await;
    let (lab_ca, now) = (app.pki(), OffsetDateTime::now_utc());
    let foreign_dir = tempfile::tempdir().unwrap();
    let foreign_ca = Pki::create_ca(foreign_dir.path()).unwrap();
    let server = ClientCert {
        cert_pem: std::fs::read_to_string(app.certs.join("server.crt")).unwrap(),
        key_pem: std::fs::read_to_string(app.certs.join("server.key")).unwrap(),
    };
    let valid = |not_before, not_after| Validity { not_before, not_after };
    let cases = [
        Refused {
            case: "expired",
            cert: lab_ca.issue_client("alice", valid(now - days(30), now - days(1))).unwrap().into(),
            reason: "expired:",
            cn: "alice",
        },
        Refused {
            case: "not valid yet",
            cert: lab_ca.issue_client("alice", valid(now + days(1), now + days(30))).unwrap().into(),
            reason: "not valid yet:",
            cn: "alice",
        },
        Refused {
            case: "the bank's server certificate",
            cert: server,
            reason: "wrong extended key usage:",
            cn: "localhost",
        },
        Refused {
            // Same issuer name as the lab CA: the chain is found, its signature fails.
            case: "an alice from a foreign CA named like the lab's",
            cert: foreign_ca.issue_client("alice", Validity::days(30)).unwrap().into(),
            reason: "bad signature:",
            cn: "alice",
        },
        Refused {
            case: "an alice from an unrelated CA",
            cert: from_unrelated_ca("alice"),
            reason: "unknown issuer:",
            cn: "alice",
        },
    ];
    let alice = app.user_cert("alice");
    assert_signs_in(&app, &alice, "alice", "positive control, before").await;

    for Refused { case, cert, reason, cn } in &cases {
        // Act
        assert_handshake_refused(&app, cert, case).await;

        // Assert
        let row = handshake_audit(&app, cert, case).await;
        assert!(row.reason.starts_with(reason), "{case}: expected \"{reason} ...\", got {row:?}");
        assert_eq!(row.cert_cn.as_deref(), Some(*cn), "{case}: {row:?}");
    }
    assert_signs_in(&app, &alice, "alice", "positive control, after the refusals").await;
}
