//! An nginx configuration that terminates mutual TLS in front of the bank (`LAB_MTLS=proxy`):
//! `clickjack-lab nginx-config` prints it, and the tests run Debian's nginx with it.

use std::fmt::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

/// What the configuration needs to know.
pub struct Site<'a> {
    /// Where nginx listens: the bank's public origin (`https://localhost:<port>`).
    pub listen: SocketAddr,
    /// Where the bank listens, plain HTTP.
    pub upstream: SocketAddr,
    /// The source address nginx connects to the bank from (`proxy_bind`): what the bank's
    /// `LAB_TRUSTED_PROXIES` names.
    pub source: Option<IpAddr>,
    /// The header the bank reads the certificate from.
    pub header: &'a str,
    /// The lab PKI folder (absolute): server certificate and key, the CA clients must chain to.
    pub certs_dir: &'a Path,
    /// A folder of nginx's own for its pid file, logs and temporary files.
    pub runtime_dir: &'a Path,
}

/// The configuration text (run it with `nginx -c <file>`; it stays in the foreground).
pub fn config(site: &Site<'_>) -> String {
    let certs = site.certs_dir.display();
    let run = site.runtime_dir.display();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# nginx in front of clickjack-lab (LAB_MTLS=proxy), written by `clickjack-lab nginx-config`."
    );
    let _ =
        writeln!(out, "# nginx verifies the client certificate and forwards it; the bank checks it again");
    let _ = writeln!(
        out,
        "# (CA, dates, usage, certs/crl.pem on every request: nginx reads a CRL only when it starts)."
    );
    let _ = writeln!(
        out,
        "daemon off;\nworker_processes 1;\npid {run}/nginx.pid;\nerror_log {run}/error.log notice;"
    );
    let _ = writeln!(out, "events {{ worker_connections 256; }}\n");
    let _ = writeln!(out, "http {{");
    let _ = writeln!(out, "    access_log {run}/access.log;");
    for temp in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        let _ = writeln!(out, "    {temp}_temp_path {run}/{temp};");
    }
    let _ = writeln!(out, "\n    server {{");
    let _ = writeln!(out, "        listen {} ssl;", site.listen);
    let _ = writeln!(out, "        server_name localhost;");
    let _ = writeln!(out, "        ssl_certificate {certs}/server.crt;");
    let _ = writeln!(out, "        ssl_certificate_key {certs}/server.key;");
    let _ = writeln!(out, "        ssl_client_certificate {certs}/ca.crt;");
    let _ = writeln!(out, "        ssl_verify_client on;");
    let _ = writeln!(out, "        ssl_verify_depth 1;\n");
    let _ = writeln!(out, "        location / {{");
    let _ = writeln!(out, "            proxy_pass http://{};", site.upstream);
    if let Some(source) = site.source {
        let _ = writeln!(
            out,
            "            # The address the bank trusts (LAB_TRUSTED_PROXIES); other local clients use 127.0.0.1."
        );
        let _ = writeln!(out, "            proxy_bind {source};");
    }
    let _ = writeln!(out, "            proxy_http_version 1.1;");
    let _ = writeln!(out, "            proxy_set_header Connection \"\";");
    let _ = writeln!(out, "            proxy_set_header Host $http_host;");
    let _ = writeln!(out, "            # Set here, replacing whatever the client sent under that name.");
    let _ = writeln!(out, "            proxy_set_header {} $ssl_client_escaped_cert;", site.header);
    let _ = writeln!(out, "            proxy_max_temp_file_size 0;");
    let _ = writeln!(out, "        }}\n    }}\n}}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_overwrites_the_header_and_binds_its_trusted_address() {
        let text = config(&Site {
            listen: "127.0.0.1:8443".parse().unwrap(),
            upstream: "127.0.0.1:8480".parse().unwrap(),
            source: Some("127.0.0.2".parse().unwrap()),
            header: "X-SSL-Client-Cert",
            certs_dir: Path::new("/lab/certs"),
            runtime_dir: Path::new("/lab/data/nginx"),
        });
        for line in [
            "listen 127.0.0.1:8443 ssl;",
            "ssl_verify_client on;",
            "ssl_client_certificate /lab/certs/ca.crt;",
            "proxy_pass http://127.0.0.1:8480;",
            "proxy_bind 127.0.0.2;",
            "proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;",
            "pid /lab/data/nginx/nginx.pid;",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert_eq!(text.matches('{').count(), text.matches('}').count());
    }
}
