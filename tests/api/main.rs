//! Integration tests against the real server: real mTLS (rustls on both ends), a real SQLite
//! file, generated certificates. One binary, one module per concern.

#[path = "../common/mod.rs"]
mod common;
mod helpers;

mod audit;
mod browser_profile;
mod certs;
mod concurrency;
mod crash;
mod csrf;
mod database;
mod fetch_metadata;
mod flags;
mod flood;
mod frame;
mod handshake_log;
mod http2;
mod lab;
mod login;
mod methods;
mod misconfig;
mod multistep;
mod naughty;
mod origin;
mod pages;
mod proxy;
mod request_ids;
mod resumption;
mod samesite;
mod startup;
mod throttle;
mod tls;
mod transfers;
mod upgrade;
