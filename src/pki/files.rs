//! Reading and writing the PKI's files; secrets are written owner-only.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::error::PkiError;

/// The DER of the first certificate in a PEM text.
pub fn pem_der(pem: &str) -> Option<Vec<u8>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .and_then(Result::ok)
        .map(|der| der.to_vec())
}

pub(super) fn unreadable(path: &Path, reason: impl std::fmt::Display) -> PkiError {
    PkiError::Unreadable { path: path.display().to_string(), reason: reason.to_string() }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io { path: path.display().to_string(), source }
}

pub(super) fn create_dir(dir: &Path) -> Result<(), PkiError> {
    fs::create_dir_all(dir).map_err(io(dir))
}

pub(super) fn read(path: &Path) -> Result<String, PkiError> {
    fs::read_to_string(path).map_err(io(path))
}

pub(super) fn write_public(path: &Path, bytes: &[u8]) -> Result<(), PkiError> {
    fs::write(path, bytes).map_err(io(path))
}

/// Writes a secret: created with mode 0600 on Unix, replacing any earlier file.
pub(super) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), PkiError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        if path.exists() {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io(path))?;
        }
    }
    options.open(path).and_then(|mut f| f.write_all(bytes)).map_err(io(path))
}
