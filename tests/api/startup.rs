//! The real binary at start-up, as a newcomer meets it: the banner's lead and warnings, and the
//! messages for a damaged or half-gone PKI and a database the lab may not write. Each message
//! names the file, says what is wrong and what to do.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tempfile::TempDir;

use crate::helpers::{lab_binary, run_binary};

/// The binary, serving: its banner, and its log so far. Killed when dropped.
pub struct Started {
    child: Child,
    pub banner: String,
    log: Arc<Mutex<String>>,
}

impl Started {
    /// Starts the binary with its files in `dir` and waits for its banner.
    pub fn run(dir: &Path, vars: &[(&str, &str)]) -> Self {
        let mut child = lab_binary(dir, vars)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the lab");
        let (stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buf) {
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
            let banner: Vec<String> =
                lines.by_ref().take_while(|line| !line.contains("Stop with Ctrl-C")).collect();
            let _ = sender.send(banner.join("\n"));
            // Read on: the lab's output must never meet a closed pipe.
            lines.for_each(drop);
        });
        let mut started = Self { child, banner: String::new(), log };
        started.banner = receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no banner within 30 s; log: {}", started.log()));
        started
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The port of the banner's line that starts with `label` (`Bank`, `Attacker site`).
    pub fn port(&self, label: &str) -> u16 {
        let line = self.banner.lines().find(|l| l.trim_start().starts_with(label)).expect(label);
        line.rsplit(':').next().unwrap().trim().parse().unwrap_or_else(|_| panic!("{line}"))
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A run that must not start: exit status 2, and stderr.
fn refused(dir: &Path, vars: &[(&str, &str)]) -> String {
    let output = run_binary(lab_binary(dir, vars));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// A folder with the PKI and database of one earlier start.
fn started_once() -> TempDir {
    let dir = TempDir::new().unwrap();
    drop(Started::run(dir.path(), &[]));
    dir
}

#[test]
fn the_banner_leads_with_the_start_page_and_the_labs_browser() {
    let dir = TempDir::new().unwrap();

    let lab = Started::run(dir.path(), &[]);

    let start = format!("http://127.0.0.1:{}/start", lab.port("Attacker site"));
    let lead: Vec<&str> = lab.banner.lines().filter(|l| !l.trim().is_empty()).skip(1).take(2).collect();
    assert!(lead[0].contains("Start here") && lead[0].contains(&start), "{}", lab.banner);
    assert!(
        lead[1].contains("cargo run --release -- browser [--as bob] [--engine firefox]"),
        "{}",
        lab.banner
    );
    assert!(lab.banner.contains("./target/release/clickjack-lab browser"), "{}", lab.banner);
    assert!(!lab.banner.contains("certutil"), "no import command that fails on a fresh HOME: {}", lab.banner);
    assert!(!lab.banner.contains("Listening on") && !lab.banner.contains("REACHABLE"), "{}", lab.banner);
    assert!(lab.banner.contains("Note: created the lab's PKI"), "{}", lab.banner);
}

#[test]
fn a_public_bind_is_shown_and_with_protections_off_it_is_a_loud_warning() {
    let dir = TempDir::new().unwrap();
    let public = [("LAB_BIND", "0.0.0.0")];
    let open = [("LAB_BIND", "0.0.0.0"), ("LAB_PROTECTIONS", "off"), ("LAB_ALLOW_PUBLIC", "yes")];

    let protected = Started::run(dir.path(), &public).banner.clone();
    let exposed = Started::run(dir.path(), &open).banner.clone();

    assert!(protected.contains("Listening on 0.0.0.0 (LAB_BIND)"), "{protected}");
    assert!(!protected.contains("REACHABLE"), "{protected}");
    assert!(exposed.contains("Listening on 0.0.0.0 (LAB_BIND)"), "{exposed}");
    assert!(
        exposed.contains("REACHABLE FROM THE NETWORK WITH PROTECTIONS OFF (LAB_ALLOW_PUBLIC=yes)"),
        "{exposed}"
    );
}

#[test]
fn a_missing_server_key_is_reissued_and_said_in_the_log_and_the_banner() {
    let dir = started_once();
    std::fs::remove_file(dir.path().join("certs/server.key")).unwrap();
    let alice = std::fs::read(dir.path().join("certs/alice.p12")).unwrap();

    let lab = Started::run(dir.path(), &[]);

    assert!(lab.banner.contains("Note: issued the bank a new server certificate"), "{}", lab.banner);
    assert!(
        lab.banner.contains("server.key was missing") && lab.banner.contains("Browsers need nothing new")
    );
    assert!(lab.log().contains("WARN") && lab.log().contains("server.key was missing"), "{}", lab.log());
    assert_eq!(std::fs::read(dir.path().join("certs/alice.p12")).unwrap(), alice, "the users' bundles stay");
}

#[test]
fn a_missing_ca_key_beside_its_certificates_stops_the_lab_naming_certs_new_ca() {
    // Arrange: a PKI in use, its CA key lost.
    let dir = started_once();
    let certs = dir.path().join("certs");
    std::fs::remove_file(certs.join("ca.key")).unwrap();
    let (ca, alice) =
        (std::fs::read(certs.join("ca.crt")).unwrap(), std::fs::read(certs.join("alice.p12")).unwrap());

    // Act
    let stderr = refused(dir.path(), &[]);

    // Assert: named, explained, nothing replaced.
    assert!(stderr.contains(&format!("{}: no ca.key", certs.display())), "{stderr}");
    assert!(stderr.contains("clickjack-lab certs --new-ca"), "{stderr}");
    assert!(stderr.contains("every browser must then trust the new ca.crt and re-import"), "{stderr}");
    assert!(!certs.join("ca.key").exists());
    assert_eq!(
        (std::fs::read(certs.join("ca.crt")).unwrap(), std::fs::read(certs.join("alice.p12")).unwrap()),
        (ca, alice)
    );

    // The commands that act on the PKI as it is say the same.
    let mut list = lab_binary(dir.path(), &[]);
    list.args(["certs", "list"]);
    let listed = run_binary(list);
    let said = String::from_utf8_lossy(&listed.stderr);
    assert_eq!(listed.status.code(), Some(2), "{said}");
    assert!(said.contains("certs --new-ca") && !said.contains("start the lab once"), "{said}");

    // The way out it names works, and the lab starts again.
    let mut command = lab_binary(dir.path(), &[]);
    command.args(["certs", "--new-ca"]);
    let new_ca = run_binary(command);
    assert!(new_ca.status.success(), "{}", String::from_utf8_lossy(&new_ca.stderr));
    assert!(Started::run(dir.path(), &[]).banner.contains("clickjack-lab is running"));
}

#[test]
fn damaged_pki_files_are_named_with_what_is_wrong_and_what_to_do() {
    let dir = started_once();
    let certs = dir.path().join("certs");
    let key = std::fs::read_to_string(certs.join("ca.key")).unwrap();
    let crt = std::fs::read(certs.join("ca.crt")).unwrap();
    for (file, bytes, what) in [
        ("ca.crt", b"garbage\n".to_vec(), "holds no PEM block"),
        ("ca.key", key.as_bytes()[..key.len() / 2].to_vec(), "cut short"),
    ] {
        std::fs::write(certs.join(file), bytes).unwrap();

        let stderr = refused(dir.path(), &[]);

        assert!(
            stderr.contains(&certs.join(file).display().to_string()) && stderr.contains(what),
            "{stderr}"
        );
        assert!(stderr.contains("Put back a good copy") && stderr.contains("certs --new-ca"), "{stderr}");
        assert!(!stderr.contains("malformedframing") && !stderr.contains("[80, 82"), "{stderr}");
        std::fs::write(certs.join("ca.key"), &key).unwrap();
        std::fs::write(certs.join("ca.crt"), &crt).unwrap();
    }
    // A truncated server.key is the lab's own: replaced, and said.
    let server_key = std::fs::read(certs.join("server.key")).unwrap();
    std::fs::write(certs.join("server.key"), &server_key[..100]).unwrap();
    let lab = Started::run(dir.path(), &[]);
    assert!(lab.banner.contains("server.key did not read (it is cut short"), "{}", lab.banner);
}

#[test]
fn a_certs_path_that_is_a_file_says_so() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("certs"), b"").unwrap();

    let stderr = refused(dir.path(), &[]);

    assert!(stderr.contains("certs is a file, not a folder") && stderr.contains("LAB_CERTS_DIR"), "{stderr}");
    assert!(!stderr.contains("File exists"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_database_folder_the_lab_may_not_write_is_named_with_the_permission() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // Arrange: the database in a read-only folder; the certificates where the lab may write.
    let dir = TempDir::new().unwrap();
    let (certs, data) = (dir.path().join("certs"), dir.path().join("data"));
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    let mode =
        |path: &Path, mode| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    mode(dir.path(), 0o755);
    mode(&certs, 0o777);
    mode(&data, 0o555);
    let database = data.join("lab.sqlite");
    let mut command = lab_binary(dir.path(), &[("LAB_DATABASE", database.to_str().unwrap())]);
    // root may write anywhere: the lab runs as nobody then, as a trainee's account would.
    if std::fs::metadata(dir.path()).unwrap().uid() == 0 {
        let program = command.get_program().to_owned();
        let mut as_nobody = std::process::Command::new("setpriv");
        as_nobody.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(program);
        as_nobody.envs(command.get_envs().filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))));
        for (name, value) in command.get_envs() {
            if value.is_none() {
                as_nobody.env_remove(name);
            }
        }
        as_nobody.stdin(Stdio::null());
        command = as_nobody;
    }

    // Act
    let output = run_binary(command);

    // Assert
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("the folder {} may not be written", data.display())), "{stderr}");
    assert!(stderr.contains("needs write permission") && stderr.contains("LAB_DATABASE"), "{stderr}");
    assert!(!stderr.contains("code: 14"), "{stderr}");
}

#[test]
fn a_log_filter_that_does_not_parse_stops_the_lab_naming_rust_log() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = refused(dir.path(), &[("RUST_LOG", "info,sqlx=loud")]);
    assert!(stderr.contains("RUST_LOG=\"info,sqlx=loud\" is not a log filter"), "{stderr}");
    assert!(stderr.contains("info,sqlx=warn"), "{stderr}");
}
