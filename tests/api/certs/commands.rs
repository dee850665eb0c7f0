//! The `certs` commands refuse bad input with a clear message, and change nothing.

use clickjack_lab::pki::Validity;

use super::{assert_signs_in, cli, cli_ok, info};
use crate::common::{ClientCert, spawn_app};

#[tokio::test]
async fn certs_commands_refuse_bad_input_with_a_clear_message_and_change_nothing() {
    // Arrange: a second alice certificate, revoked by serial (the CLI's other way to name one).
    let app = spawn_app(&[]).await;
    let spare: ClientCert = app.pki().issue_client("alice", Validity::days(30)).unwrap().into();
    let spare_path = app.dir().join("spare-alice.crt");
    std::fs::write(&spare_path, &spare.cert_pem).unwrap();
    let serial = info(&spare).serial.to_string();
    let stdout = cli_ok(&app, &["certs", "revoke", &serial]).await;
    assert!(stdout.contains(&format!("revoked the certificate (serial {serial})")), "{stdout}");
    let bindings_before = app.count("SELECT COUNT(*) FROM cert_bindings").await;
    let bob_crt = app.certs.join("bob.crt");
    let (bob_crt, spare_path) = (bob_crt.to_str().unwrap(), spare_path.to_str().unwrap());
    let cases: [(&str, &[&str], &str); 4] = [
        (
            "no such user",
            &["certs", "issue", "carol"],
            "there is no user \"carol\"; the bank's users are alice, bob, mallory",
        ),
        ("neither a user nor a serial", &["certs", "revoke", "zz"], "\"zz\" is neither a user"),
        (
            "someone else's certificate",
            &["certs", "bind", "alice", "--cert", bob_crt],
            "names \"bob\", not alice",
        ),
        (
            "a revoked certificate",
            &["certs", "bind", "alice", "--cert", spare_path],
            "cannot be bound: revoked:",
        ),
    ];

    for (case, args, expected) in cases {
        // Act
        let ran = cli(&app, args).await;

        // Assert
        assert_eq!(ran.code, Some(2), "{case}: {ran:#?}");
        assert!(ran.stderr.contains(expected), "{case}: expected \"{expected}\" in {ran:#?}");
        assert!(!ran.stderr.contains("panicked"), "{case}: {ran:#?}");
        assert!(ran.stdout.is_empty(), "{case}: {ran:#?}");
    }
    assert!(!app.certs.join("carol.crt").exists(), "nothing issued for carol");
    assert_eq!(app.count("SELECT COUNT(*) FROM cert_bindings").await, bindings_before, "nothing bound");
    let revoked: Vec<String> = app.pki().revoked().unwrap().iter().map(|r| r.serial.to_string()).collect();
    assert_eq!(revoked, [serial], "only the spare certificate is revoked");
    assert_signs_in(&app, &app.user_cert("alice"), "alice", "positive control").await;
    assert_signs_in(&app, &app.user_cert("bob"), "bob", "positive control").await;
}
