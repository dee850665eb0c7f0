//! The lab's eyes on the bank: a middleware around the bank's handlers that reads what the bank
//! exposes (the request's headers, and the typed [`Outcome`] a handler attaches to its answer)
//! and never calls into the bank. It remembers how each confirmation page was loaded, and judges
//! each executed transfer, noting a detected attack on the request's audit trail.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use super::LabSettings;
use super::feed::Feed;
use super::narrate;
use super::renders::{Render, RenderLog};
use super::scenarios::Scenario;
use super::verdicts;
use crate::audit::Outcome;
use crate::error::AppError;
use crate::identity::{SignedInBy, Visitor};
use crate::practice::timeline::{self, Answer, Timelines};
use crate::state;
use crate::web::gate;
use crate::web::trail;

/// What the lab keeps while it runs.
pub struct LabState {
    pub renders: RenderLog,
    /// What the bank did for each attack, for the attack pages.
    pub feed: Feed,
    /// What the start page's probes found.
    pub probes: super::probe::ProbeLog,
    /// What the bank saw of each delivery's victim browser, while it runs.
    pub timelines: Timelines,
    pub settings: LabSettings,
}

impl LabState {
    pub fn new(settings: LabSettings) -> Self {
        Self {
            renders: RenderLog::default(),
            feed: Feed::default(),
            probes: Default::default(),
            timelines: Timelines::default(),
            settings,
        }
    }
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> gate::Served<impl MessageBody + 'static> {
    let (Some(lab), Ok(state)) = (req.app_data::<web::Data<LabState>>().cloned(), state::of(req.request()))
    else {
        let error = AppError::internal("the lab", "its state is missing");
        return gate::refuse(req, error);
    };
    let res = next.call(req).await?;
    // Only what the bank did tells the lab to look: other requests cost it nothing.
    let outcome = res.response().extensions().get::<Outcome>().cloned();
    let error = res.response().error();
    let mut detection = None;
    match outcome.clone() {
        Some(Outcome::ConfirmationShown { request_id, user, by }) => {
            let facts = trail::facts(res.request());
            let tag = url::form_urlencoded::parse(res.request().query_string().as_bytes())
                .find(|(key, _)| key == "scenario")
                .and_then(|(_, value)| Scenario::find(&value).map(|s| s.id));
            let render = Render::new(tag, facts.sec_fetch_dest.as_deref(), facts.sec_fetch_site.as_deref())
                .shown_to(user, by);
            lab.renders.remember(request_id, render);
        }
        Some(Outcome::Transferred { id, request_id, .. }) => {
            let facts = trail::facts(res.request());
            let window = Duration::from_millis(u64::from(lab.settings.popup_window_ms));
            let render = lab.renders.get(request_id);
            let verdict =
                verdicts::judge(render.as_ref(), &facts, window, &state.sites, &state.allowed_origins);
            let signed_in_by =
                res.request().extensions().get::<Visitor>().and_then(|v| v.user.as_ref()).map(|u| u.1);
            let signed_in_by = signed_in_by.map(SignedInBy::as_str);
            if let Err(e) = verdicts::record(&state.pool, id, &verdict, signed_in_by).await {
                tracing::error!("the lab could not keep its verdict on transfer {id}: {e}");
            }
            if let Some(detection) = verdict.detection {
                trail::remark(res.request(), format!("the lab detected an attack: {}", detection.explain()));
            }
            detection = verdict.detection;
        }
        _ => {}
    }
    if timeline::run_of(res.request()).is_some() {
        let protections = state.protections.now();
        let framers = [state.sites.cross_site.clone(), state.sites.same_site.clone()];
        let answer = Answer {
            status: res.status(),
            error,
            outcome: outcome.as_ref(),
            protections: &protections,
            framers: &framers,
        };
        lab.timelines.note(res.request(), answer);
    }
    let tagged = res.request().method() == actix_web::http::Method::POST
        || res.request().query_string().contains("scenario=");
    if (outcome.is_some() || error.is_some()) && tagged {
        let req = res.request();
        let scenario = narrate::scenario_of(req, &lab.renders, &state).and_then(Scenario::find);
        if let Some(scenario) = scenario {
            let told =
                narrate::narrate(req, scenario, res.status(), error, outcome.as_ref(), detection, &state);
            if let Some((kind, text)) = told {
                lab.feed.push(scenario.id, kind, &text);
            }
        }
    }
    Ok(res.map_into_left_body())
}
