//! The simulated victim: a real headless browser (Chromium or Firefox) on a lab user's profile,
//! which the lab drives like a person (pages opened and read, the mouse moved and pressed) through
//! the engine's own remote protocol, with no driver program in between.

/// Chromium through the DevTools protocol: a session per window.
pub mod chromium;
/// Starts the browser, drives it, and kills it with every process it started.
pub mod driver;
/// Firefox through WebDriver BiDi on a loopback port.
pub mod firefox;
/// The DevTools pipe: fds 3 and 4 of the browser, NUL-separated JSON messages.
pub mod pipe;
/// Windows, pointer actions and errors, as both engines' drivers speak them.
pub mod terms;
/// The victim's User-Agent: her browser's real version, and the delivery's tag.
pub mod user_agent;
