//! What the bank did for each attack, told where the trainee looks: the attack page. The lab
//! keeps the last events of its scenarios in memory (bounded, nothing written), and the attacker
//! site shows them on the attack page (`/narrator`), so a transfer the bank refused inside an
//! invisible frame ("Transfer not possible") is not lost.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Events kept, at most (the newest).
pub const CAPACITY: usize = 500;
/// How long an event is kept.
pub const KEEP: Duration = Duration::from_secs(10 * 60);
/// Longest text kept for one event (an error message quoting a header is cut here).
const TEXT_CHARS: usize = 400;

/// How an event ends the attack, as far as the attack page is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The bank served its page (the attack goes on).
    Shown,
    /// The bank asked again ("Are you sure?"): one more click to go.
    AskedAgain,
    /// The money moved.
    Landed,
    /// The bank refused: nothing moved.
    Refused,
}

/// One thing the bank did for a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Increasing: the attack page asks for the events after the last one it saw.
    pub seq: u64,
    pub scenario: &'static str,
    pub kind: Kind,
    pub text: String,
    #[serde(skip)]
    pub at: Instant,
}

#[derive(Default)]
struct Log {
    next: u64,
    events: VecDeque<Event>,
}

/// The scenarios' recent events.
#[derive(Default)]
pub struct Feed(Mutex<Log>);

impl Feed {
    pub fn push(&self, scenario: &'static str, kind: Kind, text: &str) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        while log.events.len() >= CAPACITY || log.events.front().is_some_and(|e| e.at.elapsed() > KEEP) {
            log.events.pop_front();
        }
        log.next += 1;
        let event = Event {
            seq: log.next,
            scenario,
            kind,
            text: text.chars().take(TEXT_CHARS).collect(),
            at: Instant::now(),
        };
        log.events.push_back(event);
    }

    /// The number of the last event so far (an attack page starts from here).
    pub fn last(&self) -> u64 {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).next
    }

    /// `scenario`'s events after `after`, oldest first.
    pub fn since(&self, scenario: &str, after: u64) -> Vec<Event> {
        let log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        log.events
            .iter()
            .filter(|e| e.seq > after && e.scenario == scenario && e.at.elapsed() <= KEEP)
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).events.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attack_page_sees_only_its_own_new_events_and_memory_is_bounded() {
        let feed = Feed::default();
        feed.push("basic", Kind::Shown, "old");
        let from = feed.last();
        feed.push("basic", Kind::Landed, "moved");
        feed.push("csrf", Kind::Refused, "not mine");
        let seen = feed.since("basic", from);
        assert_eq!(seen.len(), 1);
        assert_eq!((seen[0].kind, seen[0].text.as_str()), (Kind::Landed, "moved"));
        for _ in 0..CAPACITY {
            feed.push("csrf", Kind::Refused, &"x".repeat(10_000));
        }
        assert!(feed.since("basic", 0).is_empty(), "the oldest went first");
        assert_eq!(feed.since("csrf", 0).len(), CAPACITY);
        assert_eq!(feed.since("csrf", 0)[0].text.len(), TEXT_CHARS, "a long message costs little");
    }
}
