//! Attacks 2 to 10, each against the defence that should stop it alone, everything off, and the
//! defaults, in both engines; every test compares what happened with what the lab predicts for
//! that engine (`lab::expect`).

mod cookie_session;
mod csrf;
mod cursorjack;
mod doubleclick;
mod framebuster;
mod misconfig;
mod multistep;
mod samesite;
mod svg_filter;
