//! The maintenance commands behind `clickjack-lab reset | certs ... | nginx-config`. Each
//! returns the text to print, or an error message naming what was wrong.

use std::fmt::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use sqlx::SqlitePool;

use crate::accounts::{User, bindings, repo};
use crate::cli::CertsCommand;
use crate::config::Settings;
use crate::db::{self, SEED_USERS};
use crate::identity::mode::MtlsMode;
use crate::pki::crl::Revocation;
use crate::pki::{CertInfo, Pki, PkiError, Serial};
use crate::proxy::nginx;
use crate::proxy::settings::TrustedProxies;
use crate::tls::LabVerifier;

type Outcome = Result<String, String>;

pub async fn reset(settings: &Settings) -> Outcome {
    let pool = db::open(&settings.paths.database).await.map_err(|e| e.to_string())?;
    db::reset(&pool).await.map_err(|e| e.to_string())?;
    Ok(format!(
        "{}: restored the seeded balances; cleared transfers (and the lab's badges) and the audit log",
        settings.paths.database.display()
    ))
}

pub async fn certs(settings: &Settings, new_ca: bool, action: Option<CertsCommand>) -> Outcome {
    match action {
        None => reissue(settings, new_ca).await,
        Some(_) if new_ca => Err("--new-ca goes with `certs` alone, not with a subcommand".to_owned()),
        Some(CertsCommand::Issue { user, bind }) => issue(settings, &user, bind).await,
        Some(CertsCommand::Bind { user, cert }) => bind(settings, &user, cert).await,
        Some(CertsCommand::Revoke { user_or_serial }) => revoke(settings, &user_or_serial).await,
        Some(CertsCommand::List) => list(settings).await,
    }
}

fn seed_users() -> Vec<&'static str> {
    SEED_USERS.iter().map(|(name, _, _)| *name).collect()
}

/// The PKI and database as `serve` would leave them (created on a fresh machine).
async fn provision(settings: &Settings) -> Result<(Pki, SqlitePool), String> {
    let users = seed_users();
    let (pki, provisioned) =
        Pki::ensure(&settings.paths.certs, &users, settings.network.bind).map_err(|e| e.to_string())?;
    let pool = db::open(&settings.paths.database).await.map_err(|e| e.to_string())?;
    bindings::bind_provisioned(&pool, &pki, &users, &provisioned.issued).await.map_err(|e| e.to_string())?;
    Ok((pki, pool))
}

/// The existing PKI and the database, untouched: for commands that must act on the
/// certificates as they are (revoking a certificate the lab just renewed would miss the old one).
async fn existing(settings: &Settings) -> Result<(Pki, SqlitePool), String> {
    let pki = Pki::load(&settings.paths.certs).map_err(|e| match e {
        PkiError::Absent { .. } => {
            format!("{e} (start the lab once, or run `clickjack-lab certs`, to create it)")
        }
        other => other.to_string(),
    })?;
    let pool = db::open(&settings.paths.database).await.map_err(|e| e.to_string())?;
    Ok((pki, pool))
}

async fn user(pool: &SqlitePool, name: &str) -> Result<User, String> {
    repo::find(pool, name).await.map_err(|e| e.to_string())?.ok_or_else(|| {
        format!("there is no user \"{name}\"; the bank's users are {}", seed_users().join(", "))
    })
}

async fn reissue(settings: &Settings, new_ca: bool) -> Outcome {
    let users = seed_users();
    let pki = Pki::regenerate(&settings.paths.certs, &users, settings.network.bind, new_ca)
        .map_err(|e| e.to_string())?;
    let pool = db::open(&settings.paths.database).await.map_err(|e| e.to_string())?;
    let all: Vec<String> = users.iter().map(|u| (*u).to_owned()).collect();
    bindings::bind_provisioned(&pool, &pki, &users, &all).await.map_err(|e| e.to_string())?;
    Ok(format!(
        "{}: reissued (and bound) the server and user certificates{}",
        pki.dir().display(),
        if new_ca { " under a NEW CA: trust the new ca.crt and re-import the .p12 bundles" } else { "" }
    ))
}

async fn issue(settings: &Settings, name: &str, bind_now: bool) -> Outcome {
    let (pki, pool) = provision(settings).await?;
    let user = user(&pool, name).await?;
    pki.issue_user(name).map_err(|e| e.to_string())?;
    let path = pki.user_file(name, "crt");
    let cert = CertInfo::from_pem_file(&path).map_err(|e| e.to_string())?;
    let mut out = format!(
        "issued a new certificate for {name}: {} (and .key, .p12)\n  serial      {}\n  fingerprint {}\n",
        path.display(),
        cert.serial,
        cert.fingerprint
    );
    if bind_now {
        bindings::bind(&pool, &user, &cert, "certs issue --bind").await.map_err(|e| e.to_string())?;
        out.push_str("  bound to the account: it signs in now");
    } else {
        let _ = write!(
            out,
            "  NOT bound yet: with LAB_CERT_BINDING=fingerprint (the default) it does not sign {name} in \
             until `clickjack-lab certs bind {name}`; with LAB_CERT_BINDING=cn it already does"
        );
    }
    Ok(out)
}

async fn bind(settings: &Settings, name: &str, cert: Option<PathBuf>) -> Outcome {
    let (pki, pool) = existing(settings).await?;
    let user = user(&pool, name).await?;
    let path = cert.unwrap_or_else(|| pki.user_file(name, "crt"));
    let (info, der) = CertInfo::read_pem_file(&path).map_err(|e| e.to_string())?;
    if info.common_name.as_deref() != Some(name) {
        return Err(format!(
            "{} names {}, not {name}: a certificate signs in the user its CN names, so it can only be bound to them",
            path.display(),
            info.common_name.as_deref().map_or("no one (no CN)".to_owned(), |cn| format!("\"{cn}\""))
        ));
    }
    // The same checks as the handshake: no point binding what the bank would refuse.
    let verifier = LabVerifier::new(pki.dir(), true, None).map_err(|e| e.to_string())?;
    verifier
        .check(&der.into())
        .map_err(|refusal| format!("{} cannot be bound: {}", path.display(), refusal.reason))?;
    bindings::bind(&pool, &user, &info, "certs bind").await.map_err(|e| e.to_string())?;
    Ok(format!(
        "bound {} (serial {}, fingerprint {}) to {name}",
        path.display(),
        info.serial,
        info.fingerprint
    ))
}

async fn revoke(settings: &Settings, target: &str) -> Outcome {
    let (pki, pool) = existing(settings).await?;
    let (serial, whose) = if repo::find(&pool, target).await.map_err(|e| e.to_string())?.is_some() {
        let path = pki.user_file(target, "crt");
        let info = CertInfo::from_pem_file(&path).map_err(|e| e.to_string())?;
        (info.serial, format!("{target}'s certificate {}", path.display()))
    } else {
        let serial = Serial::parse(target).ok_or_else(|| {
            format!(
                "\"{target}\" is neither a user ({}) nor a certificate serial in hex (openssl x509 -noout -serial)",
                seed_users().join(", ")
            )
        })?;
        (serial, "the certificate".to_owned())
    };
    match pki.revoke(&serial).map_err(|e| e.to_string())? {
        Revocation::AlreadyRevoked => Ok(format!("{whose} (serial {serial}) was already revoked")),
        Revocation::Added => Ok(format!(
            "revoked {whose} (serial {serial}) in {}. A running bank refuses it within a second, on new \
             connections and open ones alike. A new one: clickjack-lab certs issue <user> --bind",
            crate::pki::crl::path(pki.dir()).display()
        )),
    }
}

async fn list(settings: &Settings) -> Outcome {
    let (pki, pool) = existing(settings).await?;
    let mut out = String::from("Bound certificates (LAB_CERT_BINDING=fingerprint signs in only these):\n");
    for b in bindings::list(&pool).await.map_err(|e| e.to_string())? {
        let _ = writeln!(
            out,
            "  {:<8} serial {}  expires {}  bound {} ({})\n           {}",
            b.username,
            b.serial,
            crate::clock::display(b.not_after),
            crate::clock::display(b.bound_at),
            b.bound_by,
            b.fingerprint
        );
    }
    let revoked = pki.revoked().map_err(|e| e.to_string())?;
    let _ = writeln!(out, "Revoked ({}):", crate::pki::crl::path(pki.dir()).display());
    if revoked.is_empty() {
        out.push_str("  (none)\n");
    }
    for r in revoked {
        let at = r.at.unix_timestamp() * 1000;
        let _ = writeln!(out, "  serial {}  since {}", r.serial, crate::clock::display(at));
    }
    Ok(out.trim_end().to_owned())
}

/// Writes `<dir>/nginx.conf` for the settings' ports, header and trusted address.
pub fn nginx_config(settings: &Settings, dir: &Path) -> Outcome {
    let absolute = |p: &Path| std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()));
    let (certs_dir, runtime_dir) = (absolute(&settings.paths.certs)?, absolute(dir)?);
    std::fs::create_dir_all(&runtime_dir).map_err(|e| format!("{}: {e}", runtime_dir.display()))?;
    let source = match &settings.proxy.trusted {
        TrustedProxies::Only(list) => list.first().copied(),
        TrustedProxies::Any => None,
    };
    let text = nginx::config(&nginx::Site {
        listen: SocketAddr::new(settings.network.bind, settings.network.bank_port),
        upstream: SocketAddr::new(settings.network.bind, settings.proxy.upstream_port),
        source,
        header: settings.proxy.header.as_str(),
        certs_dir: &certs_dir,
        runtime_dir: &runtime_dir,
    });
    let file = runtime_dir.join("nginx.conf");
    std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut out = format!("wrote {}\nstart the bank and nginx:\n", file.display());
    if settings.identity.mtls != MtlsMode::Proxy {
        out.push_str("  LAB_MTLS=proxy cargo run --release\n");
    } else {
        out.push_str("  cargo run --release\n");
    }
    let _ = write!(out, "  nginx -c {}    (it stays in the foreground; Ctrl-C stops it)", file.display());
    Ok(out)
}
