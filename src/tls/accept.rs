//! The bank's TLS listener. actix-web's own rustls listener drops a failed handshake without a
//! word, so a trainer at a trainee's desk would see nothing when the browser has no certificate;
//! here the bank accepts its connections itself and hands each failed handshake, with the peer's
//! address, to [`Refusals`] (which words it and bounds the log). It also picks the configuration
//! by the client's hello ([`Offers`]) and serves HTTP/2 where ALPN chose it.

use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix_http::{HttpService, Protocol, Request, Response, body::MessageBody};
use actix_server::Server;
use actix_service::{IntoServiceFactory, Service, ServiceFactory, fn_factory, fn_service, map_config};
use actix_tls::accept::TlsError;
use actix_tls::accept::rustls_0_23::TlsStream;
use actix_web::dev::AppConfig;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_rustls::LazyConfigAcceptor;

use super::refusals::{NO_CERTIFICATE, Refusals};
use super::server::Offers;

/// How long a client has for its TLS handshake (as actix-tls's own acceptor).
const HANDSHAKE: Duration = Duration::from_secs(3);
/// Handshakes in progress at once, per worker (as actix-tls's own acceptor): the rest wait.
const HANDSHAKES: usize = 256;

/// The TLS handshake, under the configuration for what the client offers.
async fn handshake(
    stream: TcpStream,
    offers: &Offers,
) -> Result<TlsStream<TcpStream>, TlsError<io::Error, Infallible>> {
    let handshake = async {
        let start = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), stream).await?;
        let h2 = start.client_hello().alpn().is_some_and(|mut offered| offered.any(|p| p == b"h2"));
        start.into_stream(if h2 { offers.h2.clone() } else { offers.http1.clone() }).await
    };
    match tokio::time::timeout(HANDSHAKE, handshake).await {
        Ok(Ok(io)) => Ok(io.into()),
        Ok(Err(error)) => Err(TlsError::Tls(error)),
        Err(_) => Err(TlsError::Timeout),
    }
}

/// Serves the app that `factory` makes on `listener` over TLS, like actix-web's
/// `HttpServer::listen_rustls_0_23` (two workers, no signal handling, 5 s to stop), logging refused
/// handshakes.
pub fn serve<F, I, S, B>(factory: F, listener: TcpListener, offers: Offers) -> io::Result<Server>
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
            let (offers, refusals) = (Rc::new(offers.clone()), refusals.clone());
            let handshakes = Rc::new(Semaphore::new(HANDSHAKES));
            let http = Rc::new(http);
            fn_factory(move || {
                let http =
                    ServiceFactory::<(TlsStream<TcpStream>, Protocol, Option<SocketAddr>)>::new_service(
                        &*http,
                        (),
                    );
                let (offers, refusals, handshakes) = (offers.clone(), refusals.clone(), handshakes.clone());
                async move {
                    let http = Rc::new(http.await.map_err(|_| ())?);
                    Ok::<_, ()>(fn_service(move |stream: TcpStream| {
                        let peer = stream.peer_addr().ok();
                        // HTTP/2 writes a response's HEADERS and DATA apart; with Nagle's algorithm
                        // the second waits for the client's delayed ACK (measured: 44 ms a request).
                        let _ = stream.set_nodelay(true);
                        let (http, offers, refusals) = (http.clone(), offers.clone(), refusals.clone());
                        let handshakes = handshakes.clone();
                        async move {
                            let accepted = {
                                let _turn = handshakes.acquire().await.map_err(|_| ())?;
                                handshake(stream, &offers).await
                            };
                            let io = accepted.map_err(|error| refusals.failed(peer, &error))?;
                            let session = io.get_ref().1;
                            let h2 = session.alpn_protocol() == Some(b"h2");
                            // Only the h2 offer lets a connection through without a certificate
                            // (and rustls, preferring h2, never picks http/1.1 from it); checked for
                            // either protocol all the same.
                            if offers.certificate_required && session.peer_certificates().is_none() {
                                refusals.refused(peer, NO_CERTIFICATE);
                                if h2 {
                                    super::fallback::http1_required(io).await;
                                }
                                return Err(());
                            }
                            let protocol = if h2 { Protocol::Http2 } else { Protocol::Http1 };
                            http.call((io, protocol, peer)).await.map_err(|_| ())
                        }
                    }))
                }
            })
        })?
        .run())
}
