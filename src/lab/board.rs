//! The lab page's board: one row per scenario, judged for the visitor under the current flags,
//! with the badges its attacks have earned.

use super::expect::expect;
use super::scenarios::{SCENARIOS, Scenario};
use super::verdicts::Detection;
use super::{Browser, Delivery, Engine, Outcome, Victim};
use crate::config::Settings;
use crate::identity::mode::MtlsMode;
use crate::sites::Sites;

/// One row of the board.
pub struct Row {
    pub scenario: &'static Scenario,
    /// Where the attack page is.
    pub url: String,
    pub victim: &'static str,
    /// The outcome in each engine, in [`Engine::ALL`]'s order.
    pub engines: Vec<EngineOutcome>,
    /// The detection that proves this attack landed (`framed`, `popup`, `forged`).
    pub proof: &'static str,
    /// How many transfers landed through this attack's own path.
    pub solved: i64,
}

/// One engine's column of a row.
pub struct EngineOutcome {
    pub engine: Engine,
    /// With the engine's default settings.
    pub outcome: Outcome,
    /// With third-party cookies allowed, where that differs.
    pub with_third_party_cookies: Option<Outcome>,
    /// The visitor's own engine.
    pub yours: bool,
}

/// How the visitor is signed in, as far as the attacks care.
pub fn victim(signed_in_by_certificate: Option<bool>, mtls: MtlsMode) -> Victim {
    match signed_in_by_certificate {
        Some(true) => Victim::Certificate,
        Some(false) => Victim::CookieSession,
        None if mtls == MtlsMode::Off => Victim::CookieSession,
        None => Victim::Certificate,
    }
}

/// The detection that proves a scenario's own attack landed.
pub fn proof(delivery: Delivery) -> Detection {
    match delivery {
        Delivery::FramedClick { .. } => Detection::Framed,
        Delivery::DoubleClick => Detection::Popup,
        Delivery::CrossSiteForm => Detection::Forged,
    }
}

/// The board for a visitor who is `visitor` (a scenario about a password session is judged for
/// one), given the detected transfers as (scenario, detection, count).
pub fn rows(
    settings: &Settings,
    origins: &Sites,
    visitor: Victim,
    engine: Option<Engine>,
    detected: &[(String, String, i64)],
) -> Vec<Row> {
    SCENARIOS
        .iter()
        .map(|scenario| {
            let victim = scenario.victim.unwrap_or(visitor);
            let judge = |browser| expect(scenario.delivery, victim, settings, origins, browser);
            let engines = Engine::ALL
                .into_iter()
                .map(|each| {
                    let outcome = judge(Browser::defaults(each));
                    let allowed = judge(Browser { third_party_cookies: true, ..Browser::defaults(each) });
                    EngineOutcome {
                        engine: each,
                        with_third_party_cookies: (allowed != outcome).then_some(allowed),
                        outcome,
                        yours: engine == Some(each),
                    }
                })
                .collect();
            let origin = if scenario.same_site() { &origins.same_site } else { &origins.cross_site };
            let proof = proof(scenario.delivery).as_str();
            Row {
                scenario,
                url: format!("{origin}{}", scenario.page),
                victim: match victim {
                    Victim::Certificate => "certificate",
                    Victim::CookieSession => "password session",
                },
                engines,
                proof,
                solved: detected
                    .iter()
                    .filter(|(id, detection, _)| id == scenario.id && detection == proof)
                    .map(|(_, _, n)| n)
                    .sum(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_needs_the_scenarios_own_kind_of_proof() {
        let settings = Settings::defaults();
        let detected = vec![
            ("basic".to_owned(), "framed".to_owned(), 2),
            ("doubleclick".to_owned(), "forged".to_owned(), 1),
        ];
        let rows = rows(&settings, &settings.network.sites(), Victim::Certificate, None, &detected);
        let solved = |id: &str| rows.iter().find(|r| r.scenario.id == id).unwrap().solved;
        assert_eq!(solved("basic"), 2);
        assert_eq!(solved("doubleclick"), 0, "a forged form does not solve DoubleClickjacking");
    }
}
