//! `clickjack-lab browser`, the built binary, against a running lab: its lab-owned profile
//! presents the user's certificate to the bank without a prompt, in both engines, and several
//! users run at once. Each run is its own process group, killed whatever happens.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use clickjack_lab::lab::renders::Render;

use crate::common::{TestApp, spawn_app, until};
use crate::engine::{Engine, places};
use crate::in_both_engines;

/// Bob's confirmation page of a transfer to mallory.
const CONFIRM: &str = "/transfer/confirm?to=mallory&amount=1.00";

/// A `clickjack-lab browser` run in its own process group (the browser with it), killed on drop.
struct Run {
    child: Child,
    output: tempfile::NamedTempFile,
}

impl Run {
    /// `clickjack-lab browser --headless --engine <engine> --as <user> --open <path>`, pointed at
    /// `app`'s certs folder, database and bank port, as a trainee's shell would be.
    fn start(app: &TestApp, engine: Engine, user: &str, path: &str) -> Self {
        let output = tempfile::NamedTempFile::new().unwrap();
        // One open file for both streams: they share its offset and never write over each other.
        let file = output.reopen().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_clickjack-lab"))
            .args(["browser", "--headless", "--engine", engine.as_str(), "--as", user, "--open", path])
            .env("LAB_CERTS_DIR", &app.certs)
            .env("LAB_DATABASE", &app.database)
            .env("LAB_BANK_PORT", app.sites.bank.port().to_string())
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .process_group(0)
            .spawn()
            .expect("clickjack-lab browser starts");
        Self { child, output }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(self.output.path()).unwrap_or_default()
    }

    /// The processes of the run's group still alive (not zombies).
    fn alive(&self) -> Vec<String> {
        let group = self.child.id().to_string();
        let mut alive = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
            // pid (comm) state ppid pgrp ...: the fields after the command's closing parenthesis.
            let Some((name, rest)) = stat.rsplit_once(") ") else { continue };
            let fields: Vec<&str> = rest.split(' ').collect();
            if fields.get(2) == Some(&group.as_str()) && fields.first() != Some(&"Z") {
                alive.push(name.to_owned());
            }
        }
        alive
    }
}

impl Run {
    /// Kills the run's whole process group: the command and the browser it started.
    fn kill(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Kills the runs' process groups and checks that no browser process of theirs is left.
async fn stop(mut runs: Vec<Run>) {
    runs.iter_mut().for_each(Run::kill);
    let left = || runs.iter().flat_map(Run::alive).collect::<Vec<_>>();
    until("no browser process left", Duration::from_secs(10), async || left().is_empty()).await;
}

/// When the user's own NSS database (`~/.pki/nssdb`) last changed, if there is one.
fn own_nssdb() -> Option<std::time::SystemTime> {
    let home = std::env::var_os("HOME")?;
    std::fs::metadata(Path::new(&home).join(".pki/nssdb/cert9.db")).and_then(|m| m.modified()).ok()
}

/// The confirmation pages the bank showed to `user`.
fn shown_to(app: &TestApp, user: &str) -> Vec<Render> {
    app.lab.renders.all().into_iter().filter(|r| r.user.as_deref() == Some(user)).collect()
}

/// Waits until the bank has shown `user` a confirmation page, signed in by certificate.
async fn until_shown(app: &TestApp, user: &str, run: &Run) {
    let limit = Duration::from_secs(90);
    let what = format!("the bank showing {user} the confirmation page; the command said:\n{}", run.output());
    until(&what, limit, async || !shown_to(app, user).is_empty()).await;
}

in_both_engines! {
    async fn the_command_presents_bobs_certificate_to_the_bank_without_a_prompt(engine: Engine) {
        // Arrange
        let _turn = places(1).await;
        let app = spawn_app(&[]).await;
        let before = own_nssdb();

        // Act
        let run = Run::start(&app, engine, "bob", CONFIRM);
        until_shown(&app, "bob", &run).await;

        // Assert
        let output = run.output();
        let profile = app.dir().join(format!("browsers/{}-bob", engine.as_str()));
        assert!(output.contains(&profile.display().to_string()) && output.contains("as bob"), "{output}");
        assert!(output.contains(&app.url(CONFIRM)), "the address it opened: {output}");
        let shown = shown_to(&app, "bob");
        assert_eq!(shown[0].by, Some("certificate"), "signed in by bob's certificate: {shown:?}");
        assert_eq!(shown[0].dest.as_deref(), Some("document"), "a top-level page: {shown:?}");
        assert!(shown_to(&app, "alice").is_empty());
        assert!(profile.join(clickjack_lab::browser::profile::STAMP).is_file());
        assert!(!output.contains("nothing answers"), "the bank answers: {output}");
        assert!(output.contains("built now"), "{output}");
        let log = profile.join("browser.log");
        assert!(output.contains(&log.display().to_string()) && log.is_file(), "the browser's own log: {output}");
        assert!(
            !output.lines().any(|line| line.starts_with('[') || line.starts_with("*** ")),
            "the browser's own messages stay in its log, out of the terminal: {output}"
        );
        assert_eq!(own_nssdb(), before, "the user's own NSS database is untouched");
        stop(vec![run]).await;

        // A second run reuses the profile, and still presents the certificate.
        let again = Run::start(&app, engine, "bob", CONFIRM);
        until("a second confirmation page for bob", Duration::from_secs(90), async || {
            shown_to(&app, "bob").len() == 2
        })
        .await;
        assert!(again.output().contains("(reused;"), "{}", again.output());
        stop(vec![again]).await;
    }

    async fn alice_and_bob_browse_at_once_each_with_their_own_certificate(engine: Engine) {
        let _turn = places(2).await;
        let app = spawn_app(&[]).await;

        let alice = Run::start(&app, engine, "alice", "/transfer/confirm?to=bob&amount=1.00");
        let bob = Run::start(&app, engine, "bob", CONFIRM);
        until_shown(&app, "alice", &alice).await;
        until_shown(&app, "bob", &bob).await;

        assert!(alice.alive().len() >= 2 && bob.alive().len() >= 2, "two browsers, each in its run's group");
        assert_ne!(alice.output(), bob.output());
        stop(vec![alice, bob]).await;
    }
}

#[tokio::test]
async fn the_command_refuses_a_user_the_bank_does_not_have_and_a_lab_without_certificates() {
    let app = spawn_app(&[]).await;
    let run = |user: &str, certs: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_clickjack-lab"))
            .args(["browser", "--headless", "--as", user])
            .env("LAB_CERTS_DIR", certs)
            .env("LAB_DATABASE", &app.database)
            .output()
            .expect("clickjack-lab runs");
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };

    let (code, err) = run("eve", &app.certs);
    assert_eq!(code, Some(2));
    assert!(err.contains("\"eve\"") && err.contains("alice, bob, mallory"), "{err}");
    let empty = app.dir().join("no-certs");
    let (code, err) = run("bob", &empty);
    assert_eq!(code, Some(2));
    assert!(err.contains(&empty.display().to_string()) && err.contains("start the lab once"), "{err}");
}
