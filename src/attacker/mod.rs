//! The attacker site: the static pages of `attacker-site/`, served on their own origin
//! (`http://127.0.0.1:<LAB_ATTACKER_PORT>`, a different *site* from `https://localhost`), so the
//! attacks are truly cross-site, and again over HTTPS on another port of the bank's host (the
//! same *site* as the bank). The server injects one thing only: where the bank (and that
//! same-site copy) are, through `/config.js`.

use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::lab::observer::LabState;
use crate::practice::desk::Desk;
use crate::practice::queue::Queue;
use crate::sites::Sites;

pub mod lab_desk;

/// What the attacker site serves: its pages, and the lab's desk (which reads the lab's state).
pub struct Site {
    pub dir: PathBuf,
    pub lab: web::Data<LabState>,
    pub setup: lab_desk::Setup,
    /// The exploit server's state, and the victim's queue.
    pub practice: web::Data<Desk>,
    pub queue: web::Data<Queue>,
}

/// Serves the site on `cross_site` (plain HTTP) and on `same_site` (HTTPS with `tls`, the bank's
/// own server certificate).
pub fn serve(
    site: Site,
    sites: &Sites,
    cross_site: TcpListener,
    same_site: TcpListener,
    tls: rustls::ServerConfig,
) -> io::Result<Server> {
    let script = config_script(sites);
    let setup = web::Data::new(site.setup);
    let (site_dir, lab, practice, queue) = (site.dir, site.lab, site.practice, site.queue);
    let exploit_origin = sites.cross_site.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(lab.clone())
            .app_data(setup.clone())
            .app_data(practice.clone())
            .app_data(queue.clone())
            .configure(lab_desk::routes)
            .configure(|cfg| crate::practice::server::routes(cfg, &exploit_origin))
            .configure(|cfg| routes(cfg, &site_dir, &script))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(cross_site)?
    .listen_rustls_0_23(same_site, tls)?;
    Ok(server.run())
}

fn routes(cfg: &mut web::ServiceConfig, site_dir: &Path, script: &str) {
    let script = script.to_owned();
    let start_page = site_dir.join("start.html");
    cfg.route(
        "/config.js",
        web::get().to(move || {
            let script = script.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("text/javascript; charset=utf-8")
                    .insert_header(("Cache-Control", "no-store"))
                    .body(script)
            }
        }),
    )
    // The address the banner and the bank's pages give: http://127.0.0.1:<port>/start.
    .route(
        "/start",
        web::get().to(move || {
            let page = start_page.clone();
            async move { actix_files::NamedFile::open(page) }
        }),
    )
    .service(actix_files::Files::new("/", site_dir).index_file("index.html"));
}

fn config_script(sites: &Sites) -> String {
    let config = serde_json::json!({
        "bankOrigin": sites.bank.as_str(),
        "sameSiteAttackerOrigin": sites.same_site.as_str(),
    });
    format!("// Written by the lab server: where the bank is.\nwindow.LAB = Object.freeze({config});\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_script_carries_the_bank_origin() {
        let ports = crate::sites::Ports { bank: 8443, attacker: 8666, samesite_attacker: 8667 };
        let script = super::config_script(&crate::sites::Sites::new([127, 0, 0, 1].into(), ports));
        assert!(script.contains(r#""bankOrigin":"https://localhost:8443""#), "{script}");
        assert!(script.contains(r#""sameSiteAttackerOrigin":"https://localhost:8667""#), "{script}");
    }
}
