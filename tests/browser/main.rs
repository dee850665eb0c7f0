//! Browser tests: real headless Chromium with alice's certificate in its profile and Chromium's
//! default settings, on the lab's attacker pages, clicking the decoys like a person (a mouse
//! event at the decoy's coordinates). Each test starts its own lab and its own browser.

#[path = "../common/mod.rs"]
mod common;

mod attack;
mod basic;
mod chromium;
mod frames;
mod proxy;
mod scenarios;
