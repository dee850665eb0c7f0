//! The bank's server: its state, its routes (the lab's pages among them) and the middleware every
//! request passes through, listed in [`serve`] in the order a request meets them.

use std::io;
use std::net::TcpListener;
use std::path::PathBuf;

use actix_web::dev::Server;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};

use crate::lab::observer::{self, LabState};
use crate::protections::headers;
use crate::protections::{body, csrf, fetch_metadata, origin_check};
use crate::state::AppState;
use crate::web::{errors, methods, record};
use crate::{lab, proxy, tls};

/// What the bank's server is made of.
pub struct Bank {
    pub state: web::Data<AppState>,
    pub lab: web::Data<LabState>,
    /// The bank's own scripts and stylesheets (`static/`).
    pub static_dir: PathBuf,
}

/// `wrap_in_order!(app, a, b, c)` is `app.wrap(c).wrap(b).wrap(a)`: actix applies `.wrap` from
/// the inside out, so the list reads in the order a request meets the middleware, `a` first.
macro_rules! wrap_in_order {
    ($app:expr, $first:expr $(, $rest:expr)* $(,)?) => { wrap_in_order!($app $(, $rest)*).wrap($first) };
    ($app:expr $(,)?) => { $app };
}

/// Serves the bank on `listener`: over TLS with `tls`, or plain HTTP behind a proxy without.
pub fn serve(bank: Bank, listener: TcpListener, tls: Option<tls::Offers>) -> io::Result<Server> {
    let app = move || {
        let app = App::new()
            .app_data(bank.state.clone())
            .app_data(bank.lab.clone())
            .configure(lab::page::routes)
            .configure(lab::panel::routes)
            .configure(|cfg| crate::web::routes(cfg, &bank.static_dir));
        wrap_in_order!(
            app,
            // Only GET, HEAD and POST, and a body that arrives within 10 s: 405 or 408 at once.
            from_fn(methods::filter),
            // LAB_MTLS=proxy: a trusted proxy's certificate header becomes the request's certificate.
            from_fn(proxy::forwarded_identity),
            // Every answer: the CSP and frame headers (LAB_FRAME), nosniff, no-store.
            from_fn(headers::security_headers),
            // An error becomes a page that says what happened (or JSON under /api/).
            ErrorHandlers::new().default_handler(errors::render),
            // One audit row for each state change and each refusal on the way (identity, framing).
            from_fn(record::record),
            // The lab watches: how confirmation pages loaded, which transfers were attacks.
            from_fn(observer::observe),
            // A state change's body, read once for the checks below and the handler.
            from_fn(body::buffer),
            from_fn(origin_check::enforce),
            from_fn(fetch_metadata::enforce),
            from_fn(csrf::enforce),
        )
    };
    match tls {
        // Over TLS, the bank accepts its connections itself, to log refused handshakes.
        Some(tls) => tls::accept::serve(app, listener, tls),
        None => Ok(HttpServer::new(app)
            .on_connect(tls::peer::on_connect)
            .workers(2)
            .disable_signals()
            .shutdown_timeout(5)
            .listen(listener)?
            .run()),
    }
}
