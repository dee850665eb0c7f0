//! Browser tests: real headless Chromium and Firefox ESR, each with alice's certificate in its
//! profile and its engine's default settings, on the lab's attacker pages, clicking the decoys
//! like a person (a mouse event at the decoy's coordinates). Every test is written once and runs
//! in both engines ([`engine`]); each starts its own lab and its own browser.

#[path = "../common/mod.rs"]
mod common;

mod attack;
mod basic;
mod chromium;
mod command;
mod engine;
mod errors;
mod exploits;
mod firefox;
mod frames;
mod panel;
mod practice;
mod profile;
mod proxy;
mod scenarios;
mod start;
mod victim_driver;
