//! Executed transfers per second, and the bank's CPU per transfer: real confirmations, as a browser
//! sends them. Each worker keeps one mutual-TLS connection (alice's or bob's certificate), loads the
//! confirmation page (a fresh request id and the token the page carries) and posts it, so every
//! POST moves money once. At the end the money must be conserved: the sum of all balances is
//! unchanged.
//!
//!   cargo run --release --example transfers -- --certs DIR --database FILE --pid PID [-c 8] [-d 10]
//!
//! A benchmark, not a test: run it against a lab started for it (bench/run.sh does), on a quiet
//! machine. It is written in Rust so that the client costs the machine little beside the bank (on
//! two cores, a client in Python used a whole core and capped the rate).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Certificate, Client, Identity, redirect};

#[path = "cpu.rs"]
mod cpu;
use cpu::cpu_seconds;

struct Args {
    bank: String,
    certs: PathBuf,
    database: PathBuf,
    pid: u32,
    connections: usize,
    seconds: f64,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        bank: "https://localhost:8443".into(),
        certs: PathBuf::new(),
        database: PathBuf::new(),
        pid: 0,
        connections: 8,
        seconds: 10.0,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let mut value = || given.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--bank" => args.bank = value()?,
            "--certs" => args.certs = value()?.into(),
            "--database" => args.database = value()?.into(),
            "--pid" => args.pid = value()?.parse().map_err(|e| format!("--pid: {e}"))?,
            "-c" => args.connections = value()?.parse().map_err(|e| format!("-c: {e}"))?,
            "-d" => args.seconds = value()?.parse().map_err(|e| format!("-d: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.certs.as_os_str().is_empty() || args.database.as_os_str().is_empty() || args.pid == 0 {
        return Err("--certs DIR, --database FILE and --pid PID are required".into());
    }
    Ok(args)
}

async fn total_money(database: &Path) -> (i64, i64) {
    let url = format!("sqlite:{}?mode=ro", database.display());
    let mut db =
        <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.expect("the lab's database");
    sqlx::query_as("SELECT SUM(balance_cents), COUNT(*) FROM accounts")
        .fetch_one(&mut db)
        .await
        .expect("balances")
}

fn client(args: &Args, user: &str) -> Client {
    let read = |name: &str| std::fs::read(args.certs.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut pem = read(&format!("{user}.key"));
    pem.extend(read(&format!("{user}.crt")));
    let port = url::Url::parse(&args.bank).ok().and_then(|u| u.port()).unwrap_or(443);
    Client::builder()
        .tls_certs_only([Certificate::from_pem(&read("ca.crt")).expect("CA PEM")])
        .identity(Identity::from_pem(&pem).expect("identity PEM"))
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], port)))
        .redirect(redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .http1_only()
        .build()
        .expect("client")
}

/// The value of the form field `name` on `page`.
fn field<'a>(page: &'a str, name: &str) -> Option<&'a str> {
    let at = page.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    page[at..].split('"').next()
}

async fn worker(
    client: Client,
    bank: String,
    to: &'static str,
    stop: Arc<AtomicBool>,
    moved: Arc<AtomicU64>,
) -> Vec<String> {
    let mut errors = Vec::new();
    let origin = bank.trim_end_matches('/').to_owned();
    while !stop.load(Ordering::Relaxed) {
        let page = match client.get(format!("{bank}/transfer/confirm?to={to}&amount=0.01")).send().await {
            Ok(answer) => answer.text().await.unwrap_or_default(),
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        let form = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for name in ["csrf_token", "to", "amount", "request_id"] {
                if let Some(value) = field(&page, name) {
                    form.append_pair(name, value);
                }
            }
            form.finish()
        };
        let posted = client
            .post(format!("{bank}/transfer"))
            .header("Origin", &origin)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await;
        match posted {
            Ok(answer) if answer.status() == 303 => {
                moved.fetch_add(1, Ordering::Relaxed);
                let _ = answer.bytes().await;
            }
            Ok(answer) => errors.push(answer.status().to_string()),
            Err(e) => errors.push(e.to_string()),
        }
    }
    errors
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = args().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    // reqwest is built without a TLS provider of its own: the lab's (ring).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let before = total_money(&args.database).await;
    let (stop, moved) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let (cpu0, t0) = (cpu_seconds(args.pid), Instant::now());
    let workers: Vec<_> = (0..args.connections)
        .map(|i| {
            let (user, to) = if i % 2 == 0 { ("alice", "bob") } else { ("bob", "alice") };
            tokio::spawn(worker(client(&args, user), args.bank.clone(), to, stop.clone(), moved.clone()))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(args.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut errors = Vec::new();
    for worker in workers {
        errors.extend(worker.await.unwrap_or_default());
    }
    let (cpu, elapsed) = (cpu_seconds(args.pid) - cpu0, t0.elapsed().as_secs_f64());
    let moved = moved.load(Ordering::Relaxed);
    let after = total_money(&args.database).await;
    println!(
        "executed transfers: {moved} in {elapsed:.1} s = {:.0}/s (each one GET of the confirmation page + one POST)",
        moved as f64 / elapsed
    );
    if moved > 0 {
        println!("bank CPU: {cpu:.2} s = {:.0} us per transfer (page + POST)", cpu / moved as f64 * 1e6);
    }
    let failed = errors.len();
    errors.sort();
    errors.dedup();
    println!("errors: {failed} {:?}", errors.iter().take(5).collect::<Vec<_>>());
    let conserved = before == after;
    println!(
        "money: {} cents in {} accounts before, {} after: {}",
        before.0,
        before.1,
        after.0,
        if conserved { "conserved" } else { "NOT CONSERVED" }
    );
    std::process::exit(if conserved && moved > 0 { 0 } else { 1 });
}
