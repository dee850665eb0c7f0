//! The answer to an HTTP/2 connection that presented no certificate where one is required: the
//! server's connection preface and at once a GOAWAY with `HTTP_1_1_REQUIRED` (RFC 9113, 3.4 and
//! 6.8), before any request is read. Browsers then retry over HTTP/1.1, where the TLS handshake
//! itself refuses them (see [`super::requested`] for why this one was not refused in its own).

use std::io;
use std::time::Duration;

use actix_tls::accept::rustls_0_23::TlsStream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// How long the client gets to read the answer and close the connection.
const PATIENCE: Duration = Duration::from_secs(2);

/// An empty SETTINGS frame (the server's preface), then GOAWAY: no stream was processed (last
/// stream id 0), error `HTTP_1_1_REQUIRED` (0xd). Frame header: length (3 bytes), type, flags,
/// stream id (4 bytes).
const ANSWER: [u8; 26] = [
    0, 0, 0, 0x4, 0, 0, 0, 0, 0, // SETTINGS
    0, 0, 8, 0x7, 0, 0, 0, 0, 0, // GOAWAY, 8 bytes:
    0, 0, 0, 0, // last stream id
    0, 0, 0, 0xd, // HTTP_1_1_REQUIRED
];

/// Answers `HTTP_1_1_REQUIRED` on `io` and closes it; reads nothing but to throw it away.
pub async fn http1_required(mut io: TlsStream<TcpStream>) {
    let answer = async {
        io.write_all(&ANSWER).await?;
        io.shutdown().await?;
        // Whatever the client sent meanwhile (its preface, a request) is read and dropped until it
        // closes: a socket closed with unread data resets the connection, and the client might
        // lose the GOAWAY with it.
        let mut sink = [0; 4096];
        while io.read(&mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    };
    let _ = timeout(PATIENCE, answer).await;
}
