//! How each confirmation page was loaded, remembered in memory by its request id: a page view
//! writes nothing, and the memory is bounded (at most [`CAPACITY`] renders, the oldest forgotten
//! first, none kept longer than [`KEEP`]). A confirmation whose render was forgotten (after a
//! restart, or thousands of pages later) is judged from its own request alone.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

/// Renders remembered, at most.
pub const CAPACITY: usize = 10_000;
/// How long a render is remembered.
pub const KEEP: Duration = Duration::from_secs(60 * 60);
/// Longest header value kept (`Sec-Fetch-*` values are short words).
const HEADER_CHARS: usize = 32;

/// How one confirmation page was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Render {
    /// The attack page's tag (`?scenario=` of a known scenario), if any.
    pub scenario: Option<&'static str>,
    /// `Sec-Fetch-Dest` and `Sec-Fetch-Site` of the page load.
    pub dest: Option<String>,
    pub site: Option<String>,
    /// Who saw it, and how they were signed in (`certificate`, `password`).
    pub user: Option<String>,
    pub by: Option<&'static str>,
    pub at: Instant,
}

impl Render {
    pub fn new(scenario: Option<&'static str>, dest: Option<&str>, site: Option<&str>) -> Self {
        let short = |v: Option<&str>| v.map(|v| v.chars().take(HEADER_CHARS).collect());
        Self { scenario, dest: short(dest), site: short(site), user: None, by: None, at: Instant::now() }
    }

    /// The same render, shown to `user` signed in `by` a certificate or a password.
    pub fn shown_to(self, user: String, by: &'static str) -> Self {
        Self { user: Some(user), by: Some(by), ..self }
    }
}

#[derive(Default)]
struct Log {
    by_id: HashMap<Uuid, Render>,
    order: VecDeque<Uuid>,
}

/// The renders of the last hour, newest [`CAPACITY`] at most.
#[derive(Default)]
pub struct RenderLog(Mutex<Log>);

impl RenderLog {
    pub fn remember(&self, request_id: Uuid, render: Render) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        while log.order.len() >= CAPACITY
            || log.order.front().and_then(|id| log.by_id.get(id)).is_some_and(|r| r.at.elapsed() > KEEP)
        {
            let Some(oldest) = log.order.pop_front() else { break };
            log.by_id.remove(&oldest);
        }
        if log.by_id.insert(request_id, render).is_none() {
            log.order.push_back(request_id);
        }
    }

    pub fn get(&self, request_id: Uuid) -> Option<Render> {
        let log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        log.by_id.get(&request_id).filter(|r| r.at.elapsed() <= KEEP).cloned()
    }

    /// Every render remembered, oldest first.
    pub fn all(&self) -> Vec<Render> {
        let log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        log.order
            .iter()
            .filter_map(|id| log.by_id.get(id))
            .filter(|r| r.at.elapsed() <= KEEP)
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Log::default();
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_bounded_and_forgets_the_oldest_first() {
        let log = RenderLog::default();
        let first = Uuid::new_v4();
        log.remember(first, Render::new(Some("basic"), Some("iframe"), Some("cross-site")));
        for _ in 0..CAPACITY {
            log.remember(Uuid::new_v4(), Render::new(None, None, None));
        }
        assert_eq!(log.len(), CAPACITY);
        assert_eq!(log.get(first), None, "the oldest went first");
        let long = "x".repeat(10_000);
        let kept = Uuid::new_v4();
        log.remember(kept, Render::new(None, Some(&long), None));
        assert_eq!(log.get(kept).unwrap().dest.unwrap().len(), HEADER_CHARS, "a huge header costs nothing");
        log.clear();
        assert!(log.is_empty());
    }
}
