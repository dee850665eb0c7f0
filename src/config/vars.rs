//! The one table of the lab's environment variables: each with its default (written here only),
//! the values it accepts and its help. The parser reads exactly these, `--help` prints them, and
//! a `LAB_*` name not in the table stops start-up.

/// One environment variable.
pub struct Var {
    pub name: &'static str,
    /// What an unset (or empty) variable means.
    pub default: Default,
    /// The values a choice accepts (any case); empty for any other kind of value.
    pub choices: &'static [&'static str],
    pub help: &'static str,
}

/// What an unset variable means.
pub enum Default {
    /// This value, parsed as if it had been given.
    Value(&'static str),
    /// With `LAB_PROTECTIONS=on`, the first value; with `off`, the second.
    Preset { on: &'static str, off: &'static str },
    /// Nothing; the text says what that means.
    Unset(&'static str),
    /// Worked out at start-up; the text says how.
    Computed(&'static str),
}

impl Var {
    /// The default as `--help` shows it.
    pub fn default_text(&self) -> String {
        match self.default {
            Default::Value(value) => value.to_owned(),
            Default::Preset { on, off } => format!("{on} (preset off: {off})"),
            Default::Unset(text) | Default::Computed(text) => text.to_owned(),
        }
    }

    /// The value the lab uses when this variable is unset, for `LAB_PROTECTIONS=on|off`.
    pub fn default_value(&self, preset_on: bool) -> Option<&'static str> {
        match self.default {
            Default::Value(value) => Some(value),
            Default::Preset { on, off } => Some(if preset_on { on } else { off }),
            Default::Unset(_) | Default::Computed(_) => None,
        }
    }
}

const ON_OFF: &[&str] = &["on", "off"];

pub const BIND: Var = Var {
    name: "LAB_BIND",
    default: Default::Value("127.0.0.1"),
    choices: &[],
    help: "address the sites bind; non-loopback needs LAB_ALLOW_PUBLIC=yes while any protection is off",
};
pub const BANK_PORT: Var = Var {
    name: "LAB_BANK_PORT",
    default: Default::Value("8443"),
    choices: &[],
    help: "port of the bank, https://localhost:<port> (0 = any free port)",
};
pub const ATTACKER_PORT: Var = Var {
    name: "LAB_ATTACKER_PORT",
    default: Default::Value("8666"),
    choices: &[],
    help: "port of the attacker site, http://127.0.0.1:<port> (0 = any free port)",
};
pub const SAMESITE_ATTACKER_PORT: Var = Var {
    name: "LAB_SAMESITE_ATTACKER_PORT",
    default: Default::Value("8667"),
    choices: &[],
    help: "port of the attacker site over HTTPS, https://localhost:<port>: the same *site* as the bank",
};
pub const DATABASE: Var = Var {
    name: "LAB_DATABASE",
    default: Default::Value("data/clickjack-lab.sqlite"),
    choices: &[],
    help: "SQLite file, created and seeded on first start",
};
pub const CERTS_DIR: Var = Var {
    name: "LAB_CERTS_DIR",
    default: Default::Value("certs"),
    choices: &[],
    help: "the lab PKI: CA, server and per-user certificates, created on first start",
};
pub const ASSETS_DIR: Var = Var {
    name: "LAB_ASSETS_DIR",
    default: Default::Computed("(the source checkout)"),
    choices: &[],
    help: "folder holding static/ and attacker-site/",
};
pub const MTLS: Var = Var {
    name: "LAB_MTLS",
    default: Default::Value("required"),
    choices: &["required", "optional", "off", "proxy"],
    help: "how the bank learns who you are (proxy: from a TLS-terminating proxy's header)",
};
pub const CERT_BINDING: Var = Var {
    name: "LAB_CERT_BINDING",
    default: Default::Value("fingerprint"),
    choices: &["fingerprint", "cn"],
    help: "a certificate signs in only once bound to its user (clickjack-lab certs bind), or any lab \
           certificate signs in the user its CN names",
};
pub const UPSTREAM_PORT: Var = Var {
    name: "LAB_UPSTREAM_PORT",
    default: Default::Value("8480"),
    choices: &[],
    help: "LAB_MTLS=proxy: the bank's own plain-HTTP port on loopback; the proxy listens on LAB_BANK_PORT",
};
pub const CLIENT_CERT_HEADER: Var = Var {
    name: "LAB_CLIENT_CERT_HEADER",
    default: Default::Value("X-SSL-Client-Cert"),
    choices: &[],
    help: "LAB_MTLS=proxy: the header carrying the client certificate (URL-encoded PEM as nginx's \
           $ssl_client_escaped_cert, or Envoy's x-forwarded-client-cert format)",
};
pub const TRUSTED_PROXIES: Var = Var {
    name: "LAB_TRUSTED_PROXIES",
    default: Default::Value("127.0.0.2"),
    choices: &[],
    help: "LAB_MTLS=proxy: addresses whose certificate header is honoured (space-separated); \
           any = the trust check off",
};
pub const PROTECTIONS: Var = Var {
    name: "LAB_PROTECTIONS",
    default: Default::Value("on"),
    choices: ON_OFF,
    help: "preset for every protection below (never changes LAB_MTLS)",
};
pub const FRAME: Var = Var {
    name: "LAB_FRAME",
    default: Default::Preset { on: "deny", off: "off" },
    choices: &[
        "deny",
        "sameorigin",
        "allowlist",
        "off",
        "meta",
        "allow-from",
        "report-only",
        "xfo-conflict",
        "xfo-list",
        "xfo-typo",
        "csp-typo",
        "csp-wildcard",
    ],
    help: "X-Frame-Options and CSP frame-ancestors; meta, allow-from and report-only look protected and are \
           not; xfo-* and csp-* are header quirks (xfo-conflict, xfo-list and csp-typo fail closed)",
};
pub const FRAME_ANCESTORS: Var = Var {
    name: "LAB_FRAME_ANCESTORS",
    default: Default::Unset("(none)"),
    choices: &[],
    help: "origins allowed to frame the bank when LAB_FRAME=allowlist, space-separated",
};
pub const ORIGIN_CHECK: Var = Var {
    name: "LAB_ORIGIN_CHECK",
    default: Default::Preset { on: "on", off: "off" },
    choices: ON_OFF,
    help: "state-changing requests must come from the bank's own origin",
};
pub const ALLOWED_ORIGINS: Var = Var {
    name: "LAB_ALLOWED_ORIGINS",
    default: Default::Unset("(none)"),
    choices: &[],
    help: "extra origins the origin check accepts, space-separated",
};
pub const CSRF_TOKEN: Var = Var {
    name: "LAB_CSRF_TOKEN",
    default: Default::Preset { on: "on", off: "off" },
    choices: ON_OFF,
    help: "a synchronizer token bound to the signed-in identity",
};
pub const SAMESITE: Var = Var {
    name: "LAB_SAMESITE",
    default: Default::Preset { on: "strict", off: "none" },
    choices: &["strict", "lax", "none"],
    help: "the session cookie's SameSite attribute",
};
pub const FETCH_METADATA: Var = Var {
    name: "LAB_FETCH_METADATA",
    default: Default::Preset { on: "on", off: "off" },
    choices: ON_OFF,
    help: "refuse state-changing requests from frames and framed navigations from other origins",
};
pub const GESTURE_GUARD: Var = Var {
    name: "LAB_GESTURE_GUARD",
    default: Default::Preset { on: "on", off: "off" },
    choices: ON_OFF,
    help: "confirm buttons stay disabled until the page has been seen and the pointer or keyboard used",
};
pub const GESTURE_DELAY_MS: Var = Var {
    name: "LAB_GESTURE_DELAY_MS",
    default: Default::Value("1000"),
    choices: &[],
    help: "how long (ms, at least 500) a page must have been visible before the gesture guard counts a gesture",
};
pub const FRAMEBUSTER: Var = Var {
    name: "LAB_FRAMEBUSTER",
    default: Default::Value("off"),
    choices: &["classic", "hidden", "off"],
    help: "a frame-busting script (a teaching aid, not a defence: off whatever the preset)",
};
pub const CONFIRM_ABOVE: Var = Var {
    name: "LAB_CONFIRM_ABOVE",
    default: Default::Value("500.00"),
    choices: &[],
    help: "transfers above this amount need a second \"Are you sure?\" step",
};
pub const TRANSFER_CAP: Var = Var {
    name: "LAB_TRANSFER_CAP",
    default: Default::Value("2500.00"),
    choices: &[],
    help: "largest single transfer, in the bank's currency",
};
pub const POPUP_WINDOW_MS: Var = Var {
    name: "LAB_POPUP_WINDOW_MS",
    default: Default::Value("1500"),
    choices: &[],
    help: "the lab's solve detection: a confirmation this soon (ms) after another site opened the page \
           came through DoubleClickjacking's popup, not a reading person",
};
pub const ALLOW_PUBLIC: Var = Var {
    name: "LAB_ALLOW_PUBLIC",
    default: Default::Value("no"),
    choices: &["yes", "no"],
    help: "allow a non-loopback LAB_BIND while protections are off",
};
pub const CHROMIUM: Var = Var {
    name: "LAB_CHROMIUM",
    default: Default::Unset("(found on PATH or where Chromium/Chrome installs)"),
    choices: &[],
    help: "`clickjack-lab browser`: the Chromium or Chrome executable to start",
};
pub const FIREFOX: Var = Var {
    name: "LAB_FIREFOX",
    default: Default::Unset("(found on PATH or where Firefox installs)"),
    choices: &[],
    help: "`clickjack-lab browser`: the Firefox executable to start",
};
pub const AUDIT_MAX_ROWS: Var = Var {
    name: "LAB_AUDIT_MAX_ROWS",
    default: Default::Value("50000"),
    choices: &[],
    help: "rows the audit log keeps (at least 100); beyond, the oldest are trimmed and the trim recorded",
};
pub const RUST_LOG: Var = Var {
    name: "RUST_LOG",
    default: Default::Value("info"),
    choices: &[],
    help: "log filter: a level, or targets with levels (`info,sqlx=warn`)",
};

/// Every variable the lab reads, in the order `--help` shows them.
pub const VARS: &[&Var] = &[
    &BIND,
    &BANK_PORT,
    &ATTACKER_PORT,
    &SAMESITE_ATTACKER_PORT,
    &DATABASE,
    &CERTS_DIR,
    &ASSETS_DIR,
    &MTLS,
    &CERT_BINDING,
    &UPSTREAM_PORT,
    &CLIENT_CERT_HEADER,
    &TRUSTED_PROXIES,
    &PROTECTIONS,
    &FRAME,
    &FRAME_ANCESTORS,
    &ORIGIN_CHECK,
    &ALLOWED_ORIGINS,
    &CSRF_TOKEN,
    &SAMESITE,
    &FETCH_METADATA,
    &GESTURE_GUARD,
    &GESTURE_DELAY_MS,
    &FRAMEBUSTER,
    &CONFIRM_ABOVE,
    &TRANSFER_CAP,
    &POPUP_WINDOW_MS,
    &ALLOW_PUBLIC,
    &CHROMIUM,
    &FIREFOX,
    &AUDIT_MAX_ROWS,
    &RUST_LOG,
];

/// The known variable closest to an unknown `name`, if one is close enough to be a typo (a few
/// letters off, or the start of a longer name: `LAB_CSRF` for `LAB_CSRF_TOKEN`).
pub fn closest(name: &str) -> Option<&'static str> {
    let close = |known: &str, distance: usize| {
        distance <= (known.len() / 4).max(2) || (name.len() > "LAB_".len() + 2 && known.starts_with(name))
    };
    VARS.iter()
        .map(|var| (strsim::levenshtein(name, var.name), var.name))
        .filter(|(distance, known)| close(known, *distance))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}
