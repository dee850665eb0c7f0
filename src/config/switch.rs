//! The protections the lab's panel switches while the lab runs: the same variables, values and
//! parser as at start-up, so a value the panel accepts is one the environment would.

use super::parse;
use super::read;
use super::settings::{ConfigError, Settings};
use super::vars::Var;
use super::vars::{
    CSRF_TOKEN, FETCH_METADATA, FRAME, FRAMEBUSTER, GESTURE_GUARD, ORIGIN_CHECK, PROTECTIONS, SAMESITE,
};
use crate::protections::Protections;

/// The variables the panel switches (the preset first); the others are fixed at start-up.
pub const SWITCHABLE: [&Var; 8] = [
    &PROTECTIONS,
    &FRAME,
    &ORIGIN_CHECK,
    &CSRF_TOKEN,
    &SAMESITE,
    &FETCH_METADATA,
    &GESTURE_GUARD,
    &FRAMEBUSTER,
];

impl Settings {
    /// The protections `posted` (`NAME=value` pairs of [`SWITCHABLE`] variables) asks for, as the
    /// environment would give them (a name left out takes its default under the `LAB_PROTECTIONS`
    /// preset posted, if any). The allowlists and the gesture delay stay as the lab started. The
    /// result is refused where start-up would refuse it (protections off on a public bind).
    pub fn switched(&self, posted: &[(&str, &str)]) -> Result<Protections, ConfigError> {
        if let Some((name, _)) = posted.iter().find(|(name, _)| !SWITCHABLE.iter().any(|v| v.name == *name)) {
            let names: Vec<&str> = SWITCHABLE.iter().map(|v| v.name).collect();
            return Err(ConfigError::Bad {
                var: "the protections panel",
                reason: format!(
                    "{name} cannot be switched while the lab runs; these can: {}",
                    names.join(", ")
                ),
            });
        }
        let given = |name: &str| posted.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned());
        let mut env = read::Env::new(&given);
        env.preset_on = env.switch(&PROTECTIONS)?;
        let mut protections = parse::protections(&env)?;
        let started = &self.protections;
        protections.frame.ancestors.clone_from(&started.frame.ancestors);
        protections.allowed_origins.clone_from(&started.allowed_origins);
        protections.gesture_delay_ms = started.gesture_delay_ms;
        Settings { protections: protections.clone(), ..self.clone() }.check_public_bind()?;
        Ok(protections)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::settings::Settings;
    use crate::protections::FrameMode;

    #[test]
    fn the_panel_switches_what_it_names_keeps_the_rest_and_refuses_what_start_up_would() {
        let started = Settings::from_pairs(&[("LAB_FRAME_ANCESTORS", "https://partner.example")]).unwrap();
        let off = started.switched(&[("LAB_PROTECTIONS", "off")]).unwrap();
        assert!(!off.origin_check && !off.csrf_token && off.frame.mode == FrameMode::Off);
        assert_eq!(off.frame.ancestors.len(), 1, "the allowlist stays as started");
        let one = started.switched(&[("LAB_PROTECTIONS", "on"), ("LAB_FRAME", "off")]).unwrap();
        assert!(one.origin_check && one.frame.mode == FrameMode::Off);
        let bad = started.switched(&[("LAB_FRAME", "sideways")]).unwrap_err().to_string();
        assert!(bad.contains("LAB_FRAME") && bad.contains("deny"), "{bad}");
        let fixed = started.switched(&[("LAB_MTLS", "off")]).unwrap_err().to_string();
        assert!(fixed.contains("LAB_MTLS cannot be switched"), "{fixed}");
        let public = Settings::from_pairs(&[("LAB_BIND", "0.0.0.0")]).unwrap();
        let refused = public.switched(&[("LAB_PROTECTIONS", "off")]).unwrap_err().to_string();
        assert!(refused.contains("LAB_ALLOW_PUBLIC=yes"), "{refused}");
    }
}
