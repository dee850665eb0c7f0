//! The settings, group by group, from the variables of [`super::vars`].

use super::read::Env;
use super::settings::{ConfigError, Paths, Settings};
use super::vars::*;
use crate::audit::AuditSettings;
use crate::browser::finder::Overrides;
use crate::identity::mode::{CertBinding, IdentitySettings, MtlsMode};
use crate::lab::LabSettings;
use crate::protections::{FrameBuster, FrameMode, FramePolicy, Protections, SameSite};
use crate::proxy::settings::ProxySettings;
use crate::sites::Network;
use crate::transfers::Limits;

pub(super) fn settings(env: &mut Env<'_>) -> Result<Settings, ConfigError> {
    env.preset_on = env.switch(&PROTECTIONS)?;
    Ok(Settings {
        network: Network {
            bind: env.address(&BIND)?,
            bank_port: env.port(&BANK_PORT)?,
            attacker_port: env.port(&ATTACKER_PORT)?,
            samesite_attacker_port: env.port(&SAMESITE_ATTACKER_PORT)?,
            allow_public: env.switch(&ALLOW_PUBLIC)?,
        },
        paths: Paths {
            database: env.path(&DATABASE).unwrap_or_default(),
            certs: env.path(&CERTS_DIR).unwrap_or_default(),
            // Computed: the checkout this binary was built from, where static/ and attacker-site/ are.
            assets: env.path(&ASSETS_DIR).unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
        },
        identity: IdentitySettings {
            mtls: env.choice(&MTLS, MtlsMode::from_choice)?,
            binding: env.choice(&CERT_BINDING, CertBinding::from_choice)?,
        },
        proxy: ProxySettings {
            upstream_port: env.port(&UPSTREAM_PORT)?,
            header: env.header(&CLIENT_CERT_HEADER)?,
            trusted: env.trusted_proxies(&TRUSTED_PROXIES)?,
        },
        protections: protections(env)?,
        transfers: Limits { cap: env.amount(&TRANSFER_CAP)?, confirm_above: env.amount(&CONFIRM_ABOVE)? },
        lab: LabSettings { popup_window_ms: env.millis(&POPUP_WINDOW_MS, (0, "no window is shorter"))? },
        audit: AuditSettings { max_rows: env.count(&AUDIT_MAX_ROWS, 100)? },
        browsers: Overrides { chromium: env.path(&CHROMIUM), firefox: env.path(&FIREFOX) },
    })
}

/// The shortest gesture-guard delay: the second click of a double-click can come later than a
/// shorter one, and the guard would no longer stop DoubleClickjacking (which the lab predicts).
const GESTURE_DELAY_FLOOR: (u32, &str) = (
    500,
    "the second click of a double-click can come after it, and the guard would not stop DoubleClickjacking",
);

pub(super) fn protections(env: &Env<'_>) -> Result<Protections, ConfigError> {
    Ok(Protections {
        frame: FramePolicy {
            mode: env.choice(&FRAME, FrameMode::from_choice)?,
            ancestors: env.origins(&FRAME_ANCESTORS)?,
        },
        origin_check: env.switch(&ORIGIN_CHECK)?,
        allowed_origins: env.origins(&ALLOWED_ORIGINS)?,
        csrf_token: env.switch(&CSRF_TOKEN)?,
        samesite: env.choice(&SAMESITE, SameSite::from_choice)?,
        fetch_metadata: env.switch(&FETCH_METADATA)?,
        gesture_guard: env.switch(&GESTURE_GUARD)?,
        gesture_delay_ms: env.millis(&GESTURE_DELAY_MS, GESTURE_DELAY_FLOOR)?,
        framebuster: env.choice(&FRAMEBUSTER, FrameBuster::from_choice)?,
    })
}
