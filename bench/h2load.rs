//! The confirmation page over HTTP/2 and mutual TLS: requests per second, p99 and the bank's CPU
//! per request. The shared kit's load generator speaks HTTP/1.1 only, and the packaged h2load
//! (nghttp2) cannot present a client certificate; this one does both. Each connection carries
//! several streams at once (`-s`), each stream one request after another; every answer must be a
//! 200 that names the expected user, or it counts as an error.
//!
//!   cargo run --release --example h2load -- --certs DIR --pid PID [--url URL] [-c 4] [-s 8] [-d 4]
//!
//! A benchmark, not a test: bench/run.sh runs it against a lab started for it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

#[path = "cpu.rs"]
mod cpu;
use cpu::cpu_seconds;

struct Args {
    url: String,
    certs: PathBuf,
    user: String,
    pid: u32,
    connections: usize,
    streams: usize,
    seconds: f64,
    warm_up: f64,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        url: "https://localhost:8443/transfer/confirm?to=mallory&amount=13.37".into(),
        certs: PathBuf::new(),
        user: "alice".into(),
        pid: 0,
        connections: 4,
        streams: 8,
        seconds: 4.0,
        warm_up: 1.0,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let mut value = || given.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |flag: &str, v: String| v.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--url" => args.url = value()?,
            "--certs" => args.certs = value()?.into(),
            "--user" => args.user = value()?,
            "--pid" => args.pid = value()?.parse().map_err(|e| format!("--pid: {e}"))?,
            "-c" => args.connections = number("-c", value()?)? as usize,
            "-s" => args.streams = number("-s", value()?)? as usize,
            "-d" => args.seconds = number("-d", value()?)?,
            "-w" => args.warm_up = number("-w", value()?)?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.certs.as_os_str().is_empty() || args.pid == 0 || args.connections == 0 || args.streams == 0 {
        return Err("--certs DIR and --pid PID are required; -c and -s at least 1".into());
    }
    Ok(args)
}

fn connector(args: &Args) -> TlsConnector {
    let path = |name: String| args.certs.join(name);
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(path("ca.crt".into())).expect("ca.crt") {
        roots.add(ca.expect("ca.crt")).expect("the lab CA");
    }
    let chain: Vec<_> = CertificateDer::pem_file_iter(path(format!("{}.crt", args.user)))
        .expect("the user's certificate")
        .collect::<Result<_, _>>()
        .expect("the user's certificate");
    let key = PrivateKeyDer::from_pem_file(path(format!("{}.key", args.user))).expect("the user's key");
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .expect("a client configuration");
    config.alpn_protocols = vec![b"h2".to_vec()];
    TlsConnector::from(Arc::new(config))
}

/// One connection, over which `streams` tasks send requests until `stop`; latencies in us, errors.
async fn connection(args: Arc<Args>, tls: TlsConnector, stop: Arc<AtomicBool>) -> (Vec<u32>, Vec<String>) {
    let url = url::Url::parse(&args.url).expect("--url");
    let address = format!("127.0.0.1:{}", url.port().unwrap_or(443));
    let name = ServerName::try_from(url.host_str().unwrap_or("localhost").to_owned()).expect("a host name");
    let tcp = TcpStream::connect(&address).await.unwrap_or_else(|e| panic!("{address}: {e}"));
    tcp.set_nodelay(true).ok();
    let stream = tls.connect(name, tcp).await.expect("the TLS handshake");
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]), "the bank did not choose h2");
    let (sender, driver) = h2::client::handshake(stream).await.expect("the HTTP/2 preface");
    tokio::spawn(driver);
    let tasks: Vec<_> = (0..args.streams)
        .map(|_| {
            let (mut sender, stop, url, expect) =
                (sender.clone(), stop.clone(), url.clone(), args.user.clone());
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), Vec::new());
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    match request(&mut sender, url.as_str(), &expect).await {
                        Ok(()) => latencies.push(started.elapsed().as_micros() as u32),
                        Err(e) => errors.push(e),
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), Vec::new());
    for task in tasks {
        let (l, e) = task.await.unwrap_or_default();
        latencies.extend(l);
        errors.extend(e);
    }
    (latencies, errors)
}

async fn request(
    sender: &mut h2::client::SendRequest<bytes::Bytes>,
    url: &str,
    expect: &str,
) -> Result<(), String> {
    let ready = sender.clone().ready().await.map_err(|e| e.to_string())?;
    *sender = ready;
    let ask = http::Request::get(url).body(()).map_err(|e| e.to_string())?;
    let (answer, _) = sender.send_request(ask, true).map_err(|e| e.to_string())?;
    let answer = answer.await.map_err(|e| e.to_string())?;
    let status = answer.status();
    let mut body = answer.into_body();
    let mut page = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        let _ = body.flow_control().release_capacity(chunk.len());
        page.extend_from_slice(&chunk);
    }
    if status != 200 || !String::from_utf8_lossy(&page).contains(expect) {
        return Err(format!("{status}, a page without {expect:?}"));
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Arc::new(args().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    }));
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = connector(&args);
    // A warm-up whose requests are not counted, then the measured run on fresh connections.
    for (seconds, measured) in [(args.warm_up, false), (args.seconds, true)] {
        let stop = Arc::new(AtomicBool::new(false));
        let (cpu0, t0) = (cpu_seconds(args.pid), Instant::now());
        let runs: Vec<_> = (0..args.connections)
            .map(|_| tokio::spawn(connection(args.clone(), tls.clone(), stop.clone())))
            .collect();
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        stop.store(true, Ordering::Relaxed);
        let (mut latencies, mut errors) = (Vec::new(), Vec::new());
        for run in runs {
            let (l, e) = run.await.expect("a connection");
            latencies.extend(l);
            errors.extend(e);
        }
        let (cpu, elapsed) = (cpu_seconds(args.pid) - cpu0, t0.elapsed().as_secs_f64());
        if !measured {
            continue;
        }
        latencies.sort_unstable();
        let done = latencies.len();
        let p99 = latencies.get(done.saturating_sub(1) * 99 / 100).copied().unwrap_or(0);
        println!(
            "h2: {done} requests in {elapsed:.1} s = {:.0} req/s over {} connections x {} streams, p99 {:.2} ms",
            done as f64 / elapsed,
            args.connections,
            args.streams,
            f64::from(p99) / 1000.0
        );
        if done > 0 {
            println!("bank CPU: {cpu:.2} s = {:.0} us per request", cpu / done as f64 * 1e6);
        }
        errors.sort();
        let failed = errors.len();
        errors.dedup();
        println!("errors: {failed} {:?}", errors.iter().take(5).collect::<Vec<_>>());
        std::process::exit(if failed == 0 && done > 0 { 0 } else { 1 });
    }
}
