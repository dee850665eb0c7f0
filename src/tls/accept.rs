//! The bank's TLS listener. actix-web's own rustls listener drops a failed handshake without a
//! word, so a trainer at a trainee's desk would see nothing when the browser has no certificate;
//! here the bank accepts its connections itself and hands each failed handshake, with the peer's
//! address, to [`Refusals`] (which words it and bounds the log).

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix_http::{HttpService, Protocol, Request, Response, body::MessageBody};
use actix_server::Server;
use actix_service::{IntoServiceFactory, Service, ServiceFactory, fn_factory, fn_service, map_config};
use actix_tls::accept::rustls_0_23::{Acceptor, TlsStream};
use actix_web::dev::AppConfig;
use tokio::net::TcpStream;

use super::refusals::Refusals;

/// Serves the app that `factory` makes on `listener` over TLS, like actix-web's
/// `HttpServer::listen_rustls_0_23` (two workers, no signal handling, 5 s to stop), logging refused
/// handshakes.
pub fn serve<F, I, S, B>(
    factory: F,
    listener: TcpListener,
    config: rustls::ServerConfig,
) -> io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig, Error = actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let refusals = Arc::new(Refusals::default());
    // actix-web's default app configuration (it says `http` and `localhost:8080`: its constructor
    // with the real values is private). Nothing in the bank reads `connection_info` or `url_for`.
    let app_config = AppConfig::default();
    Ok(Server::build()
        .workers(2)
        .disable_signals()
        .shutdown_timeout(5)
        .listen("bank", listener, move || {
            let http = HttpService::<TlsStream<TcpStream>, _, _>::build()
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .on_connect_ext(|io: &TlsStream<TcpStream>, data| super::peer::on_connect(io, data))
                .finish(map_config(factory(), {
                    let app_config = app_config.clone();
                    move |()| app_config.clone()
                }));
            let acceptor = Acceptor::new(config.clone());
            let refusals = refusals.clone();
            let http = Rc::new(http);
            fn_factory(move || {
                let tls = ServiceFactory::<TcpStream>::new_service(&acceptor, ());
                let http =
                    ServiceFactory::<(TlsStream<TcpStream>, Protocol, Option<SocketAddr>)>::new_service(
                        &*http,
                        (),
                    );
                let refusals = refusals.clone();
                async move {
                    let tls = Rc::new(tls.await.map_err(|_| ())?);
                    let http = Rc::new(http.await.map_err(|_| ())?);
                    Ok::<_, ()>(fn_service(move |stream: TcpStream| {
                        let peer = stream.peer_addr().ok();
                        let accept = tls.call(stream);
                        let (http, refusals) = (http.clone(), refusals.clone());
                        async move {
                            match accept.await {
                                Ok(io) => http.call((io, Protocol::Http1, peer)).await.map_err(|_| ()),
                                Err(error) => {
                                    refusals.failed(peer, &error);
                                    Err(())
                                }
                            }
                        }
                    }))
                }
            })
        })?
        .run())
}
