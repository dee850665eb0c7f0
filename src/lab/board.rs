//! The lab page's board: one row per scenario, judged for the visitor under the current flags,
//! with the badges its attacks have earned.

use super::expect::expect;
use super::scenarios::{SCENARIOS, Scenario};
use super::verdicts::{Detection, Landed};
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
    /// How many transfers landed through this attack's own path, for the victim it is about.
    pub solved: i64,
    /// How many landed through its path for another kind of victim (the cookie-session page
    /// visited with a certificate: the certificate, not the session, moved the money).
    pub solved_otherwise: i64,
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
    detected: &[Landed],
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
            let about = scenario.victim.map(|v| match v {
                Victim::Certificate => "certificate",
                Victim::CookieSession => "password",
            });
            // A transfer judged before the lab kept the sign-in counts for the scenario.
            let count = |for_its_victim: bool| -> i64 {
                detected
                    .iter()
                    .filter(|l| l.scenario == scenario.id && l.detection == proof)
                    .filter(|l| {
                        let its_own =
                            about.is_none() || l.signed_in_by.is_none() || l.signed_in_by.as_deref() == about;
                        its_own == for_its_victim
                    })
                    .map(|l| l.count)
                    .sum()
            };
            Row {
                scenario,
                url: format!("{origin}{}", scenario.page),
                victim: match victim {
                    Victim::Certificate => "certificate",
                    Victim::CookieSession => "password session",
                },
                engines,
                proof,
                solved: count(true),
                solved_otherwise: count(false),
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
        let landed = |scenario: &str, detection: &str, by: Option<&str>, count| Landed {
            scenario: scenario.to_owned(),
            detection: detection.to_owned(),
            signed_in_by: by.map(str::to_owned),
            count,
        };
        let detected = vec![
            landed("basic", "framed", Some("certificate"), 2),
            landed("doubleclick", "forged", Some("certificate"), 1),
            landed("cookie-session", "framed", Some("certificate"), 3),
            landed("cookie-session", "framed", Some("password"), 1),
        ];
        let rows = rows(&settings, &settings.network.sites(), Victim::Certificate, None, &detected);
        let row = |id: &str| rows.iter().find(|r| r.scenario.id == id).unwrap();
        assert_eq!(row("basic").solved, 2);
        assert_eq!(row("doubleclick").solved, 0, "a forged form does not solve DoubleClickjacking");
        let cookie = row("cookie-session");
        assert_eq!(
            (cookie.solved, cookie.solved_otherwise),
            (1, 3),
            "a certificate does not solve the session attack"
        );
    }
}
