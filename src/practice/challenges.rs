//! The challenges: one per attack of the catalogue that a certificate-holding victim can fall for,
//! and PortSwigger's clickjacking set in this lab's terms. Each names its goal (alice sends an
//! amount to mallory), the protections it runs under, what the victim does, three hints and a
//! starter page; the catalogue's ready-made attack page is its worked solution.

use crate::config::Settings;
use crate::protections::Protections;

/// What the simulated victim does on the trainee's page, like a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Clicks once on the first visible element whose text contains "Click me".
    Click,
    /// Clicks "Click me first", reads, then clicks "Click me next".
    FirstThenNext,
    /// Double-clicks "Click me": the second press on whatever window is in front by then.
    DoubleClick,
}

impl Behaviour {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Click => {
                "Alice reads the page, moves her pointer to the first visible element whose text contains \
                 \u{201c}Click me\u{201d} (any case), and clicks it once."
            }
            Self::FirstThenNext => {
                "Alice clicks the element whose text contains \u{201c}Click me first\u{201d}, reads what \
                 happened for a moment, then moves to the one whose text contains \u{201c}Click me next\u{201d} \
                 and clicks it."
            }
            Self::DoubleClick => {
                "Alice double-clicks the first visible element whose text contains \u{201c}Click me\u{201d}. \
                 Her second press follows the first at the same point, as soon as the window then in front \
                 has loaded (at most a second later): if your page changed under her pointer, the second \
                 press lands on what is there now."
            }
        }
    }

    /// The texts the victim looks for, in order, and how many presses each gets.
    pub fn targets(self) -> &'static [(&'static str, u32)] {
        match self {
            Self::Click => &[("click me", 1)],
            Self::FirstThenNext => &[("click me first", 1), ("click me next", 1)],
            Self::DoubleClick => &[("click me", 2)],
        }
    }
}

pub struct Challenge {
    /// The id in URLs and forms (`/exploit?challenge=<id>`).
    pub id: &'static str,
    pub title: &'static str,
    /// The catalogue attack it practises: its page is the worked solution.
    pub scenario: &'static str,
    /// The goal: alice sends exactly this to mallory.
    pub amount: &'static str,
    pub brief: &'static str,
    /// The protections it runs under, as the panel would set them (the rest at their defaults).
    pub protections: &'static [(&'static str, &'static str)],
    pub victim: Behaviour,
    pub hints: [&'static str; 3],
    /// The page the trainee starts from; `{{BANK}}` stands for the bank's origin.
    starter: &'static str,
}

/// The victim of every challenge, and who should get the money.
pub const VICTIM: &str = "alice";
pub const RECIPIENT: &str = "mallory";

impl Challenge {
    pub fn find(id: &str) -> Option<&'static Challenge> {
        CHALLENGES.iter().find(|c| c.id == id)
    }

    pub fn goal(&self) -> String {
        format!("Make {VICTIM} send {} to {RECIPIENT}.", self.amount)
    }

    /// The protections this challenge runs under, on top of how the lab was started.
    pub fn protections_for(&self, started: &Settings) -> Protections {
        // The table is checked by a test; a bad entry would leave the protections the lab started with.
        started.switched(self.protections).unwrap_or_else(|_| started.protections.clone())
    }

    /// The starter page for the bank at `bank` (its origin).
    pub fn starter(&self, bank: &str) -> String {
        self.starter.replace("{{BANK}}", bank)
    }
}

pub const CHALLENGES: &[Challenge] = &[
    Challenge {
        id: "basic",
        title: "Basic clickjacking with a CSRF token",
        scenario: "basic",
        amount: "12.00",
        brief: "The bank's confirmation page carries a CSRF token and checks the Origin of every POST. Frame it \
                invisibly over a decoy so that alice's click lands on its Confirm button.",
        protections: &[("LAB_PROTECTIONS", "on"), ("LAB_FRAME", "off"), ("LAB_FETCH_METADATA", "off")],
        victim: Behaviour::Click,
        hints: [
            "The confirmation page takes the transfer from its URL: /transfer/confirm?to=…&amount=…",
            "The token is in the framed form itself: the click inside the frame sends it, with the bank's own \
             Origin.",
            "Make the frame nearly transparent (opacity 0.0001), put it above the decoy (z-index), and move it so \
             the Confirm button sits under the decoy's centre. Lower the opacity only once it is aligned.",
        ],
        starter: include_str!("starters/basic.html"),
    },
    Challenge {
        id: "prefilled",
        title: "Form input prefilled from URL parameters",
        scenario: "basic",
        amount: "15.00",
        brief: "The starter frames the bank's empty transfer form. Find how the bank fills a transfer from the URL, \
                and frame the page that needs only one click.",
        protections: &[("LAB_PROTECTIONS", "on"), ("LAB_FRAME", "off"), ("LAB_FETCH_METADATA", "off")],
        victim: Behaviour::Click,
        hints: [
            "Open the bank's New transfer form yourself: its fields are named, and it submits with GET.",
            "The form's action is the page that asks for confirmation; its query string holds the fields.",
            "Frame /transfer/confirm with to=mallory and the goal's amount: one click on Confirm sends it.",
        ],
        starter: include_str!("starters/prefilled.html"),
    },
    Challenge {
        id: "framebuster",
        title: "Clickjacking with a frame buster script",
        scenario: "framebuster",
        amount: "18.00",
        brief: "The bank now runs a frame-busting script: framed, it hides itself and tries to navigate the top \
                window away. Stop the script from running, and still get the click through.",
        protections: &[
            ("LAB_PROTECTIONS", "on"),
            ("LAB_FRAME", "off"),
            ("LAB_ORIGIN_CHECK", "off"),
            ("LAB_FETCH_METADATA", "off"),
            ("LAB_GESTURE_GUARD", "off"),
            ("LAB_FRAMEBUSTER", "classic"),
        ],
        victim: Behaviour::Click,
        hints: [
            "Frame it as the starter does, and watch the replay: the frame is blank, or your page is gone.",
            "An iframe's sandbox attribute decides what the framed page may do; with no value, nothing at all.",
            "sandbox=\"allow-forms\": forms may submit, scripts may not run. Its POST's Origin is then \"null\", which \
             an origin check refuses: that is why this challenge runs without one.",
        ],
        starter: include_str!("starters/framebuster.html"),
    },
    Challenge {
        id: "multistep",
        title: "Multistep clickjacking",
        scenario: "multistep",
        amount: "520.00",
        brief: "Transfers above 500.00 ask \"Are you sure?\" after the first confirmation. Lead alice through both \
                steps with two decoys.",
        protections: &[("LAB_PROTECTIONS", "on"), ("LAB_FRAME", "off"), ("LAB_FETCH_METADATA", "off")],
        victim: Behaviour::FirstThenNext,
        hints: [
            "Get the first step right alone first: the replay shows the second page the frame turned to.",
            "The second button (\"Yes, send it\") is not where the first one was: place a second decoy over it.",
            "Alice clicks \"Click me first\" then \"Click me next\": both decoys can be on the page from the start.",
        ],
        starter: include_str!("starters/multistep.html"),
    },
    Challenge {
        id: "doubleclick",
        title: "DoubleClickjacking",
        scenario: "doubleclick",
        amount: "22.00",
        brief: "Every frame header is on: the bank cannot be framed at all. Alice double-clicks; make the second \
                click of her double-click land on the bank's real, top-level Confirm button.",
        protections: &[("LAB_PROTECTIONS", "on"), ("LAB_GESTURE_GUARD", "off")],
        victim: Behaviour::DoubleClick,
        hints: [
            "No frame: the bank's page itself has to be under her pointer by the time of her second press.",
            "A page may react to the first press (mousedown) before the second arrives: it may navigate a window.",
            "On mousedown, send the window to the confirmation page; put \"Click me\" where its Confirm button will \
             be (the bank centres a 960 px column in the window).",
        ],
        starter: include_str!("starters/doubleclick.html"),
    },
    Challenge {
        id: "csrf",
        title: "CSRF, for contrast",
        scenario: "csrf",
        amount: "24.00",
        brief: "No frame needed: the bank takes transfers from any origin without a token. Send the transfer from \
                your own page when alice clicks.",
        protections: &[
            ("LAB_PROTECTIONS", "on"),
            ("LAB_ORIGIN_CHECK", "off"),
            ("LAB_CSRF_TOKEN", "off"),
            ("LAB_FETCH_METADATA", "off"),
        ],
        victim: Behaviour::Click,
        hints: [
            "Look at the bank's confirmation form (view its source in your own browser): its action and fields.",
            "A form on your page can POST to the bank; her browser presents her certificate with it.",
            "The form needs to, amount and a fresh request_id (any UUID): make \"Click me\" its submit button.",
        ],
        starter: include_str!("starters/csrf.html"),
    },
    Challenge {
        id: "misconfig",
        title: "A frame policy that is not one",
        scenario: "misconfig",
        amount: "26.00",
        brief: "The bank says it refuses frames, but its policy is a misconfiguration. Find out which from its \
                responses, and frame it anyway.",
        protections: &[("LAB_PROTECTIONS", "on"), ("LAB_FRAME", "meta"), ("LAB_FETCH_METADATA", "off")],
        victim: Behaviour::Click,
        hints: [
            "Look at the confirmation page's response headers and at its <head>.",
            "frame-ancestors is ignored in a <meta> tag: browsers only honour it as a response header.",
            "Then it is the basic attack: frame, align, fade.",
        ],
        starter: include_str!("starters/basic.html"),
    },
];

#[cfg(test)]
mod tests {
    use super::{CHALLENGES, Challenge};
    use crate::config::Settings;
    use crate::lab::expect::expect;
    use crate::lab::scenarios::Scenario;
    use crate::lab::{Browser, Engine, Victim};
    use crate::money::Money;

    #[test]
    fn each_challenge_can_be_solved_under_its_protections_and_not_under_the_defaults() {
        let started = Settings::from_pairs(&[]).unwrap();
        let sites = crate::sites::Sites::new(
            [127, 0, 0, 1].into(),
            crate::sites::Ports { bank: 8443, attacker: 8666, samesite_attacker: 8667 },
        );
        let browser = Browser { engine: Engine::Chromium, third_party_cookies: false };
        for challenge in CHALLENGES {
            started.switched(challenge.protections).unwrap_or_else(|e| panic!("{}: {e}", challenge.id));
            let scenario = Scenario::find(challenge.scenario).unwrap();
            let under = Settings { protections: challenge.protections_for(&started), ..started.clone() };
            let outcome = expect(scenario.delivery, Victim::Certificate, &under, &sites, browser);
            assert!(outcome.succeeds(), "{} under its own protections: {outcome:?}", challenge.id);
            let defaults = expect(scenario.delivery, Victim::Certificate, &started, &sites, browser);
            assert!(!defaults.succeeds(), "{} is stopped by the defaults", challenge.id);
            assert!(challenge.starter("https://localhost:8443").contains("https://localhost:8443"));
        }
    }

    #[test]
    fn ids_are_unique_the_required_ones_exist_and_the_goals_fit_alices_balance() {
        for id in ["basic", "prefilled", "framebuster", "multistep", "doubleclick"] {
            assert!(Challenge::find(id).is_some(), "{id}");
        }
        let mut ids: Vec<&str> = CHALLENGES.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CHALLENGES.len());
        let total: i64 = CHALLENGES.iter().map(|c| Money::parse(c.amount).unwrap().cents()).sum();
        assert!(total <= 100_000, "the challenges move {total} cents of alice's 1000.00");
    }
}
