//! The real binary with bad `LAB_*` values: it exits non-zero at once, with a message naming the
//! variable and what it accepts. `--help` lists every variable the code reads.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use clickjack_lab::config::VARS;
use tempfile::TempDir;

use crate::helpers::{lab_binary, run_binary};

/// Runs the binary with a bad flag: non-zero exit, every expected phrase in stderr, no files.
fn assert_does_not_start(vars: &[(&str, &str)], expected: &[&str]) {
    let dir = TempDir::new().unwrap();
    let output = run_binary(lab_binary(dir.path(), vars));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{vars:?} must not start: {stderr}");
    assert_eq!(output.status.code(), Some(2), "{vars:?}: {stderr}");
    for phrase in expected {
        assert!(stderr.contains(phrase), "{vars:?}: {phrase:?} not in {stderr:?}");
    }
    assert!(!dir.path().join("certs").exists(), "{vars:?}: refused before creating the PKI");
    assert!(!dir.path().join("lab.sqlite").exists(), "{vars:?}: refused before creating the database");
}

#[test]
fn an_unknown_lab_frame_names_the_variable_and_its_choices() {
    assert_does_not_start(
        &[("LAB_FRAME", "bogus")],
        &["LAB_FRAME", "\"bogus\"", "deny, sameorigin, allowlist, off"],
    );
}

#[test]
fn an_unknown_lab_mtls_names_the_variable_and_its_choices() {
    assert_does_not_start(&[("LAB_MTLS", "maybe")], &["LAB_MTLS", "\"maybe\"", "required, optional, off"]);
}

#[test]
fn an_out_of_range_port_names_the_variable_and_the_range() {
    assert_does_not_start(&[("LAB_BANK_PORT", "99999")], &["LAB_BANK_PORT", "\"99999\"", "0-65535"]);
}

#[test]
fn a_frame_ancestor_that_is_not_an_origin_is_refused() {
    assert_does_not_start(
        &[("LAB_FRAME", "allowlist"), ("LAB_FRAME_ANCESTORS", "not-an-origin")],
        &["LAB_FRAME_ANCESTORS", "\"not-an-origin\"", "scheme://host[:port]"],
    );
}

#[test]
fn an_unknown_lab_variable_stops_the_lab_naming_the_closest_known_one() {
    // A typo would otherwise start the lab with the frame headers on while the trainer believes them off.
    assert_does_not_start(&[("LAB_FRAMES", "off")], &["LAB_FRAMES", "did you mean LAB_FRAME?"]);
    assert_does_not_start(&[("LAB_GESTURE_GARD", "off")], &["did you mean LAB_GESTURE_GUARD?"]);
}

#[tokio::test]
#[should_panic(expected = "LAB_FRAMES is not a variable of the lab (did you mean LAB_FRAME?)")]
async fn the_test_helpers_refuse_an_unknown_lab_variable_too() {
    crate::common::spawn_app(&[("LAB_FRAMES", "off")]).await;
}

#[test]
fn other_bad_values_are_refused_too() {
    assert_does_not_start(&[("LAB_PROTECTIONS", "maybe")], &["LAB_PROTECTIONS", "on, off"]);
    assert_does_not_start(&[("LAB_SAMESITE", "relaxed")], &["LAB_SAMESITE", "strict, lax, none"]);
    assert_does_not_start(&[("LAB_TRANSFER_CAP", "-5")], &["LAB_TRANSFER_CAP", "positive amount"]);
    assert_does_not_start(&[("LAB_BIND", "localhost:80")], &["LAB_BIND", "an IP address"]);
    assert_does_not_start(
        &[("LAB_BANK_PORT", "9000"), ("LAB_ATTACKER_PORT", "9000")],
        &["LAB_ATTACKER_PORT", "9000"],
    );
}

#[test]
fn a_public_bind_with_protections_off_is_refused_without_consent() {
    assert_does_not_start(
        &[("LAB_BIND", "0.0.0.0"), ("LAB_PROTECTIONS", "off")],
        &["LAB_BIND", "refusing to bind 0.0.0.0", "LAB_ALLOW_PUBLIC=yes"],
    );
}

/// Kills the child when dropped, so a failing test leaves no server behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_same_environment_with_good_values_starts_the_lab() {
    // Arrange: the environment of the refusals above, with valid values (on loopback).
    let dir = TempDir::new().unwrap();
    let vars =
        [("LAB_FRAME", "allowlist"), ("LAB_FRAME_ANCESTORS", "https://partner.test"), ("LAB_MTLS", "off")];
    let child = lab_binary(dir.path(), &vars).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut running = Running(child);

    // Act: read the banner (on a thread, so a lab that never prints cannot hang the test).
    let stdout = running.0.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let banner: Vec<String> = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take_while(|line| !line.contains("Stop with Ctrl-C"))
            .collect();
        let _ = sender.send(banner.join("\n"));
    });
    let banner = receiver.recv_timeout(Duration::from_secs(30)).expect("the banner within 30 s");

    // Assert
    assert!(banner.contains("clickjack-lab is running"), "{banner}");
    assert!(banner.contains("LAB_FRAME=allowlist ('self' https://partner.test)"), "{banner}");
    assert!(running.0.try_wait().unwrap().is_none(), "the lab keeps serving");
    assert!(dir.path().join("certs/ca.crt").exists() && dir.path().join("lab.sqlite").exists());
}

#[test]
fn help_lists_every_lab_variable_the_code_reads() {
    // Arrange: every "LAB_..." string literal in the sources.
    let mut read_by_code = Vec::new();
    collect_lab_names(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut read_by_code);
    read_by_code.sort();
    read_by_code.dedup();
    assert!(read_by_code.len() >= 15, "{read_by_code:?}");

    // Act
    let dir = TempDir::new().unwrap();
    let help = lab_binary(dir.path(), &[]).arg("--help").output().unwrap();

    // Assert
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for name in read_by_code.iter().map(String::as_str).chain(VARS.iter().map(|v| v.name)) {
        let listed = text.lines().any(|line| line.trim_start().starts_with(name));
        assert!(listed, "--help does not list {name}: {text}");
    }
}

/// Collects `"LAB_[A-Z_]+"` literals from the `.rs` files under `dir`, outside their unit tests.
fn collect_lab_names(dir: &Path, names: &mut Vec<String>) {
    for path in crate::common::source::rust_files(dir) {
        let whole = std::fs::read_to_string(&path).unwrap();
        // Unit tests name unknown variables on purpose.
        let text = whole.split("#[cfg(test)]").next().unwrap_or_default();
        for (start, _) in text.match_indices("\"LAB_") {
            let name: String =
                text[start + 1..].chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
            if text[start + 1 + name.len()..].starts_with('"') {
                names.push(name);
            }
        }
    }
}
