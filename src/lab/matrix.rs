//! The matrix of scenarios and protections that the README shows: every cell computed by
//! [`super::expect`] for each engine, and marked where a browser test measured it in that
//! engine, real headless Chromium or Firefox (the measurements are recorded by `tests/browser`
//! in `docs/measured.tsv`).

use std::fmt::Write;

use super::expect::expect;
use super::scenarios::SCENARIOS;
use super::{Browser, Engine, Victim};
use crate::config::Settings;

/// A column: a lab configuration, as the `LAB_*` variables that make it.
pub struct Column {
    pub label: &'static str,
    pub vars: &'static [(&'static str, &'static str)],
}

pub const COLUMNS: &[Column] = &[
    Column { label: "everything off", vars: &[("LAB_PROTECTIONS", "off")] },
    Column { label: "frame headers alone", vars: &[("LAB_PROTECTIONS", "off"), ("LAB_FRAME", "deny")] },
    Column {
        label: "Fetch Metadata alone",
        vars: &[("LAB_PROTECTIONS", "off"), ("LAB_FETCH_METADATA", "on")],
    },
    Column { label: "origin check alone", vars: &[("LAB_PROTECTIONS", "off"), ("LAB_ORIGIN_CHECK", "on")] },
    Column { label: "CSRF token alone", vars: &[("LAB_PROTECTIONS", "off"), ("LAB_CSRF_TOKEN", "on")] },
    Column { label: "SameSite=Lax alone", vars: &[("LAB_PROTECTIONS", "off"), ("LAB_SAMESITE", "lax")] },
    Column {
        label: "SameSite=Strict alone",
        vars: &[("LAB_PROTECTIONS", "off"), ("LAB_SAMESITE", "strict")],
    },
    Column { label: "gesture guard alone", vars: &[("LAB_PROTECTIONS", "off"), ("LAB_GESTURE_GUARD", "on")] },
    Column {
        label: "classic frame buster alone",
        vars: &[("LAB_PROTECTIONS", "off"), ("LAB_FRAMEBUSTER", "classic")],
    },
    Column {
        label: "hidden frame buster alone",
        vars: &[("LAB_PROTECTIONS", "off"), ("LAB_FRAMEBUSTER", "hidden")],
    },
    Column { label: "defaults", vars: &[] },
];

/// One measurement by a browser test: the configuration it ran (its variables, sorted and
/// joined as `NAME=value` with spaces), the scenario, and whether the money moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    pub scenario: String,
    pub vars: String,
    pub engine: Engine,
    pub third_party_cookies: bool,
    pub moved: bool,
    /// The screenshot's file name in `docs/img/`.
    pub screenshot: String,
}

impl Measured {
    /// One line of `docs/measured.tsv`.
    pub fn to_line(&self) -> String {
        let cookies = if self.third_party_cookies { "3pc-allowed" } else { "3pc-blocked" };
        let moved = if self.moved { "moved" } else { "blocked" };
        let engine = self.engine.as_str();
        format!("{}\t{}\t{engine}\t{cookies}\t{moved}\t{}", self.scenario, self.vars, self.screenshot)
    }

    pub fn parse(line: &str) -> Option<Self> {
        let mut fields = line.split('\t');
        let scenario = fields.next()?.to_owned();
        let vars = fields.next()?.to_owned();
        let engine = fields.next()?;
        let engine = Engine::ALL.into_iter().find(|e| e.as_str() == engine)?;
        let third_party_cookies = fields.next()? == "3pc-allowed";
        let moved = fields.next()? == "moved";
        let screenshot = fields.next().unwrap_or_default().to_owned();
        Some(Self { scenario, vars, engine, third_party_cookies, moved, screenshot })
    }
}

fn short(engine: Engine) -> &'static str {
    match engine {
        Engine::Chromium => "C",
        Engine::Firefox => "F",
    }
}

/// `NAME=value` pairs sorted and joined: how a configuration is keyed in `docs/measured.tsv`.
pub fn key(vars: &[(&str, &str)]) -> String {
    let mut pairs: Vec<String> = vars.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.sort();
    pairs.join(" ")
}

/// The README's matrix and the list of measurements, as Markdown.
pub fn markdown(measured: &[Measured]) -> String {
    let mut out = String::new();
    out.push_str("| attack (victim) |");
    for column in COLUMNS {
        let _ = write!(out, " {} |", column.label);
    }
    out.push_str("\n| --- |");
    out.push_str(&" --- |".repeat(COLUMNS.len()));
    out.push('\n');
    for (n, scenario) in SCENARIOS.iter().enumerate() {
        let victim = scenario.victim.unwrap_or(Victim::Certificate);
        let who = if victim == Victim::Certificate { "certificate" } else { "password session" };
        let _ = write!(out, "| {}. {} ({who}) |", n + 1, scenario.title);
        for column in COLUMNS {
            let mut vars = column.vars.to_vec();
            if victim == Victim::CookieSession {
                vars.push(("LAB_MTLS", "optional"));
            }
            let settings = Settings::from_pairs(&vars).expect("a matrix column is valid");
            let cells: Vec<String> = Engine::ALL
                .into_iter()
                .map(|engine| {
                    let sites = settings.network.sites();
                    let outcome =
                        expect(scenario.delivery, victim, &settings, &sites, Browser::defaults(engine));
                    let checked = measured.iter().any(|m| {
                        m.scenario == scenario.id
                            && m.vars == key(&vars)
                            && m.engine == engine
                            && !m.third_party_cookies
                            && m.moved == outcome.succeeds()
                    });
                    let cell = if outcome.succeeds() { "**moves**" } else { "blocked" };
                    format!("{}: {cell}{}", short(engine), if checked { " ✔" } else { "" })
                })
                .collect();
            let _ = write!(out, " {} |", cells.join("<br>"));
        }
        out.push('\n');
    }
    out.push_str(
        "\n**moves**: the victim's money reaches mallory. C: Chromium, F: Firefox; ✔: measured in that \
         engine, headless, by `tests/browser` (every browser test also checks its outcome against \
         `lab::expect`). Each engine's new-profile settings (third-party cookies blocked in Chromium, Total \
         Cookie Protection in Firefox); password-session rows run with `LAB_MTLS=optional`.\n\n",
    );
    out.push_str("Every configuration the browser tests measured:\n\n| attack | configuration | engine | third-party cookies | outcome | screenshot |\n| --- | --- | --- | --- | --- | --- |\n");
    let mut sorted = measured.to_vec();
    sorted.sort_by(|a, b| {
        (&a.scenario, &a.vars, a.engine.as_str()).cmp(&(&b.scenario, &b.vars, b.engine.as_str()))
    });
    for m in sorted {
        let vars = if m.vars.is_empty() { "defaults".to_owned() } else { format!("`{}`", m.vars) };
        let cookies = if m.third_party_cookies { "allowed" } else { "blocked (default)" };
        let outcome = if m.moved { "**moved**" } else { "blocked" };
        let shot = if m.screenshot.is_empty() {
            String::new()
        } else {
            format!("[picture](docs/img/{})", m.screenshot)
        };
        let engine = m.engine.label();
        let _ = writeln!(out, "| {} | {vars} | {engine} | {cookies} | {outcome} | {shot} |", m.scenario);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_parses_and_the_defaults_block_everything() {
        let text = markdown(&[]);
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ") && l.contains(". ")).collect();
        assert_eq!(rows.len(), SCENARIOS.len());
        for line in rows {
            assert!(line.trim_end().ends_with("F: blocked |"), "the defaults block every attack: {line}");
        }
    }

    #[test]
    fn measurements_round_trip() {
        let m = Measured {
            scenario: "basic".into(),
            vars: key(&[("LAB_PROTECTIONS", "off")]),
            engine: Engine::Firefox,
            third_party_cookies: false,
            moved: true,
            screenshot: "basic-everything-off-firefox.png".into(),
        };
        assert_eq!(Measured::parse(&m.to_line()), Some(m.clone()));
        assert!(markdown(&[m]).contains("C: **moves**<br>F: **moves** ✔"));
    }
}
