//! What is wrong with a PKI file, in words, and what to do about it: the PEM parser's and the
//! file system's errors say *what* (`malformedframing`, `File exists`) but not *how*.

use std::io;
use std::path::Path;

use rustls::pki_types::pem;

/// A PEM parse error in words.
pub fn pem(error: &pem::Error) -> String {
    match error {
        pem::Error::MissingSectionEnd { .. } => {
            "it is cut short, its \"-----END ...-----\" line is missing".to_owned()
        }
        pem::Error::IllegalSectionStart { .. } => {
            "it is not PEM, a \"-----BEGIN\" line is malformed".to_owned()
        }
        pem::Error::Base64Decode(_) => {
            "its base64 text does not decode, the file was edited or damaged".to_owned()
        }
        pem::Error::NoItemsFound => {
            "it holds no PEM block of the expected kind (a lab file starts with \"-----BEGIN\")".to_owned()
        }
        pem::Error::SectionTooLarge => "it is far too large to be a certificate or a key".to_owned(),
        pem::Error::Io(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// A file system error on `path` in words, with what to do.
pub fn io(path: &Path, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => format!(
            "permission denied: the user running the lab may not {} it. Give that user read and write \
             permission on the file and its folder (chmod u+rw {}, chmod u+rwx {}), or set \
             LAB_CERTS_DIR to a folder it owns",
            if path.exists() { "write (or read)" } else { "create" },
            path.display(),
            path.parent().map_or_else(|| ".".into(), |p| p.display().to_string()),
        ),
        _ => error.to_string(),
    }
}

/// What to do about a damaged file of the PKI, by its name.
pub fn fix(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let folder = path.parent().map_or_else(|| ".".into(), |p| p.display().to_string());
    match name.as_str() {
        "ca.crt" | "ca.key" => format!(
            "Put back a good copy of {name} if you have one. Otherwise `clickjack-lab certs --new-ca` makes \
             a new CA and reissues every certificate: every browser must then trust the new ca.crt and \
             re-import its user's .p12"
        ),
        "server.crt" | "server.key" => format!(
            "Delete {folder}/server.crt and {folder}/server.key: the next start issues a new pair under the \
             same CA (browsers need nothing new)"
        ),
        super::names::CRL_FILE => "Put back the crl.pem this CA signed, or delete it to start an empty list \
             (which lets every revoked certificate sign in again: revoke them anew with `clickjack-lab certs \
             revoke`)"
            .to_owned(),
        _ => format!(
            "Delete {} and run `clickjack-lab certs` to reissue the lab's certificates",
            path.display()
        ),
    }
}

/// `path` exists but is not a folder.
pub fn not_a_folder(path: &Path) -> String {
    format!(
        "{} is a file, not a folder: LAB_CERTS_DIR names the folder of the lab's certificates. Move \
         that file away, or set LAB_CERTS_DIR to another folder",
        path.display()
    )
}
