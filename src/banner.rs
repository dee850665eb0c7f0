//! The start-up banner: first how to get a browser ready (the start page, the lab's own
//! browser), then where the sites are, what is switched on, and what start-up changed.

use std::fmt::Write;

use crate::identity::mode::MtlsMode;
use crate::pki::P12_PASSWORD;
use crate::protections::FrameMode;
use crate::startup::Application;

pub fn text(app: &Application) -> String {
    let (settings, sites) = (app.settings(), app.sites());
    let certs = settings.paths.certs.display();
    let mtls = settings.identity.mtls;
    let mut out = String::new();
    let _ = writeln!(out, "\nclickjack-lab is running\n");
    let _ = writeln!(
        out,
        "  Start here   {}/start  (checks your browser's setup, says what is missing)",
        sites.cross_site
    );
    let _ = writeln!(
        out,
        "  Or use the lab's own browser: cargo run --release -- browser [--as bob] [--engine firefox]\n\
         \x20              (the same program as ./target/release/clickjack-lab browser)\n"
    );
    let transport = if mtls == MtlsMode::Off { "TLS" } else { "mutual TLS" };
    let _ = writeln!(out, "  Bank ({transport:>10})  {}", sites.bank);
    if let Some(upstream) = app.upstream().map(|addr| format!("http://{addr}")) {
        let _ = writeln!(
            out,
            "    (served by your TLS proxy; the bank itself listens on {upstream}, plain HTTP.\n     \
             An nginx configuration for it: clickjack-lab nginx-config)"
        );
    }
    let _ = writeln!(out, "  Attacker site      {}", sites.cross_site);
    let _ = writeln!(out, "  Same-site attacker {}", sites.same_site);
    let _ = writeln!(out, "  The lab            {}/lab", sites.bank);
    bind_lines(&mut out, app);
    out.push('\n');
    let identity = match mtls {
        MtlsMode::Required => "your client certificate is your sign-in",
        MtlsMode::Optional => "a client certificate signs you in; without one, password sign-in",
        MtlsMode::Off => "no client certificates; password sign-in and a session cookie",
        MtlsMode::Proxy => "the proxy verifies your certificate and forwards it in a header",
    };
    let _ = writeln!(out, "  Identity     LAB_MTLS={}: {identity}", mtls.as_str());
    if mtls.certificate_signs_in() {
        let _ = writeln!(
            out,
            "  Certificates LAB_CERT_BINDING={}; revocations in {certs}/crl.pem (clickjack-lab certs revoke)",
            settings.identity.binding.as_str()
        );
    }
    if mtls == MtlsMode::Proxy {
        let _ = writeln!(
            out,
            "  Proxy header {} honoured from LAB_TRUSTED_PROXIES={}",
            settings.proxy.header,
            settings.proxy.trusted.describe()
        );
    }
    let summary = settings.protections.summary();
    let flags: Vec<String> = summary.iter().map(|s| format!("{}={}", s.flag, s.value)).collect();
    let _ = writeln!(out, "  Protections  {}", flags.join("  "));
    if !settings.protections.frame.ancestors.is_empty()
        && settings.protections.frame.mode != FrameMode::Allowlist
    {
        let _ = writeln!(out, "  Note: LAB_FRAME_ANCESTORS has no effect unless LAB_FRAME=allowlist.");
    }
    let off = settings.protections.disabled();
    if !off.is_empty() {
        let _ = writeln!(
            out,
            "  !! Switched OFF: {}. The attack pages will work against this bank.",
            off.join(", ")
        );
    }
    for note in app.pki_notes() {
        let _ = writeln!(out, "  Note: {note}");
    }
    if mtls != MtlsMode::Off {
        let _ = writeln!(
            out,
            "\n  Your own browser: trust {certs}/ca.crt for websites and import a user's {certs}/alice.p12 \
             (password: {P12_PASSWORD}); the start page gives the commands for yours."
        );
    } else {
        let _ = writeln!(
            out,
            "\n  Trust the lab CA {certs}/ca.crt, open {}/login and sign in as alice / alice-pass.",
            sites.bank
        );
    }
    let _ = writeln!(out, "\n  Stop with Ctrl-C.");
    out
}

/// Where the lab listens when that is not loopback, and the warning when it is reachable from the
/// network with protections off (`LAB_ALLOW_PUBLIC=yes`).
fn bind_lines(out: &mut String, app: &Application) {
    let settings = app.settings();
    let bind = settings.network.bind;
    if bind.is_loopback() {
        return;
    }
    let _ = if bind.is_unspecified() {
        writeln!(
            out,
            "  Listening on {bind} (LAB_BIND): every network interface. The bank's certificate names \
             localhost, 127.0.0.1 and ::1 only: for other machines, set LAB_BIND to this machine's address"
        )
    } else {
        writeln!(out, "  Listening on {bind} (LAB_BIND), reachable from the network")
    };
    if !settings.protections.disabled().is_empty() {
        let _ = writeln!(
            out,
            "  !! REACHABLE FROM THE NETWORK WITH PROTECTIONS OFF (LAB_ALLOW_PUBLIC=yes): anyone who can \
             reach this machine on these ports can use the attack pages against the bank's accounts"
        );
    }
}
