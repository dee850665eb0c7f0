//! The record of one delivery, kept as JSON with it: what the victim did (each step in words,
//! the pointer's path, the clicks), the screenshots taken, and what the bank saw.

use serde::{Deserialize, Serialize};

use super::timeline::Seen;

/// The victim's window, in CSS pixels: screenshots and points share it.
pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 900;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Click {
    pub x: f64,
    pub y: f64,
    /// 1, or 2 for the second press of a double-click.
    pub count: u32,
    /// The text of the element aimed at.
    pub aimed_at: String,
    /// Milliseconds since the delivery started.
    pub at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shot {
    /// File name in the delivery's folder (`1.png`).
    pub file: String,
    pub caption: String,
    /// The same view with every frame of the page made visible and outlined.
    pub revealed: bool,
    pub at_ms: u64,
    /// How many clicks had been made when it was taken (the replay draws those on it).
    pub clicks_before: usize,
    /// How many points of the pointer's path it had gone through.
    pub path_before: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// What the victim did, step by step, in words.
    pub steps: Vec<String>,
    pub path: Vec<Point>,
    pub clicks: Vec<Click>,
    pub shots: Vec<Shot>,
    pub timeline: Vec<Seen>,
    /// How long the delivery took, browser start to clean-up.
    pub duration_ms: u64,
}
