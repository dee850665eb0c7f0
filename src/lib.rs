//! clickjack-lab: a demo bank behind mutual TLS, the protections that stop clickjacking and
//! CSRF, and an attacker site that shows each attack working when its protection is off.
//!
//! A tour, from the outside in:

/// The bank's server: routes and the middleware a request passes through, in order.
pub mod bank;
/// The start-up banner.
pub mod banner;
/// The ready-made victim browser (`clickjack-lab browser`) and its lab-owned profiles.
pub mod browser;
/// The command line and its subcommands.
pub mod cli;
/// The maintenance commands: reset, certificates, the nginx configuration.
pub mod commands;
/// Typed settings from the `LAB_*` environment variables.
pub mod config;
/// The three sites and where a browser reaches them.
pub mod sites;
/// Builds the listeners, PKI, database, TLS and both servers; the entry point for tests.
pub mod startup;

/// Who sent a request: certificate, session, user.
pub mod identity;
/// The lab's CA, server and client certificates, `.p12` bundles and the CRL.
pub mod pki;
/// `LAB_MTLS=proxy`: the identity a TLS-terminating proxy forwards in a header, and an nginx
/// configuration for that proxy.
pub mod proxy;
/// Cookie sessions for password sign-in.
pub mod sessions;
/// rustls configuration, the client-certificate verifier (CRL, audit), and the verified certificate.
pub mod tls;

/// What the server saw for every state-changing request, and every refused identity: plain data,
/// and its one recorder.
pub mod audit;
/// The protections, one module each, and the middlewares that apply them.
pub mod protections;

/// The attacker site, served on its own origin.
pub mod attacker;
/// The lab, watching the bank from outside: scenarios, expected outcomes under the current
/// flags, solve detection, the `/lab` page.
pub mod lab;
/// Practice: challenges, the exploit server, the simulated victim and the replay of each delivery.
pub mod practice;
/// A headless browser driven like a person: Chromium over the DevTools protocol on a pipe,
/// Firefox over WebDriver BiDi.
pub mod victim;
/// The bank's pages and API, and each request's audit trail.
pub mod web;

/// Users, accounts and passwords.
pub mod accounts;
/// Money as integer cents.
pub mod money;
/// Web origins.
pub mod origin;
/// Transfers: validation and the one-transaction execution.
pub mod transfers;

/// Time as stored and shown.
pub mod clock;
/// Random tokens, hashing, constant-time comparison.
pub mod crypto;
/// Database pool, migrations, seed data.
pub mod db;
/// The error type and its status codes.
pub mod error;
/// The bank's stored keys, one per purpose.
pub mod secrets;
/// Shared application state.
pub mod state;
