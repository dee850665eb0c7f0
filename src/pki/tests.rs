//! The PKI's provisioning, bundles, serials and revocations.

use std::fs;
use std::net::IpAddr;

use p12_keystore::KeyStore;

use super::ca::signed_by;
use super::files::pem_der;
use super::provision::{names_match, server_names};
use crate::pki::{CertInfo, P12_PASSWORD, Pki, Serial, crl};

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

#[test]
fn the_server_certificate_follows_a_public_bind() {
    let dir = tempfile::tempdir().unwrap();
    Pki::ensure(dir.path(), &[], LOOPBACK).unwrap();
    let server = dir.path().join("server.crt");
    assert!(names_match(&server, &server_names(LOOPBACK)));
    let lan: IpAddr = "192.168.7.9".parse().unwrap();
    Pki::ensure(dir.path(), &[], lan).unwrap();
    assert!(names_match(&server, &server_names(lan)), "reissued with the bound address");
    assert!(server_names(lan).contains(&"192.168.7.9".to_owned()));
}

#[test]
fn creates_keeps_and_renews() {
    let dir = tempfile::tempdir().unwrap();
    let (pki, done) = Pki::ensure(dir.path(), &["alice"], LOOPBACK).unwrap();
    assert_eq!(done.issued, ["alice"]);
    for file in
        ["ca.crt", "ca.key", "crl.pem", "server.crt", "server.key", "alice.crt", "alice.key", "alice.p12"]
    {
        assert!(dir.path().join(file).exists(), "{file}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join("ca.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let alice = fs::read_to_string(dir.path().join("alice.crt")).unwrap();
    let (again, done) = Pki::ensure(dir.path(), &["alice"], LOOPBACK).unwrap();
    assert!(done.issued.is_empty() && done.notes.is_empty(), "{done:?}");
    assert_eq!(pki.ca_pem(), again.ca_pem(), "the CA is kept");
    assert_eq!(alice, fs::read_to_string(dir.path().join("alice.crt")).unwrap(), "current leaves are kept");

    let renewed = Pki::regenerate(dir.path(), &["alice"], LOOPBACK, true).unwrap();
    assert_ne!(pki.ca_pem(), renewed.ca_pem());
    let reissued = fs::read(dir.path().join("alice.crt")).unwrap();
    assert!(signed_by(&pem_der(std::str::from_utf8(&reissued).unwrap()).unwrap(), renewed.ca_der()));
    assert!(!signed_by(&pem_der(&alice).unwrap(), renewed.ca_der()));
}

#[test]
fn bundles_read_back_with_the_lab_password() {
    let dir = tempfile::tempdir().unwrap();
    Pki::ensure(dir.path(), &["bob"], LOOPBACK).unwrap();
    let bytes = fs::read(dir.path().join("bob.p12")).unwrap();
    let store =
        KeyStore::from_pkcs12(&bytes, P12_PASSWORD, p12_keystore::Pkcs12ImportPolicy::Relaxed).unwrap();
    let (_, chain) = store.private_key_chain().unwrap();
    assert!(chain.certs()[0].subject().contains("bob"));
    assert_eq!(chain.certs().len(), 2);
}

#[test]
fn serials_parse_as_openssl_prints_them() {
    let serial = Serial::from_bytes(&[0, 0x7a, 0x0b]);
    assert_eq!(serial.to_string(), "7A0B");
    assert_eq!(Serial::parse("7a:0b"), Some(serial.clone()));
    assert_eq!(Serial::parse(" 007A0B "), Some(serial));
    assert_eq!(Serial::parse("alice"), None);
    assert_eq!(Serial::parse(""), None);
}

#[test]
fn revocations_accumulate_in_a_crl_signed_by_the_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (pki, _) = Pki::ensure(dir.path(), &["alice", "bob"], LOOPBACK).unwrap();
    assert!(pki.revoked().unwrap().is_empty());
    let alice = CertInfo::from_pem_file(&pki.user_file("alice", "crt")).unwrap();
    let bob = CertInfo::from_pem_file(&pki.user_file("bob", "crt")).unwrap();
    assert_eq!(alice.common_name.as_deref(), Some("alice"));
    assert_eq!(pki.revoke(&alice.serial).unwrap(), crl::Revocation::Added);
    assert_eq!(pki.revoke(&alice.serial).unwrap(), crl::Revocation::AlreadyRevoked);
    assert_eq!(pki.revoke(&bob.serial).unwrap(), crl::Revocation::Added);
    let revoked: Vec<Serial> = pki.revoked().unwrap().into_iter().map(|r| r.serial).collect();
    assert_eq!(revoked, [alice.serial, bob.serial]);
    crl::load_der(dir.path()).unwrap();

    // A damaged list stops start-up instead of being replaced by an empty one.
    let crl_file = crl::path(dir.path());
    let good = fs::read(&crl_file).unwrap();
    fs::write(&crl_file, b"not a CRL").unwrap();
    let err = Pki::ensure(dir.path(), &["alice"], LOOPBACK).err().expect("a damaged CRL is an error");
    assert!(err.to_string().contains("crl.pem"), "{err}");
    fs::write(&crl_file, good).unwrap();
    assert_eq!(Pki::ensure(dir.path(), &["alice"], LOOPBACK).unwrap().0.revoked().unwrap().len(), 2);

    // A new CA starts a new, empty list (the old one's serials mean nothing to it).
    let renewed = Pki::regenerate(dir.path(), &["alice"], LOOPBACK, true).unwrap();
    assert!(renewed.revoked().unwrap().is_empty());
}

#[test]
fn a_ca_half_gone_is_refused_unless_nothing_of_the_pki_is_there() {
    // A fresh machine: no folder, or an empty one.
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let (_, done) = Pki::ensure(&certs, &["alice"], LOOPBACK).unwrap();
    assert!(done.notes[0].starts_with("created the lab's PKI"), "{:?}", done.notes);
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(Pki::ensure(&empty, &["alice"], LOOPBACK).is_ok(), "an empty folder is fresh");

    // The CA's key gone, the certificates it signed still here: refused, nothing changed.
    let (ca, alice) = (fs::read(certs.join("ca.crt")).unwrap(), fs::read(certs.join("alice.crt")).unwrap());
    fs::remove_file(certs.join("ca.key")).unwrap();
    let err = Pki::ensure(&certs, &["alice"], LOOPBACK).err().expect("refused").to_string();
    assert!(err.contains("no ca.key") && err.contains("clickjack-lab certs --new-ca"), "{err}");
    assert!(err.contains("re-import"), "says what --new-ca means: {err}");
    assert!(Pki::load(&certs).is_err() && Pki::regenerate(&certs, &["alice"], LOOPBACK, false).is_err());
    assert_eq!(
        (fs::read(certs.join("ca.crt")).unwrap(), fs::read(certs.join("alice.crt")).unwrap()),
        (ca, alice)
    );
    assert!(!certs.join("ca.key").exists());

    // Both CA files gone, a bundle left: still not fresh.
    fs::remove_file(certs.join("ca.crt")).unwrap();
    let err = Pki::ensure(&certs, &["alice"], LOOPBACK).err().expect("refused").to_string();
    assert!(err.contains("no ca.crt and ca.key") && err.contains("alice.p12"), "{err}");

    // What the message names: a new CA on request.
    let renewed = Pki::regenerate(&certs, &["alice"], LOOPBACK, true).unwrap();
    assert!(signed_by(
        &pem_der(&fs::read_to_string(certs.join("alice.crt")).unwrap()).unwrap(),
        renewed.ca_der()
    ));
}

#[test]
fn a_damaged_ca_file_is_named_with_what_is_wrong_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    Pki::ensure(dir.path(), &[], LOOPBACK).unwrap();
    let (ca_crt, ca_key) = (dir.path().join("ca.crt"), dir.path().join("ca.key"));
    let (good_crt, good_key) = (fs::read(&ca_crt).unwrap(), fs::read_to_string(&ca_key).unwrap());
    let other = tempfile::tempdir().unwrap();
    Pki::create_ca(other.path()).unwrap();
    let cases: [(&std::path::Path, Vec<u8>, &str); 4] = [
        (&ca_crt, b"garbage".to_vec(), "holds no PEM block"),
        (&ca_key, good_key.as_bytes()[..good_key.len() / 2].to_vec(), "cut short"),
        (&ca_key, b"-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n".to_vec(), "base64"),
        (&ca_key, fs::read(other.path().join("ca.key")).unwrap(), "not the key of ca.crt"),
    ];
    for (file, bytes, what) in cases {
        fs::write(file, bytes).unwrap();

        let err = Pki::ensure(dir.path(), &[], LOOPBACK).err().expect("refused").to_string();

        assert!(err.contains(&file.display().to_string()) && err.contains(what), "{what}: {err}");
        assert!(err.contains("clickjack-lab certs --new-ca") && !err.contains("malformedframing"), "{err}");
        fs::write(&ca_crt, &good_crt).unwrap();
        fs::write(&ca_key, &good_key).unwrap();
    }
    assert!(Pki::ensure(dir.path(), &[], LOOPBACK).is_ok(), "positive control");
}

#[test]
fn a_missing_or_damaged_server_key_is_reissued_and_said() {
    let dir = tempfile::tempdir().unwrap();
    Pki::ensure(dir.path(), &["alice"], LOOPBACK).unwrap();
    let key = dir.path().join("server.key");
    let other = tempfile::tempdir().unwrap();
    Pki::ensure(other.path(), &[], LOOPBACK).unwrap();
    let good = fs::read_to_string(&key).unwrap();
    let cases: [(Option<Vec<u8>>, &str); 3] = [
        (None, "server.key was missing"),
        (Some(good.as_bytes()[..100].to_vec()), "cut short"),
        (
            Some(fs::read(other.path().join("server.key")).unwrap()),
            "server.crt and server.key were not a pair",
        ),
    ];
    for (bytes, why) in cases {
        match bytes {
            None => fs::remove_file(&key).unwrap(),
            Some(bytes) => fs::write(&key, bytes).unwrap(),
        }

        let (_, done) = Pki::ensure(dir.path(), &["alice"], LOOPBACK).unwrap();

        assert_eq!(done.notes.len(), 1, "{why}: {done:?}");
        assert!(done.notes[0].contains("new server certificate") && done.notes[0].contains(why), "{done:?}");
        assert!(done.issued.is_empty(), "the users' certificates are kept: {done:?}");
        assert!(crate::tls::server_config(dir.path(), None).is_ok(), "{why}: the new pair serves");
    }
}

#[test]
fn a_certs_path_that_is_a_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("certs");
    fs::write(&file, b"").unwrap();

    let err = Pki::ensure(&file, &[], LOOPBACK).err().expect("refused").to_string();

    assert!(err.contains("is a file, not a folder") && err.contains("LAB_CERTS_DIR"), "{err}");
}

#[test]
fn the_banks_tls_names_a_server_pair_that_does_not_serve() {
    // What start-up repairs, the TLS layer still words (a file changed after provisioning).
    let (dir, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    Pki::ensure(dir.path(), &[], LOOPBACK).unwrap();
    Pki::ensure(other.path(), &[], LOOPBACK).unwrap();
    let key = dir.path().join("server.key");
    let good = fs::read_to_string(&key).unwrap();
    for (bytes, what) in [
        (fs::read(other.path().join("server.key")).unwrap(), "it is not the key of"),
        (good.as_bytes()[..100].to_vec(), "cut short"),
    ] {
        fs::write(&key, bytes).unwrap();

        let err = crate::tls::server_config(dir.path(), None).expect_err("refused").to_string();

        assert!(err.contains(&key.display().to_string()) && err.contains(what), "{err}");
        assert!(err.contains("Delete") && err.contains("server.crt"), "says what to do: {err}");
        assert!(!err.contains("KeyMismatch") && !err.contains("[80, 82"), "{err}");
    }
}
