//! The documented environment variables: `--help` prints this table, and the parser in
//! [`super`] reads exactly these names.

/// One documented environment variable.
pub struct EnvVar {
    pub name: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

/// Every variable the lab reads, in the order `--help` shows them.
pub const VARS: &[EnvVar] = &[
    EnvVar {
        name: "LAB_BIND",
        default: "127.0.0.1",
        help: "address both sites bind; non-loopback needs LAB_ALLOW_PUBLIC=yes while any protection is off",
    },
    EnvVar {
        name: "LAB_BANK_PORT",
        default: "8443",
        help: "port of the bank, https://localhost:<port> (0 = any free port)",
    },
    EnvVar {
        name: "LAB_ATTACKER_PORT",
        default: "8666",
        help: "port of the attacker site, http://127.0.0.1:<port> (0 = any free port)",
    },
    EnvVar {
        name: "LAB_SAMESITE_ATTACKER_PORT",
        default: "8667",
        help: "port of the attacker site over HTTPS, https://localhost:<port>: the same *site* as the bank",
    },
    EnvVar {
        name: "LAB_DATABASE",
        default: "data/clickjack-lab.sqlite",
        help: "SQLite file, created and seeded on first start",
    },
    EnvVar {
        name: "LAB_CERTS_DIR",
        default: "certs",
        help: "the lab PKI: CA, server and per-user certificates, created on first start",
    },
    EnvVar {
        name: "LAB_ASSETS_DIR",
        default: "(the source checkout)",
        help: "folder holding static/ and attacker-site/",
    },
    EnvVar {
        name: "LAB_MTLS",
        default: "required",
        help: "required | optional | off | proxy: how the bank learns who you are (proxy: from a \
               TLS-terminating proxy's header)",
    },
    EnvVar {
        name: "LAB_CERT_BINDING",
        default: "fingerprint",
        help: "fingerprint | cn: a certificate signs in only once bound to its user (clickjack-lab certs \
               bind), or any lab certificate signs in the user its CN names",
    },
    EnvVar {
        name: "LAB_UPSTREAM_PORT",
        default: "8480",
        help: "LAB_MTLS=proxy: the bank's own plain-HTTP port on loopback; the proxy listens on LAB_BANK_PORT",
    },
    EnvVar {
        name: "LAB_CLIENT_CERT_HEADER",
        default: "X-SSL-Client-Cert",
        help: "LAB_MTLS=proxy: the header carrying the client certificate (URL-encoded PEM as nginx's \
               $ssl_client_escaped_cert, or Envoy's x-forwarded-client-cert format)",
    },
    EnvVar {
        name: "LAB_TRUSTED_PROXIES",
        default: "127.0.0.2",
        help: "LAB_MTLS=proxy: addresses whose certificate header is honoured (space-separated); \
               any = the trust check off",
    },
    EnvVar {
        name: "LAB_PROTECTIONS",
        default: "on",
        help: "on | off: preset for every protection below (never changes LAB_MTLS)",
    },
    EnvVar {
        name: "LAB_FRAME",
        default: "deny (preset off: off)",
        help: "deny | sameorigin | allowlist | off: X-Frame-Options and CSP frame-ancestors; \
               meta | allow-from | report-only: misconfigurations that look protected but are not",
    },
    EnvVar {
        name: "LAB_FRAME_ANCESTORS",
        default: "(none)",
        help: "origins allowed to frame the bank when LAB_FRAME=allowlist, space-separated",
    },
    EnvVar {
        name: "LAB_ORIGIN_CHECK",
        default: "on (preset off: off)",
        help: "on | off: state-changing requests must come from the bank's own origin",
    },
    EnvVar {
        name: "LAB_ALLOWED_ORIGINS",
        default: "(none)",
        help: "extra origins the origin check accepts, space-separated",
    },
    EnvVar {
        name: "LAB_CSRF_TOKEN",
        default: "on (preset off: off)",
        help: "on | off: a synchronizer token bound to the signed-in identity",
    },
    EnvVar {
        name: "LAB_SAMESITE",
        default: "strict (preset off: none)",
        help: "strict | lax | none: the session cookie's SameSite attribute",
    },
    EnvVar {
        name: "LAB_FETCH_METADATA",
        default: "on (preset off: off)",
        help: "on | off: refuse state-changing requests from frames and framed navigations from other origins",
    },
    EnvVar {
        name: "LAB_GESTURE_GUARD",
        default: "on (preset off: off)",
        help: "on | off: confirm buttons stay disabled until the page has been seen and the pointer or keyboard used",
    },
    EnvVar {
        name: "LAB_FRAMEBUSTER",
        default: "off (whatever the preset)",
        help: "classic | hidden | off: a frame-busting script (a teaching aid, not a defence)",
    },
    EnvVar {
        name: "LAB_CONFIRM_ABOVE",
        default: "500.00",
        help: "transfers above this amount need a second \"Are you sure?\" step",
    },
    EnvVar {
        name: "LAB_TRANSFER_CAP",
        default: "2500.00",
        help: "largest single transfer, in the bank's currency",
    },
    EnvVar {
        name: "LAB_ALLOW_PUBLIC",
        default: "no",
        help: "yes | no: allow a non-loopback LAB_BIND while protections are off",
    },
    EnvVar { name: "RUST_LOG", default: "info", help: "log filter (tracing-subscriber EnvFilter syntax)" },
];
