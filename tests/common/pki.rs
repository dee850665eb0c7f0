//! One lab PKI per test run: made once, then copied into each test lab's own folder. Every lab of
//! the run trusts the same CA, so browser profiles (their NSS databases) are made once per user
//! and reused; a test that revokes, reissues or replaces certificates changes its own copy only.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clickjack_lab::db::SEED_USERS;
use clickjack_lab::pki::Pki;

/// The run's PKI, made on first use under the build's scratch folder (`test-pki/<pid>/certs`; the
/// browser tests keep the run's NSS databases beside it).
pub fn shared() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-pki");
        let dir = root.join(std::process::id().to_string()).join("certs");
        // The PKIs of earlier runs whose processes are gone are of no use now.
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let pid = entry.file_name().to_string_lossy().into_owned();
            if !Path::new("/proc").join(&pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let users: Vec<&str> = SEED_USERS.iter().map(|(name, _, _)| *name).collect();
        Pki::ensure(&dir, &users, Ipv4Addr::LOCALHOST.into()).expect("the run's PKI");
        dir
    })
}

/// A copy of the run's PKI in `to`.
pub fn copy_into(to: &Path) {
    std::fs::create_dir_all(to).expect("certs folder");
    for entry in std::fs::read_dir(shared()).expect("the run's PKI").flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy a PKI file");
        }
    }
}
