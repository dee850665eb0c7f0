//! The attacker site: the static pages of `attacker-site/`, served on their own origin
//! (`http://127.0.0.1:<LAB_ATTACKER_PORT>`, a different *site* from `https://localhost`), so the
//! attacks are truly cross-site, and again over HTTPS on another port of the bank's host (the
//! same *site* as the bank). The server injects one thing only: where the bank (and that
//! same-site copy) are, through `/config.js`.

use std::path::Path;

use actix_web::{HttpResponse, web};

use crate::origin::Origin;

/// Mounts the attacker site.
pub fn routes(cfg: &mut web::ServiceConfig, site_dir: &Path, bank_origin: &Origin, samesite_origin: &Origin) {
    let script = config_script(bank_origin, samesite_origin);
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
    .service(actix_files::Files::new("/", site_dir).index_file("index.html"));
}

fn config_script(bank_origin: &Origin, samesite_origin: &Origin) -> String {
    let config = serde_json::json!({
        "bankOrigin": bank_origin.as_str(),
        "sameSiteAttackerOrigin": samesite_origin.as_str(),
    });
    format!("// Written by the lab server: where the bank is.\nwindow.LAB = Object.freeze({config});\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_script_carries_the_bank_origin() {
        use crate::origin::Origin;
        let script =
            super::config_script(&Origin::https("localhost", 8443), &Origin::https("localhost", 8667));
        assert!(script.contains(r#""bankOrigin":"https://localhost:8443""#), "{script}");
        assert!(script.contains(r#""sameSiteAttackerOrigin":"https://localhost:8667""#), "{script}");
    }
}
