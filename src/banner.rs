//! The start-up banner: where the two sites are, what is switched on, and how to get a browser
//! to present a lab certificate.

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
    let _ = writeln!(out, "  The lab            {}/lab\n", sites.bank);
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
    if mtls != MtlsMode::Off {
        let _ = writeln!(
            out,
            "\n  Browser setup (once; the README has the step-by-step for Chromium and Firefox):\n\
             \x20   1. Trust the lab CA {certs}/ca.crt for websites\n\
             \x20      certutil -d sql:$HOME/.pki/nssdb -A -t \"C,,\" -n clickjack-lab-ca -i {certs}/ca.crt\n\
             \x20   2. Import a user's certificate, e.g. {certs}/alice.p12 (password: {P12_PASSWORD})\n\
             \x20      pk12util -d sql:$HOME/.pki/nssdb -i {certs}/alice.p12 -W {P12_PASSWORD}\n\
             \x20   3. Open {} and choose alice's certificate when asked.",
            sites.bank
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
