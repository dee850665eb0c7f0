//! `POST /csp-report`: a report-only policy's violation reports (`LAB_FRAME=report-only`),
//! recorded in the audit log: the policy saw the framing and let it happen. Reports from the same
//! peer collapse into one row with a count (`crate::audit` recorder), and the summary is capped.

use actix_web::{HttpResponse, web};

use super::respond::done;
use crate::audit::Outcome;
use crate::audit::capped::{REASON_CAP, cut};
use crate::error::{AppError, Result};
use crate::protections::csp_report;
use crate::state::AppState;

pub async fn csp_report(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse> {
    if state.protections.now().protections.frame.report_only().is_none() {
        return Err(AppError::NotFound("reports are collected only with LAB_FRAME=report-only".into()));
    }
    let summary = csp_report::describe(&body).map_err(AppError::BadRequest)?;
    let summary = cut(&summary, REASON_CAP).into_owned();
    Ok(done(Outcome::CspReport { summary }, HttpResponse::NoContent().finish()))
}
